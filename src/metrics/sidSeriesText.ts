import { Buffer } from 'node:buffer';
import { DIRECTIONS, type Direction } from '../heartbeat/types.js';
import type { Details } from '../state/account.js';
import { keptPairs, PER_SID_FAMILIES } from './domainFamilies.js';
import { formatValue } from './exposition.js';
import { ByteWriter } from './byteWriter.js';

/** The sample lines of the two per-SID families for one account, as byte chunks. */
export interface SidSeriesText {
  readonly affected: readonly Buffer[];
  readonly since: readonly Buffer[];
}

const EMPTY: SidSeriesText = { affected: [], since: [] };

/** One account's per-SID lines, with where each pair's lines end, for the next render to reuse. */
interface Rendered {
  readonly since: Details['since'];
  readonly phones: Details['phones'];
  /** The account's share of the series budget this render was made for (sidQuotas.ts). */
  readonly quota: number;
  readonly text: SidSeriesText;
  /** Uncapped renders only: what the next render compares with and copies from. */
  readonly reusable: Reusable | null;
}

/** Per pair, in render order (incoming pairs first): its line ends, SID, streak start, phone. */
interface Reusable {
  readonly affected: Buffer;
  readonly sinceLines: Buffer;
  readonly affectedEnds: Uint32Array;
  readonly sinceEnds: Uint32Array;
  // Plain arrays rather than the previous maps: comparing in step this way costs no iterator
  // objects and one map lookup per pair instead of three. The strings are the maps' own.
  readonly sids: readonly string[];
  readonly starts: Float64Array;
  readonly phones: readonly (string | undefined)[];
  readonly incomingPairs: number;
}

/**
 * Renders and keeps the per-SID sample lines — at a large account nearly all of /metrics — as
 * bytes outside the V8 heap: 230,000 pairs are about 60 MB of text, which as a string would
 * triple the heap the exporter needs per series and be re-encoded on every scrape.
 *
 * Renders are incremental. While an outage repeats the same list the detail maps are shared
 * (reduce.ts) and nothing is rendered at all. When the list changes, the new pairs are walked in
 * step with the previous ones, direction by direction; runs of pairs whose lines would be the
 * same (same SID, streak start and phone number) are copied from the previous bytes in one go,
 * and only the others are rendered. A heartbeat that replaces 1% of 230,000 pairs renders 1% of
 * the lines. (A list reordered or shifted by an insertion falls back to rendering most lines.)
 *
 * Every label value here was checked on the way in (SIDs and phone numbers against labelSafe.ts
 * by the heartbeat, the API poll and the state file; accounts by the route), so none needs
 * escaping and Latin-1 bytes equal UTF-8 ones. A property test holds the output to the reference
 * projection byte for byte.
 */
export class SidSeriesTextCache {
  private readonly latest = new Map<string, Rendered>();

  /** `quota`: how many of the account's pairs may be exposed (sidQuotas.ts). */
  text(account: string, details: Details | null, quota: number): SidSeriesText {
    if (details === null) {
      this.latest.delete(account);
      return EMPTY;
    }
    const previous = this.latest.get(account);
    if (
      previous?.since === details.since &&
      previous.phones === details.phones &&
      previous.quota === quota
    ) {
      return previous.text;
    }
    const rendered = render(account, details, previous, quota);
    this.latest.set(account, rendered);
    return rendered.text;
  }

  /** Forgets accounts no longer in the store. */
  retain(accounts: ReadonlySet<string>): void {
    for (const account of this.latest.keys()) {
      if (!accounts.has(account)) this.latest.delete(account);
    }
  }
}

function render(
  account: string,
  details: Details,
  previous: Rendered | undefined,
  quota: number,
): Rendered {
  const pairs = details.since.incoming.size + details.since.outgoing.size;
  const lines = new LineMaker(account);
  if (pairs > quota) {
    // Capped: the kept pairs are chosen by streak start, so there is no order to reuse (the sort
    // itself is kept per detail maps, domainFamilies.ts). Sized for the kept pairs, not all of
    // them: at the default caps that is at most 10,000 of 230,000.
    const affected = new ByteWriter(quota * AFFECTED_LINE_BYTES);
    const since = new ByteWriter(quota * SINCE_LINE_BYTES);
    for (const pair of keptPairs(details, quota)) {
      const phone = details.phones.get(pair.sid);
      affected.write(lines.affected(pair.sid, phone, pair.direction));
      since.write(lines.since(pair.sid, phone, pair.direction, pair.since));
    }
    return {
      since: details.since,
      phones: details.phones,
      quota,
      text: { affected: [affected.done()], since: [since.done()] },
      reusable: null,
    };
  }

  const old = previous?.reusable ?? null;
  // The previous sizes plus a little: most renders change a few lines, so the buffers rarely grow.
  const affected = new ByteWriter(
    old === null ? pairs * AFFECTED_LINE_BYTES : old.affected.length + SLACK,
  );
  const sinceLines = new ByteWriter(
    old === null ? pairs * SINCE_LINE_BYTES : old.sinceLines.length + SLACK,
  );
  const affectedEnds = new Uint32Array(pairs);
  const sinceEnds = new Uint32Array(pairs);
  const sids: string[] = [];
  const starts = new Float64Array(pairs);
  const phones: (string | undefined)[] = [];
  let index = 0;
  // Hoisted: this loop runs once per pair, 230,000 times for a 10 MB heartbeat.
  const oldSids = old?.sids ?? [];
  const oldStarts = old?.starts ?? new Float64Array(0);
  const oldPhones = old?.phones ?? [];
  const oldAffected = old?.affected ?? EMPTY_BYTES;
  const oldSince = old?.sinceLines ?? EMPTY_BYTES;
  const oldAffectedEnds = old?.affectedEnds ?? new Uint32Array(0);
  const oldSinceEnds = old?.sinceEnds ?? new Uint32Array(0);
  for (const direction of DIRECTIONS) {
    // Where the previous render's pairs of this direction begin and end.
    let oldIndex = old === null || direction === 'incoming' ? 0 : old.incomingPairs;
    const oldEnd = old === null ? 0 : direction === 'incoming' ? old.incomingPairs : oldSids.length;
    for (const [sid, startedAt] of details.since[direction]) {
      const phone = details.phones.get(sid);
      // In step, position by position: a replaced SID costs one line, not a realignment.
      if (
        oldIndex < oldEnd &&
        oldSids[oldIndex] === sid &&
        oldStarts[oldIndex] === startedAt &&
        oldPhones[oldIndex] === phone
      ) {
        const first = oldIndex === 0;
        affected.copy(
          oldAffected,
          first ? 0 : (oldAffectedEnds[oldIndex - 1] ?? 0),
          oldAffectedEnds[oldIndex] ?? 0,
        );
        sinceLines.copy(
          oldSince,
          first ? 0 : (oldSinceEnds[oldIndex - 1] ?? 0),
          oldSinceEnds[oldIndex] ?? 0,
        );
      } else {
        affected.write(lines.affected(sid, phone, direction));
        sinceLines.write(lines.since(sid, phone, direction, startedAt));
      }
      affectedEnds[index] = affected.length;
      sinceEnds[index] = sinceLines.length;
      sids.push(sid);
      starts[index] = startedAt;
      phones.push(phone);
      index++;
      oldIndex++;
    }
  }
  const affectedBytes = affected.done();
  const sinceBytes = sinceLines.done();
  return {
    since: details.since,
    phones: details.phones,
    quota,
    text: { affected: [affectedBytes], since: [sinceBytes] },
    reusable: {
      affected: affectedBytes,
      sinceLines: sinceBytes,
      affectedEnds,
      sinceEnds,
      sids,
      starts,
      phones,
      incomingPairs: details.since.incoming.size,
    },
  };
}

/** Typical line lengths, to size a first render's buffers (they grow if need be). */
const AFFECTED_LINE_BYTES = 130;
const SINCE_LINE_BYTES = 170;

/** Room for a few changed lines before a buffer has to grow. */
const SLACK = 64 * 1024;

const EMPTY_BYTES = Buffer.alloc(0);

/** Exactly the lines renderFamily writes for these samples, with the label part built once. */
class LineMaker {
  private readonly prefix: string;

  constructor(account: string) {
    this.prefix = `{account="${account}",sid="`;
  }

  affected(sid: string, phone: string | undefined, direction: Direction): string {
    return `${PER_SID_FAMILIES[0]}${this.labels(sid, phone, direction)} 1\n`;
  }

  since(sid: string, phone: string | undefined, direction: Direction, startedAt: number): string {
    return `${PER_SID_FAMILIES[1]}${this.labels(sid, phone, direction)} ${formatValue(startedAt)}\n`;
  }

  private labels(sid: string, phone: string | undefined, direction: Direction): string {
    return `${this.prefix}${sid}",phone_number="${phone ?? ''}",direction="${direction}"}`;
  }
}
