import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from '../../src/persist/snapshotCodec.js';
import { StateEncoder } from '../../src/persist/stateEncoder.js';
import { EMPTY_ACCOUNT, type AccountState, type Details } from '../../src/state/account.js';

const since: Details['since'] = {
  incoming: new Map([
    ['07930061010', 1534946000],
    ['__proto__', 1534946000.25],
  ]),
  outgoing: new Map([['07930061010', 1534946300]]),
};
const phones = new Map([['07930061010', '+917930061010']]);
const details: Details = { timestamp: { seconds: 1534946363, nanos: 5 }, since, phones };
const withApi: Details = {
  ...details,
  since: { incoming: new Map(since.incoming), outgoing: new Map() },
  api: {
    statuses: { incoming: new Map([['07930061010', 'major_outage']]), outgoing: new Map() },
  },
};

function state(d: Details | null, lastReceivedMs = 1534946364000): AccountState {
  return {
    applied: { timestamp: d?.timestamp ?? { seconds: 1, nanos: 0 }, status: 'WARNING' },
    details: d,
    lastReceivedMs,
  };
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

describe('StateEncoder', () => {
  it('writes exactly what encodeState writes, which decodeState reads back', () => {
    const encoder = new StateEncoder();
    for (const accounts of samples) {
      const encoded = text(encoder.encode(accounts));
      expect(encoded).toBe(encodeState(accounts));
      expect(decodeState(encoded).ok).toBe(true);
    }
  });

  it('reuses the per-SID bytes while the maps are shared, and only then', () => {
    const encoder = new StateEncoder();
    const first = encoder.encode(new Map([['acme', state(details)]]));
    const later: Details = { ...details, timestamp: { seconds: 1534946663, nanos: 0 } };
    const second = encoder.encode(new Map([['acme', state(later, 1534946664000)]]));
    // Chunks: head, incoming, ',"outgoing":', outgoing, ',"phones":', phones, tail.
    expect(second[1]).toBe(first[1]);
    expect(second[5]).toBe(first[5]);
    expect(text(second)).toBe(encodeState(new Map([['acme', state(later, 1534946664000)]])));

    const newPhone: Details = { ...later, phones: new Map([['07930061010', '+917930061011']]) };
    const third = encoder.encode(new Map([['acme', state(newPhone)]]));
    expect(third[1]).toBe(first[1]);
    expect(third[5]).not.toBe(first[5]);
    expect(text(third)).toContain('+917930061011');
  });
});
