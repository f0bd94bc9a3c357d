import { describe, expect, it } from 'vitest';
import {
  decodeState,
  looksLikeStateFile,
  STATE_FORMAT,
  STATE_VERSION,
} from '../../src/persist/snapshotCodec.js';
import { EMPTY_ACCOUNT, type AccountState } from '../../src/state/account.js';
import { encodeState } from '../helpers/encodeState.js';
import { detailMaps, detailsFromMaps, plainState, plainStates } from '../helpers/detailMaps.js';

const full: AccountState = {
  applied: { timestamp: { seconds: 1534951163, nanos: 123_456_789 }, status: 'PAYLOAD_TOO_LARGE' },
  details: detailsFromMaps({
    timestamp: { seconds: 1534950000, nanos: 1 },
    since: {
      incoming: new Map([
        ['07930061010', 1534940000.000123],
        ['__proto__', 1534945000],
      ]),
      outgoing: new Map([['constructor', 1534946000.5]]),
    },
    phones: new Map([
      ['07930061010', '+917930061010'],
      ['__proto__', '+911111'],
    ]),
  }),
  lastReceivedMs: 1534951200123,
};

const states = new Map<string, AccountState>([
  ['default', EMPTY_ACCOUNT],
  ['acme', full],
  ['__proto__', { ...full, applied: { timestamp: { seconds: -5, nanos: 0 }, status: 'OK' } }],
  ['constructor', { applied: null, details: null, lastReceivedMs: 7 }],
]);

function roundTrip(accounts: ReadonlyMap<string, AccountState>): ReadonlyMap<string, AccountState> {
  const result = decodeState(encodeState(accounts));
  if (!result.ok) throw new Error(result.detail);
  return result.accounts;
}

/** Maps compared as ordered entry lists, recursively. */
function entries(value: unknown): unknown {
  if (value instanceof Map)
    return [...(value as Map<unknown, unknown>)].map(([k, v]) => [k, entries(v)]);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, entries(v as unknown)]));
  }
  return value;
}

/** A valid encoded file as a plain object, to be broken in one place by each test case. */
function validFile(): { format: unknown; version: unknown; accounts: Record<string, unknown>[] } {
  return JSON.parse(encodeState(new Map([['acme', full]]))) as {
    format: unknown;
    version: unknown;
    accounts: Record<string, unknown>[];
  };
}

describe('snapshotCodec', () => {
  it('round-trips every state, Maps included', () => {
    const decoded = roundTrip(states);
    expect(entries(plainStates(decoded))).toEqual(entries(plainStates(states)));
    expect(plainStates(decoded)).toEqual(plainStates(states));
  });

  it('keeps `__proto__` and `constructor` as data, for accounts and SIDs', () => {
    const decoded = roundTrip(states);
    expect([...decoded.keys()]).toEqual(['default', 'acme', '__proto__', 'constructor']);
    expect(decoded.get('__proto__')?.applied?.status).toBe('OK');
    const details = detailMaps(decoded.get('acme')?.details ?? null);
    expect(details?.since.incoming.get('__proto__')).toBe(1534945000);
    expect(details?.since.outgoing.get('constructor')).toBe(1534946000.5);
    expect(details?.phones.get('__proto__')).toBe('+911111');
    expect(Object.prototype).not.toHaveProperty('applied');
    expect(Object.prototype).not.toHaveProperty('lastReceivedMs');
  });

  it('round-trips API-polled detail with its raw connectivity statuses', () => {
    const polled: AccountState = {
      ...full,
      details: detailsFromMaps({
        timestamp: { seconds: 1534951000, nanos: 0 },
        since: { incoming: new Map([['a', 1534940000]]), outgoing: new Map([['b', 1534941000]]) },
        phones: new Map([['a', '+918011111111']]),
        api: {
          statuses: {
            incoming: new Map([['a', 'major_outage']]),
            outgoing: new Map([['b', 'partial_outage']]),
          },
        },
      }),
    };
    const back = roundTrip(new Map([['acme', polled]]));
    expect(entries(plainStates(back).get('acme'))).toEqual(entries(plainState(polled)));
  });

  it('loads a version-1 file written before the API fallback (no `api` field) unchanged', () => {
    const old = {
      format: STATE_FORMAT,
      version: 1,
      accounts: [
        {
          account: 'acme',
          lastReceivedMs: 5,
          applied: { timestamp: { seconds: 10, nanos: 0 }, status: 'WARNING' },
          details: {
            timestamp: { seconds: 10, nanos: 0 },
            incoming: [['a', 10]],
            outgoing: [],
            phones: [],
          },
        },
      ],
    };
    const result = decodeState(JSON.stringify(old));
    expect(result.ok).toBe(true);
    const details = result.ok ? detailMaps(result.accounts.get('acme')?.details ?? null) : null;
    expect(details?.api).toBeUndefined();
    expect([...(details?.since.incoming ?? [])]).toEqual([['a', 10]]);
  });

  it('loads a SID listed twice in a direction as one row: first place, last value', () => {
    const edited = {
      format: STATE_FORMAT,
      version: 1,
      accounts: [
        {
          account: 'acme',
          lastReceivedMs: 5,
          applied: { timestamp: { seconds: 10, nanos: 0 }, status: 'WARNING' },
          details: {
            timestamp: { seconds: 10, nanos: 0 },
            incoming: [
              ['a', 10],
              ['b', 11],
              ['a', 12],
            ],
            outgoing: [],
            phones: [],
          },
        },
      ],
    };
    const result = decodeState(JSON.stringify(edited));
    const table = result.ok ? result.accounts.get('acme')?.details?.table : undefined;
    expect(table?.sids).toEqual(['a', 'b']);
    expect([...(table?.since ?? [])]).toEqual([12, 11]);
  });

  it('refuses a raw status that could not be a label value', () => {
    const file = validFile();
    const details = file.accounts[0]?.['details'] as Record<string, unknown>;
    details['api'] = { incoming: [['07930061010', 'bad"status']], outgoing: [] };
    const result = decodeState(JSON.stringify(file));
    expect(result.ok && result.accounts.size === 0 && result.refused.length === 1).toBe(true);
  });

  it('writes the format name and version', () => {
    const file = JSON.parse(encodeState(states)) as { format: unknown; version: unknown };
    expect(file.format).toBe(STATE_FORMAT);
    expect(file.version).toBe(STATE_VERSION);
  });

  it('round-trips an empty map', () => {
    expect(roundTrip(new Map()).size).toBe(0);
  });

  const sincePath = (file: ReturnType<typeof validFile>): unknown[][] =>
    (file.accounts[0]?.['details'] as { incoming: unknown[][] }).incoming;

  it.each<[string, (file: ReturnType<typeof validFile>) => void]>([
    ['wrong format', (f) => (f.format = 'something-else/state')],
    ['missing format', (f) => (f.format = undefined)],
    ['newer version', (f) => (f.version = STATE_VERSION + 1)],
    ['version as a string', (f) => (f.version = String(STATE_VERSION))],
    ['accounts not an array', (f) => ((f as Record<string, unknown>)['accounts'] = {})],
  ])('rejects %s', (_name, corrupt) => {
    const file = validFile();
    expect(decodeState(JSON.stringify(file)).ok).toBe(true);
    corrupt(file);
    const result = decodeState(JSON.stringify(file));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.detail).not.toBe('');
  });

  it.each<[string, (file: ReturnType<typeof validFile>) => void]>([
    ['bad account name', (f) => (f.accounts[0] = { ...f.accounts[0], account: 'Bad Name' })],
    ['bad SID in incoming', (f) => (sincePath(f)[0] = ['a b', 1])],
    ['SID with a quote', (f) => (sincePath(f)[0] = ['a"b', 1])],
    ['since not a number', (f) => (sincePath(f)[0] = ['ab', '1'])],
    [
      'bad phone',
      (f) =>
        ((f.accounts[0]?.['details'] as { phones: unknown[][] }).phones[0] = [
          'ab',
          '917930061010',
        ]),
    ],
    [
      'nanos = 1e9',
      (f) =>
        ((f.accounts[0]?.['applied'] as { timestamp: { nanos: number } }).timestamp.nanos = 1e9),
    ],
    [
      'negative nanos',
      (f) =>
        ((f.accounts[0]?.['details'] as { timestamp: { nanos: number } }).timestamp.nanos = -1),
    ],
    [
      'fractional seconds',
      (f) =>
        ((f.accounts[0]?.['applied'] as { timestamp: { seconds: number } }).timestamp.seconds =
          1.5),
    ],
    ['unknown status', (f) => ((f.accounts[0]?.['applied'] as { status: string }).status = 'DOWN')],
    ['negative lastReceivedMs', (f) => (f.accounts[0] = { ...f.accounts[0], lastReceivedMs: -1 })],
    ['missing details', (f) => delete f.accounts[0]?.['details']],
  ])('leaves out an account entry with %s, keeping the others', (_name, corrupt) => {
    const file = validFile();
    file.accounts.push({ ...structuredClone(file.accounts[0]), account: 'other' });
    expect(decodeState(JSON.stringify(file)).ok).toBe(true);
    corrupt(file);
    const result = decodeState(JSON.stringify(file));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect([...result.accounts.keys()]).toEqual(['other']);
    expect(result.refused).toHaveLength(1);
    expect(result.refused[0]?.index).toBe(0);
    expect(result.refused[0]?.detail).not.toBe('');
  });

  it.each([[''], ['not json'], ['{"format":'], ['\u0000']])('rejects non-JSON %j', (text) => {
    expect(decodeState(text)).toEqual({ ok: false, detail: 'not valid JSON' });
  });

  it.each([['null'], ['[]'], ['"state"'], ['{}']])(
    'rejects JSON that is not a state file: %s',
    (text) => {
      expect(decodeState(text).ok).toBe(false);
    },
  );

  it('never echoes file content in the error detail', () => {
    const file = validFile();
    sincePath(file)[0] = ['SECRET MARKER', 1];
    expect(JSON.stringify(decodeState(JSON.stringify(file)))).not.toContain('SECRET');
    (file as Record<string, unknown>)['format'] = 'SECRET MARKER';
    expect(JSON.stringify(decodeState(JSON.stringify(file)))).not.toContain('SECRET');
  });
});

describe('looksLikeStateFile', () => {
  it('accepts what encodeState writes, and the same pretty-printed', () => {
    const text = encodeState(new Map());
    expect(looksLikeStateFile(text)).toBe(true);
    expect(looksLikeStateFile(JSON.stringify(JSON.parse(text), null, 2))).toBe(true);
  });

  it.each([
    [''],
    ['\u0000'.repeat(256)],
    ['{"version":1,"format":"exotel-heartbeat-exporter/state"}'],
    ['[]'],
  ])('refuses %j', (head) => {
    expect(looksLikeStateFile(head)).toBe(false);
  });
});
