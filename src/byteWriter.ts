import { Buffer } from 'node:buffer';

/** Text is gathered in a string this long before it is written out, to keep ropes short. */
const FLUSH_CHARS = 1 << 16;

/**
 * Builds one buffer from ASCII text and ranges copied from other buffers, in order. Adjacent
 * copies from the same source merge into one, so a long run of reused lines is one memcpy.
 * Only ASCII may be written: a character is counted as a byte.
 */
export class ByteWriter {
  private buffer: Buffer;
  private written = 0;
  private pending = '';
  private copySource: Buffer | null = null;
  private copyStart = 0;
  private copyEnd = 0;

  constructor(estimatedBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(estimatedBytes, 1024));
  }

  /** Bytes so far, including what is still gathered. */
  get length(): number {
    return this.written + this.pending.length + (this.copyEnd - this.copyStart);
  }

  write(text: string): void {
    this.flushCopy();
    this.pending += text;
    if (this.pending.length >= FLUSH_CHARS) this.flushText();
  }

  copy(source: Buffer, start: number, end: number): void {
    this.flushText();
    if (this.copySource === source && this.copyEnd === start) {
      this.copyEnd = end;
      return;
    }
    this.flushCopy();
    this.copySource = source;
    this.copyStart = start;
    this.copyEnd = end;
  }

  /** The bytes, in a buffer of about their own size (a large over-allocation is not kept). */
  done(): Buffer {
    this.flushText();
    this.flushCopy();
    // Up to 1/16 unused is kept rather than copying tens of megabytes to trim it.
    const unused = this.buffer.length - this.written;
    if (unused <= this.buffer.length / 16) return this.buffer.subarray(0, this.written);
    const exact = Buffer.allocUnsafe(this.written);
    this.buffer.copy(exact, 0, 0, this.written);
    return exact;
  }

  private flushText(): void {
    if (this.pending === '') return;
    this.reserve(this.pending.length);
    this.written += this.buffer.write(this.pending, this.written, 'latin1');
    this.pending = '';
  }

  private flushCopy(): void {
    if (this.copySource === null) return;
    this.reserve(this.copyEnd - this.copyStart);
    this.written += this.copySource.copy(this.buffer, this.written, this.copyStart, this.copyEnd);
    this.copySource = null;
    this.copyStart = 0;
    this.copyEnd = 0;
  }

  private reserve(bytes: number): void {
    const needed = this.written + bytes;
    if (needed <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, Math.ceil(this.buffer.length * 1.5)));
    this.buffer.copy(grown, 0, 0, this.written);
    this.buffer = grown;
  }
}
