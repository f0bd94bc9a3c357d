import { Buffer } from 'node:buffer';
import { DIRECTIONS } from '../heartbeat/types.js';
import type { Details } from '../state/account.js';
import { keptPairs, PER_SID_FAMILIES, type ProjectionOptions } from './domainFamilies.js';
import { formatValue } from './exposition.js';

/** The sample lines of the two per-SID families for one account, as bytes. */
export interface SidSeriesText {
  readonly affected: Buffer;
  readonly since: Buffer;
}

const EMPTY: SidSeriesText = { affected: Buffer.alloc(0), since: Buffer.alloc(0) };

/** Lines are gathered in a string this long before they become bytes, to keep ropes short. */
const FLUSH_CHARS = 1 << 20;

/**
 * Renders and keeps the per-SID sample lines — at a large account nearly all of /metrics — once
 * per set of detail maps. The maps are immutable and shared while every streak continues
 * (reduce.ts), so a heartbeat that repeats an ongoing outage re-renders none of it.
 *
 * The text lives in Buffers, outside the V8 heap: 230,000 pairs are about 60 MB of text, which
 * as a string would triple the heap the exporter needs per series and be re-encoded on every
 * scrape. Every label value here was checked on the way in (SIDs and phone numbers against
 * labelSafe.ts by the heartbeat, the API poll and the state file; accounts by the route), so
 * none needs escaping and Latin-1 bytes equal UTF-8 ones.
 */
export class SidSeriesTextCache {
  private cache = new WeakMap<Details['since'], Map<string, Entry>>();

  constructor(private readonly options: ProjectionOptions) {}

  text(account: string, details: Details | null): SidSeriesText {
    if (details === null) return EMPTY;
    let perAccount = this.cache.get(details.since);
    if (perAccount === undefined)
      this.cache.set(details.since, (perAccount = new Map<string, Entry>()));
    const found = perAccount.get(account);
    if (found?.phones === details.phones) return found.text;
    const text = renderSidSeries(account, details, this.options);
    perAccount.set(account, { phones: details.phones, text });
    return text;
  }
}

interface Entry {
  readonly phones: Details['phones'];
  readonly text: SidSeriesText;
}

/** Exactly the lines renderFamily writes for these samples (a property test compares the two). */
export function renderSidSeries(
  account: string,
  details: Details,
  options: ProjectionOptions,
): SidSeriesText {
  const [affectedName, sinceName] = PER_SID_FAMILIES;
  const affected = new LineBuffer();
  const since = new LineBuffer();
  const line = (sid: string, direction: string, startedAt: number): void => {
    const labels = `{account="${account}",sid="${sid}",phone_number="${details.phones.get(sid) ?? ''}",direction="${direction}"}`;
    affected.add(`${affectedName}${labels} 1\n`);
    since.add(`${sinceName}${labels} ${formatValue(startedAt)}\n`);
  };
  if (details.since.incoming.size + details.since.outgoing.size <= options.maxSidSeries) {
    // Uncapped, the common case: walk the maps without building a pair object per SID.
    for (const direction of DIRECTIONS) {
      for (const [sid, startedAt] of details.since[direction]) line(sid, direction, startedAt);
    }
  } else {
    for (const pair of keptPairs(details, options)) line(pair.sid, pair.direction, pair.since);
  }
  return { affected: affected.done(), since: since.done() };
}

class LineBuffer {
  private pending = '';
  private readonly chunks: Buffer[] = [];

  add(line: string): void {
    this.pending += line;
    if (this.pending.length >= FLUSH_CHARS) this.flush();
  }

  done(): Buffer {
    this.flush();
    return this.chunks.length === 1 && this.chunks[0] !== undefined
      ? this.chunks[0]
      : Buffer.concat(this.chunks);
  }

  private flush(): void {
    if (this.pending === '') return;
    this.chunks.push(Buffer.from(this.pending, 'latin1'));
    this.pending = '';
  }
}
