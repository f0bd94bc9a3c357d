import { Buffer } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../src/byteWriter.js';
import { deflatePart, gzipChunks } from '../../src/metrics/gzipBody.js';

describe('gzip exposition bodies', () => {
  it('are one gzip member holding the cached part then the tail, whatever their sizes', async () => {
    const text = fc.string({ unit: 'binary-ascii', maxLength: 3000 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(text, { maxLength: 5 }),
        text,
        text,
        async (parts, tail1, tail2) => {
          // Empty chunks sit between the parts, as accounts without per-SID lines put them there (an
          // empty ByteWriter's buffer is one Node 20's crc32 mishandles).
          const chunks = parts.flatMap((part) => [
            Buffer.from(part, 'latin1'),
            Buffer.alloc(0),
            new ByteWriter(1024).done(),
          ]);
          const part = await deflatePart(chunks);
          // The same cached part serves every scrape, each with its own tail.
          for (const tail of [tail1, tail2]) {
            const body = Buffer.concat(gzipChunks(part, Buffer.from(tail, 'latin1')));
            // gunzipSync checks the CRC-32 and length in the trailer.
            expect(gunzipSync(body).toString('latin1')).toBe(parts.join('') + tail);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('handle a part of tens of megabytes, about ten times smaller', async () => {
    const line = (i: number) =>
      `exotel_exophone_affected{account="default",sid="0${2030000000 + i}",phone_number="+91${9000000000 + i}",direction="incoming"} 1\n`;
    const chunks = Array.from({ length: 40 }, (_, c) =>
      Buffer.from(Array.from({ length: 5000 }, (_, i) => line(c * 5000 + i)).join('')),
    );
    const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const part = await deflatePart(chunks);
    expect(part.length).toBe(total);
    expect(part.deflated.length).toBeLessThan(total / 8);
    const body = Buffer.concat(gzipChunks(part, Buffer.from('# EOF\n')));
    const out = gunzipSync(body);
    expect(out.length).toBe(total + 6);
    expect(out.subarray(total).toString()).toBe('# EOF\n');
    expect(out.subarray(0, chunks[0]?.length ?? 0).equals(chunks[0] ?? Buffer.alloc(0))).toBe(true);
  });
});
