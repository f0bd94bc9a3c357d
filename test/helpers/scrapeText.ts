import { Buffer } from 'node:buffer';
import type { ExpositionFormat } from '../../src/metrics/exposition.js';
import type { ScrapeRenderer } from '../../src/metrics/scrape.js';

/** The whole uncompressed exposition as one string, as a scrape would receive it. */
export async function scrapeText(
  renderer: ScrapeRenderer,
  format: ExpositionFormat,
): Promise<string> {
  const { chunks } = await renderer.exposition(format);
  return Buffer.concat(chunks).toString('utf8');
}
