import { Buffer } from 'node:buffer';
import type { Store } from '../state/store.js';
import { domainFamilies, type ProjectionOptions } from './domainFamilies.js';
import { renderFamilies, renderFamily, type ExpositionFormat } from './exposition.js';
import { deflatePart, gzipChunks, type DeflatedPart } from './gzipBody.js';
import type { ContentCoding } from './negotiate.js';
import type { SelfMetrics } from './selfMetrics.js';
import {
  RENDER_SLICING,
  VersionRenderer,
  type RenderSlicing,
  type RenderedVersion,
} from './versionRenderer.js';

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

const EOF = Buffer.from('# EOF\n');

/**
 * Builds the exposition at scrape time from the newest completely rendered store version
 * (versionRenderer.ts). The domain part depends on that version alone, so it is cached per
 * version and format: a repeated scrape of an unchanged large account costs rendering the
 * self-metrics. The per-SID lines come ready from the version renderer; a new version re-renders
 * only the small families around them. While a large version is being rendered in slices, the
 * previous one is served whole; the self-metrics are always current.
 */
export class ScrapeRenderer {
  private cache = new Map<ExpositionFormat, DomainPart>();
  private readonly versions: VersionRenderer;

  constructor(
    store: Store,
    private readonly selfMetrics: SelfMetrics,
    private readonly options: ProjectionOptions,
    slicing: RenderSlicing = RENDER_SLICING,
  ) {
    this.versions = new VersionRenderer(store, options, slicing);
  }

  /** See VersionRenderer.settled: resolves once the store's current version is rendered. */
  settled(): Promise<void> {
    return this.versions.settled();
  }

  /** The store changed: start rendering the new version now rather than at the next scrape. */
  versionChanged(): void {
    this.versions.versionChanged();
  }

  async exposition(
    format: ExpositionFormat,
    coding: ContentCoding = 'identity',
  ): Promise<Exposition> {
    if (coding === 'gzip') {
      const domain = this.domain(format, await this.versions.latest());
      domain.gzip ??= deflatePart(domain.chunks).catch((error: unknown) => {
        domain.gzip = undefined;
        throw error;
      });
      const part = await domain.gzip;
      const chunks = gzipChunks(part, await this.tail(format));
      return { chunks, length: lengthOf(chunks), coding };
    }
    const tail = await this.tail(format);
    // The domain part after the await, so it is the newest complete state at the moment of sending.
    const chunks = [...this.domain(format, await this.versions.latest()).chunks, tail];
    return { chunks, length: lengthOf(chunks), coding };
  }

  /** The self-metrics, never cached, and the OpenMetrics terminator. */
  private async tail(format: ExpositionFormat): Promise<Buffer> {
    const self = Buffer.from(renderFamilies(await this.selfMetrics.families(), format));
    return format === 'openmetrics' ? Buffer.concat([self, EOF]) : self;
  }

  private domain(format: ExpositionFormat, rendered: RenderedVersion): DomainPart {
    const { snapshot, quotas, texts } = rendered;
    const cached = this.cache.get(format);
    if (cached?.version === snapshot.version) return cached;
    // Per version: one heartbeat can move every account's share. Divided once (by the version
    // renderer), for the projection's dropped counts and the per-SID text alike.
    const families = domainFamilies(snapshot, { ...this.options, perSidSamples: false, quotas });
    const chunks: Buffer[] = [];
    let text = '';
    for (const family of families) {
      text += renderFamily(family, format);
      const part = family.perSid;
      if (part === undefined) continue;
      chunks.push(Buffer.from(text));
      text = '';
      for (const account of snapshot.accounts.keys()) {
        chunks.push(...(texts.get(account)?.[part] ?? []));
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
