import { Buffer } from 'node:buffer';
import { constants, crc32, createDeflateRaw, deflateRawSync } from 'node:zlib';

/** The cached, compressed domain part of an exposition, and what the gzip trailer needs of it. */
export interface DeflatedPart {
  /** Raw deflate data ending in a full flush: byte-aligned, no final block, no back-references. */
  readonly deflated: Buffer;
  readonly crc: number;
  readonly length: number;
}

/** Level 1: most of the size reduction at a fraction of the default level's time. */
const LEVEL = 1;

/**
 * Compresses the domain part once per state version, in libuv's thread pool (the event loop stays
 * free). It ends in a full flush rather than a final block, so each scrape can append the
 * self-metrics as a second deflate stream and still send one ordinary gzip member; two gzip
 * members would be valid gzip too, but some clients (browsers among them) stop after the first.
 */
export function deflatePart(chunks: readonly Buffer[]): Promise<DeflatedPart> {
  let crc = 0;
  let length = 0;
  for (const chunk of chunks) {
    // Node 20's crc32 returns 0 for an empty buffer without memory of its own, whatever the
    // running value: skip empty chunks rather than lose the checksum.
    if (chunk.length === 0) continue;
    crc = crc32(chunk, crc);
    length += chunk.length;
  }
  return new Promise((resolve, reject) => {
    const deflate = createDeflateRaw({ level: LEVEL });
    const out: Buffer[] = [];
    deflate.on('data', (data: Buffer) => out.push(data));
    deflate.on('error', reject);
    for (const chunk of chunks) deflate.write(chunk);
    deflate.flush(constants.Z_FULL_FLUSH, () => {
      resolve({ deflated: Buffer.concat(out), crc, length });
      deflate.destroy();
    });
  });
}

// RFC 1952: magic, deflate, no flags, no mtime, no extra flags, OS unknown.
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

/** One gzip member: the cached part, then `tail` (the self-metrics) compressed now. */
export function gzipChunks(part: DeflatedPart, tail: Buffer): Buffer[] {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(tail, part.crc), 0);
  // ISIZE is the length modulo 2^32.
  trailer.writeUInt32LE((part.length + tail.length) % 2 ** 32, 4);
  return [HEADER, part.deflated, deflateRawSync(tail, { level: LEVEL }), trailer];
}
