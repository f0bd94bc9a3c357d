import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { decodeState } from '../../src/persist/snapshotCodec.js';
import { encodeState } from '../helpers/encodeState.js';
import { StateEncoder, type EncodedEntry } from '../../src/persist/stateEncoder.js';
import { EMPTY_ACCOUNT, type AccountState, type Details } from '../../src/state/account.js';
import { detailsFromMaps, type DetailMaps } from '../helpers/detailMaps.js';

const since: DetailMaps['since'] = {
  incoming: new Map([
    ['07930061010', 1534946000],
    ['__proto__', 1534946000.25],
  ]),
  outgoing: new Map([['07930061010', 1534946300]]),
};
const phones = new Map([['07930061010', '+917930061010']]);
const maps: DetailMaps = { timestamp: { seconds: 1534946363, nanos: 5 }, since, phones };
const details: Details = detailsFromMaps(maps);
const withApi: Details = detailsFromMaps({
  ...maps,
  since: { incoming: new Map(since.incoming), outgoing: new Map() },
  api: {
    statuses: { incoming: new Map([['07930061010', 'major_outage']]), outgoing: new Map() },
  },
});

function state(d: Details | null, lastReceivedMs = 1534946364000): AccountState {
  return {
    applied: { timestamp: d?.timestamp ?? { seconds: 1, nanos: 0 }, status: 'WARNING' },
    details: d,
    lastReceivedMs,
  };
}

/** Store entries as the exporter hands them to the encoder: each state with its table. */
function entries(states: ReadonlyMap<string, AccountState>): Map<string, EncodedEntry> {
  return new Map(
    [...states].map(([account, s]) => [account, { state: s, table: s.details?.table ?? null }]),
  );
}

const samples: ReadonlyMap<string, AccountState>[] = [
  new Map(),
  new Map([['default', EMPTY_ACCOUNT]]),
  new Map([
    ['default', EMPTY_ACCOUNT],
    ['acme', state(details)],
  ]),
  new Map([
    ['acme', state(details)],
    ['constructor', state(withApi)],
    ['ptl', state(null)],
  ]),
];

const text = (chunks: readonly Uint8Array[]): string => Buffer.concat(chunks).toString('utf8');

/** The same bytes in memory, not just equal ones: a reused encoding. */
function sameMemory(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return (
    a !== undefined && b !== undefined && a.buffer === b.buffer && a.byteOffset === b.byteOffset
  );
}

describe('StateEncoder', () => {
  it('writes exactly what encodeState writes, which decodeState reads back', () => {
    const encoder = new StateEncoder();
    for (const accounts of samples) {
      const encoded = text(encoder.encode(entries(accounts)));
      expect(encoded).toBe(encodeState(accounts));
      expect(decodeState(encoded).ok).toBe(true);
    }
  });

  it('lists each phone once, in SID order, and only for affected SIDs', () => {
    const both: Details = detailsFromMaps({
      ...maps,
      phones: new Map([
        ['gone', '+910'],
        ['07930061010', '+917930061010'],
      ]),
    });
    const file = JSON.parse(
      text(new StateEncoder().encode(entries(new Map([['acme', state(both)]])))),
    ) as { accounts: { details: { phones: unknown } }[] };
    expect(file.accounts[0]?.details.phones).toEqual([['07930061010', '+917930061010']]);
  });

  it('reuses the per-SID bytes while the table is shared, and copies unchanged runs after', () => {
    const encoder = new StateEncoder();
    const firstEntries = entries(new Map([['acme', state(details)]]));
    const first = encoder.encode(firstEntries);
    const later: Details = { ...details, timestamp: { seconds: 1534946663, nanos: 0 } };
    const laterEntry = { state: state(later, 1534946664000) };
    const second = encoder.encode(new Map([['acme', laterEntry]]));
    // Chunks: head, incoming, ',"outgoing":', outgoing, ',"phones":', phones, tail.
    expect(sameMemory(second[1], first[1])).toBe(true);
    expect(sameMemory(second[5], first[5])).toBe(true);
    expect(text(second)).toBe(encodeState(new Map([['acme', state(later, 1534946664000)]])));

    const newPhone: Details = detailsFromMaps(
      { ...maps, timestamp: later.timestamp, phones: new Map([['07930061010', '+917930061011']]) },
      details.table,
    );
    const third = encoder.encode(entries(new Map([['acme', state(newPhone)]])));
    expect(sameMemory(third[1], first[1])).toBe(false);
    expect(text(third)).toBe(encodeState(new Map([['acme', state(newPhone)]])));
    expect(text(third)).toContain('+917930061011');
  });
});
