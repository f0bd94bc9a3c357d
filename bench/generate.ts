/**
 * Realistic Exotel heartbeats, shaped like the vendor's documented payload:
 *
 *   {"timestamp":"…Z","status_type":"CRITICAL","incoming_affected":["0…",…],
 *    "outgoing_affected":[…],"data":{"02030090005":{"phone_number":"+912030090005"},…}}
 *
 * Every SID is in incoming_affected and data, every second one also in outgoing_affected, so a
 * heartbeat of N SIDs carries N + ceil(N/2) (SID, direction) pairs at about 68 bytes per SID.
 * An `Outage` alternates two such lists that differ in 1% of their SIDs, as a large outage
 * evolves between heartbeats, so consecutive heartbeats are real changes, not repeats.
 * Bodies are compact JSON built once per size; each post stamps a fresh timestamp into a fixed
 * place in the same buffer, so a 10 MB body is never rebuilt between repetitions.
 */

/** The vendor's limit: a heartbeat above this becomes PAYLOAD_TOO_LARGE. */
export const TEN_MIB = 10 * 1024 * 1024;

const TIMESTAMP_PREFIX = '{"timestamp":"';
/** RFC 3339 in the vendor's style, whole seconds: `2018-08-22T15:19:23Z` (always 20 bytes). */
const TIMESTAMP_PLACEHOLDER = '0000-00-00T00:00:00Z';

export interface Heartbeat {
  readonly sids: number;
  /** (SID, direction) pairs: the per-SID series the exporter renders (two lines each). */
  readonly pairs: number;
  /** The body; its timestamp is overwritten in place by `stamp`. */
  readonly body: Buffer;
}

/** Unique 11-digit SIDs ("0" + 10 digits) and matching E.164 numbers, as in the vendor's docs. */
export function sidOf(index: number): string {
  return `0${2030000000 + index}`;
}

export function phoneOf(index: number): string {
  return `+91${2030000000 + index}`;
}

export function pairsOf(sids: number): number {
  return sids + Math.ceil(sids / 2);
}

/**
 * Variant 1 replaces every 100th SID of variant 0 with one that is not in it (same length, so
 * both bodies have exactly the same size).
 */
export function buildHeartbeat(sids: number, variant: 0 | 1 = 0): Heartbeat {
  const incoming: string[] = [];
  const outgoing: string[] = [];
  const data: string[] = [];
  for (let i = 0; i < sids; i++) {
    const index = variant === 1 && i % 100 === 99 ? sids + i : i;
    const sid = JSON.stringify(sidOf(index));
    incoming.push(sid);
    if (i % 2 === 0) outgoing.push(sid);
    data.push(`${sid}:{"phone_number":${JSON.stringify(phoneOf(index))}}`);
  }
  const text =
    `${TIMESTAMP_PREFIX}${TIMESTAMP_PLACEHOLDER}","status_type":"CRITICAL",` +
    `"incoming_affected":[${incoming.join(',')}],` +
    `"outgoing_affected":[${outgoing.join(',')}],` +
    `"data":{${data.join(',')}}}`;
  return { sids, pairs: pairsOf(sids), body: Buffer.from(text, 'utf8') };
}

/**
 * An ongoing outage of N SIDs: `next()` alternates the two variants, so each heartbeat changes
 * 1% of the affected SIDs (some recover, others are newly affected); `again()` repeats the last
 * list (the exporter sees a newer timestamp with the same SIDs).
 */
export class Outage {
  readonly sids: number;
  readonly pairs: number;
  readonly bytes: number;
  private readonly variants: readonly [Heartbeat, Heartbeat];
  private current: 0 | 1 = 1;

  constructor(sids: number) {
    this.variants = [buildHeartbeat(sids, 0), buildHeartbeat(sids, 1)];
    this.sids = sids;
    this.pairs = pairsOf(sids);
    this.bytes = this.variants[0].body.length;
    if (this.variants[1].body.length !== this.bytes) throw new Error('variants differ in size');
  }

  next(): Heartbeat {
    this.current = this.current === 0 ? 1 : 0;
    return this.variants[this.current];
  }

  again(): Heartbeat {
    return this.variants[this.current];
  }
}

/** A small OK heartbeat, as Exotel sends every few minutes when all is well. */
export function okHeartbeat(): Heartbeat {
  const text =
    `${TIMESTAMP_PREFIX}${TIMESTAMP_PLACEHOLDER}","status_type":"OK",` +
    `"incoming_affected":null,"outgoing_affected":null,"data":{}}`;
  return { sids: 0, pairs: 0, body: Buffer.from(text, 'utf8') };
}

/** Writes the timestamp into the body in place and returns it. */
export function stamp(heartbeat: Heartbeat, epochSeconds: number): Buffer {
  heartbeat.body.write(rfc3339(epochSeconds), TIMESTAMP_PREFIX.length, 'latin1');
  return heartbeat.body;
}

export function rfc3339(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The largest N whose body fits in `limit` bytes. Body size is linear in N apart from the
 * every-second-SID outgoing entries, so a linear estimate from two even sizes lands within a
 * SID or two; then it steps with real bodies until exact.
 */
export function largestSidsWithin(limit: number): number {
  const bytes = (n: number) => buildHeartbeat(n).body.length;
  const small = bytes(1000);
  const large = bytes(3000);
  let n = Math.floor(1000 + ((limit - small) * 2000) / (large - small));
  while (bytes(n) > limit) n--;
  while (bytes(n + 1) <= limit) n++;
  return n;
}

/**
 * Heartbeat timestamps: strictly increasing across the whole run (so every post to any account
 * is newer than the one before and gets applied), starting three days in the past so they are
 * never ahead of the exporter's clock (it refuses more than 300 s ahead).
 */
export class TimestampSource {
  private next = Math.floor(Date.now() / 1000) - 3 * 24 * 3600;

  take(): number {
    return this.next++;
  }
}
