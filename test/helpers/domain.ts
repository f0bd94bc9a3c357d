import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Exposition, HttpResult } from './http.js';
import { json } from './http.js';

export const STATUSES = ['OK', 'WARNING', 'CRITICAL', 'PAYLOAD_TOO_LARGE'] as const;

/** The vendor examples' shared timestamp, 2018-08-22T15:19:23Z, in seconds. */
export const VENDOR_TIMESTAMP = Date.UTC(2018, 7, 22, 15, 19, 23) / 1000;

/** A vendor fixture, byte for byte. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
}

/** `exotel_heartbeat_status` of one account as {OK: 0|1, WARNING: …, …}; fails if one is missing. */
export function statusSet(metrics: Exposition, account: string): Record<string, number> {
  return Object.fromEntries(
    STATUSES.map((status) => [
      status,
      metrics.value('exotel_heartbeat_status', { account, status }),
    ]),
  );
}

/** The state set a status should produce: 1 for it, 0 for the other three. */
export function onlyStatus(status: (typeof STATUSES)[number] | null): Record<string, number> {
  return Object.fromEntries(STATUSES.map((s) => [s, s === status ? 1 : 0]));
}

/**
 * The per-SID series of one family for one account, as `direction sid phone_number` → value, so a
 * test can compare the whole set with toEqual (an extra, stale series fails it).
 */
export function perSid(
  metrics: Exposition,
  family: 'exotel_exophone_affected' | 'exotel_exophone_affected_since_timestamp_seconds',
  account: string,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const sample of metrics.select(family, { account })) {
    const { direction = '?', sid = '?', phone_number: phone = '?' } = sample.labels;
    const key = `${direction} ${sid} ${phone}`;
    expect(out, `duplicate series ${key}`).not.toHaveProperty([key]);
    out[key] = sample.value;
  }
  return out;
}

/** `exotel_exophones_affected` of one account as {incoming, outgoing}. */
export function affectedCounts(
  metrics: Exposition,
  account: string,
): { incoming: number; outgoing: number } {
  return {
    incoming: metrics.value('exotel_exophones_affected', { account, direction: 'incoming' }),
    outgoing: metrics.value('exotel_exophones_affected', { account, direction: 'outgoing' }),
  };
}

/** Every account label value present in the exposition. */
export function accountsIn(metrics: Exposition): string[] {
  return [
    ...new Set(
      metrics.samples.flatMap((s) =>
        s.labels['account'] === undefined ? [] : [s.labels['account']],
      ),
    ),
  ].sort();
}

/** Series keys whose value differs between two per-account maps (or exist in only one). */
export function changedKeys(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((key) => !Object.is(before.get(key), after.get(key))).sort();
}

/** Asserts a 200 `{"result": outcome}` answer. */
export function expectOutcome(result: HttpResult, outcome: string): void {
  expect({ status: result.status, body: json(result) }).toEqual({
    status: 200,
    body: { result: outcome },
  });
}

/** Asserts an error answer of exactly the shape {"error": reason, "detail": string}. */
export function expectError(result: HttpResult, status: number, reason: string): void {
  expect(result.headers.get('content-type')).toMatch(/^application\/json\b/);
  const body = json(result);
  expect({ status: result.status, body }).toEqual({
    status,
    body: { error: reason, detail: expect.any(String) as unknown },
  });
}
