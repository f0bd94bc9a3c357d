import { Buffer } from 'node:buffer';
import type { Store } from '../state/store.js';
import { domainFamilies, PER_SID_FAMILIES, type ProjectionOptions } from './domainFamilies.js';
import { renderFamilies, renderFamily, type ExpositionFormat } from './exposition.js';
import { deflatePart, gzipChunks, type DeflatedPart } from './gzipBody.js';
import type { ContentCoding } from './negotiate.js';
import type { SelfMetrics } from './selfMetrics.js';
import { affectedPairs, sidQuotas } from './sidQuotas.js';
import { SidSeriesTextCache, type SidSeriesText } from './sidSeriesText.js';

/** An exposition as the byte chunks it is written in, so cached parts are never copied. */
export interface Exposition {
  readonly chunks: readonly Buffer[];
  readonly length: number;
  readonly coding: ContentCoding;
}

interface DomainPart {
  readonly version: number;
  readonly chunks: readonly Buffer[];
  /** Compressed on first demand, once per version. */
  gzip?: Promise<DeflatedPart> | undefined;
}

const PER_SID_PART: Readonly<Record<string, keyof SidSeriesText>> = {
  [PER_SID_FAMILIES[0]]: 'affected',
  [PER_SID_FAMILIES[1]]: 'since',
};

const EOF = Buffer.from('# EOF\n');

/**
 * Builds the exposition at scrape time from the current snapshot. The domain part depends on the
 * snapshot alone, so it is cached per store version and format: a repeated scrape of an unchanged
 * large account costs rendering the self-metrics. Within the domain part, the per-SID lines are
 * kept per account for as long as its detail maps live (sidSeriesText.ts), so a new version
 * re-renders only the small families around them.
 */
export class ScrapeRenderer {
  private cache = new Map<ExpositionFormat, DomainPart>();
  private readonly sidText = new SidSeriesTextCache();

  constructor(
    private readonly store: Store,
    private readonly selfMetrics: SelfMetrics,
    private readonly options: ProjectionOptions,
  ) {}

  async exposition(
    format: ExpositionFormat,
    coding: ContentCoding = 'identity',
  ): Promise<Exposition> {
    if (coding === 'gzip') {
      const domain = this.domain(format);
      domain.gzip ??= deflatePart(domain.chunks).catch((error: unknown) => {
        domain.gzip = undefined;
        throw error;
      });
      const part = await domain.gzip;
      const chunks = gzipChunks(part, await this.tail(format));
      return { chunks, length: lengthOf(chunks), coding };
    }
    const tail = await this.tail(format);
    // The domain part after the await, so it is the state at the moment of sending.
    const chunks = [...this.domain(format).chunks, tail];
    return { chunks, length: lengthOf(chunks), coding };
  }

  /** The self-metrics, never cached, and the OpenMetrics terminator. */
  private async tail(format: ExpositionFormat): Promise<Buffer> {
    const self = Buffer.from(renderFamilies(await this.selfMetrics.families(), format));
    return format === 'openmetrics' ? Buffer.concat([self, EOF]) : self;
  }

  private domain(format: ExpositionFormat): DomainPart {
    const snapshot = this.store.snapshot();
    const cached = this.cache.get(format);
    if (cached?.version === snapshot.version) return cached;
    // Per version: one heartbeat can move every account's share. Divided once, for the
    // projection's dropped counts and the per-SID text alike.
    const quotas = sidQuotas(affectedPairs(snapshot), this.options);
    const families = domainFamilies(snapshot, { ...this.options, perSidSamples: false, quotas });
    this.sidText.retain(new Set(snapshot.accounts.keys()));
    const chunks: Buffer[] = [];
    let text = '';
    for (const family of families) {
      text += renderFamily(family, format);
      const part = PER_SID_PART[family.name];
      if (part === undefined) continue;
      chunks.push(Buffer.from(text));
      text = '';
      for (const [account, entry] of snapshot.accounts) {
        const quota = quotas.get(account) ?? 0;
        chunks.push(...this.sidText.text(account, entry.table, quota)[part]);
      }
    }
    chunks.push(Buffer.from(text));
    const part: DomainPart = { version: snapshot.version, chunks };
    // The other format's render of an older version would keep that version's per-SID text
    // (tens of megabytes) alive until its next scrape: let it go now.
    for (const [other, cached] of this.cache) {
      if (cached.version !== snapshot.version) this.cache.delete(other);
    }
    this.cache.set(format, part);
    return part;
  }
}

function lengthOf(chunks: readonly Buffer[]): number {
  return chunks.reduce((sum, chunk) => sum + chunk.length, 0);
}
