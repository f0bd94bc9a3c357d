import type { Store } from '../state/store.js';
import { domainFamilies, type ProjectionOptions } from './domainFamilies.js';
import { renderFamilies, type ExpositionFormat } from './exposition.js';
import type { SelfMetrics } from './selfMetrics.js';

/**
 * Builds the exposition at scrape time from the current snapshot. The domain part depends on the
 * snapshot alone, so it is cached per store version and format: repeated scrapes of an unchanged
 * large account cost a string concatenation.
 */
export class ScrapeRenderer {
  private cache = new Map<ExpositionFormat, { version: number; text: string }>();

  constructor(
    private readonly store: Store,
    private readonly selfMetrics: SelfMetrics,
    private readonly options: ProjectionOptions,
  ) {}

  async render(format: ExpositionFormat): Promise<string> {
    const self = renderFamilies(await this.selfMetrics.families(), format);
    const domain = this.domain(format);
    return format === 'openmetrics' ? `${domain}${self}# EOF\n` : `${domain}${self}`;
  }

  private domain(format: ExpositionFormat): string {
    const snapshot = this.store.snapshot();
    const cached = this.cache.get(format);
    if (cached?.version === snapshot.version) return cached.text;
    const text = renderFamilies(domainFamilies(snapshot, this.options), format);
    this.cache.set(format, { version: snapshot.version, text });
    return text;
  }
}
