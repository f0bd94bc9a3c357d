import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/heartbeat/decode.js';
import { compileHeartbeatValidator } from '../../src/heartbeat/schema.js';
import type { Heartbeat } from '../../src/heartbeat/types.js';
import { describeField, validateHeartbeat } from '../../src/heartbeat/validate.js';
import { fixtureBytes, VENDOR_SECONDS, withoutIndex } from '../helpers/unit-heartbeats.js';

const lenient = compileHeartbeatValidator(true);
const strict = compileHeartbeatValidator(false);

const base = { timestamp: '2018-08-22T15:19:23Z', status_type: 'WARNING' };
const vendorInstant = { seconds: VENDOR_SECONDS, nanos: 0 };

function valid(value: unknown): Heartbeat {
  const result = validateHeartbeat(value, lenient, true);
  if (!result.ok) throw new Error(`expected valid, got ${result.detail}`);
  return withoutIndex(result.heartbeat);
}

function invalidDetail(value: unknown): string {
  const result = validateHeartbeat(value, lenient, true);
  if (result.ok) throw new Error('expected invalid');
  expect(result.reason).toBe('invalid_payload');
  return result.detail;
}

/** Parses JSON text so `__proto__` is an own key, as it is for a real request body. */
function json(text: string): unknown {
  return JSON.parse(text) as unknown;
}

describe('vendor examples, byte for byte', () => {
  it.each([
    [
      'vendor-scenario-1-ok.json',
      {
        heartbeat: {
          timestamp: vendorInstant,
          status: 'OK',
          incoming: [],
          outgoing: [],
          phones: new Map(),
        },
        trailingComma: false,
        timestampSuffix: false,
      },
    ],
    [
      'vendor-scenario-2-warning.json',
      {
        heartbeat: {
          timestamp: vendorInstant,
          status: 'WARNING',
          incoming: ['07930061010'],
          outgoing: [],
          phones: new Map([['07930061010', '+917930061010']]),
        },
        trailingComma: true,
        timestampSuffix: true,
      },
    ],
    [
      'vendor-scenario-3-critical.json',
      {
        heartbeat: {
          timestamp: vendorInstant,
          status: 'CRITICAL',
          incoming: ['07930061010', '08030752522'],
          outgoing: ['07930061010'],
          phones: new Map([
            ['07930061010', '+917930061010'],
            ['08030752522', '+918030752522'],
          ]),
        },
        trailingComma: true,
        timestampSuffix: false,
      },
    ],
  ] as const)('%s validates with repairs on', (name, expected) => {
    const decoded = decodeBody(fixtureBytes(name), true);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.repairedTrailingComma).toBe(expected.trailingComma);
    const result = validateHeartbeat(decoded.value, lenient, true);
    expect(result.ok && { ...result, heartbeat: withoutIndex(result.heartbeat) }).toEqual({
      ok: true,
      heartbeat: expected.heartbeat,
      repairedTimestamp: expected.timestampSuffix,
    });
  });

  it('scenario 1 is accepted in strict mode too', () => {
    const decoded = decodeBody(fixtureBytes('vendor-scenario-1-ok.json'), false);
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(validateHeartbeat(decoded.value, strict, false).ok).toBe(true);
  });

  it.each(['vendor-scenario-2-warning.json', 'vendor-scenario-3-critical.json'])(
    '%s fails in strict mode',
    (name) => {
      expect(decodeBody(fixtureBytes(name), false)).toMatchObject({
        ok: false,
        reason: 'invalid_json',
      });
    },
  );

  it("scenario 2's timestamp fails strict validation even once its commas are fixed", () => {
    const decoded = decodeBody(fixtureBytes('vendor-scenario-2-warning.json'), true);
    if (!decoded.ok) throw new Error(decoded.detail);
    expect(validateHeartbeat(decoded.value, strict, false)).toEqual({
      ok: false,
      reason: 'invalid_payload',
      detail: 'invalid field: timestamp',
    });
  });
});

describe('invalid payloads name the field', () => {
  it.each([
    ['missing timestamp', { status_type: 'OK' }, 'timestamp'],
    ['timestamp a number', { ...base, timestamp: 1534951163 }, 'timestamp'],
    ['timestamp without zone', { ...base, timestamp: '2018-08-22T15:19:23' }, 'timestamp'],
    ['timestamp with two `>`', { ...base, timestamp: '2018-08-22T15:19:23Z>>' }, 'timestamp'],
    ['missing status_type', { timestamp: base.timestamp }, 'status_type'],
    ['unknown status_type', { ...base, status_type: 'DEGRADED' }, 'status_type'],
    ['lower-case status_type', { ...base, status_type: 'ok' }, 'status_type'],
    ['incoming_affected a string', { ...base, incoming_affected: 'ab' }, 'incoming_affected'],
    ['incoming_affected an object', { ...base, incoming_affected: {} }, 'incoming_affected'],
    [
      'a number in incoming_affected',
      { ...base, incoming_affected: ['ab', 5] },
      'incoming_affected[1]',
    ],
    [
      'a bad SID in outgoing_affected',
      { ...base, outgoing_affected: ['a b'] },
      'outgoing_affected[0]',
    ],
    [
      'null inside an array',
      { ...base, outgoing_affected: ['ab', 'cd', null] },
      'outgoing_affected[2]',
    ],
    ['data an array', { ...base, data: [] }, 'data'],
    ['data a string', { ...base, data: 'x' }, 'data'],
    ['data entry null', { ...base, data: { ab: null } }, 'data["ab"]'],
    ['data entry a string', { ...base, data: { ab: '+911234' } }, 'data["ab"]'],
    [
      'phone number not E.164',
      { ...base, data: { ab: { phone_number: '917930061010' } } },
      'data["ab"].phone_number',
    ],
    [
      'phone number a number',
      { ...base, data: { ab: { phone_number: 917930061010 } } },
      'data["ab"].phone_number',
    ],
    [
      'numeric SID key with a bad phone',
      { ...base, data: { '07930061010': { phone_number: 'x' } } },
      'data["07930061010"].phone_number',
    ],
    [
      'data key with a space',
      { ...base, data: { 'a b': { phone_number: '+911234' } } },
      'data[<invalid key>]',
    ],
    ['data key of 65 chars', { ...base, data: { ['a'.repeat(65)]: {} } }, 'data[<invalid key>]'],
    ['body an array', [], 'body (must be a JSON object)'],
    ['body null', null, 'body (must be a JSON object)'],
    ['body a string', 'OK', 'body (must be a JSON object)'],
  ])('%s', (_name, value, field) => {
    expect(invalidDetail(value)).toBe(`invalid field: ${field}`);
  });
});

describe('SID charset', () => {
  const unsafe = [
    ['double quote', 'ab"cd'],
    ['single quote', "ab'cd"],
    ['backslash', 'ab\\cd'],
    ['newline', 'ab\ncd'],
    ['trailing newline', 'abcd\n'],
    ['carriage return', 'ab\rcd'],
    ['comma', 'ab,cd'],
    ['space', 'ab cd'],
    ['tab', 'ab\tcd'],
    ['curly brace', 'ab}cd'],
    ['HTML', '<script>'],
    ['Cyrillic look-alike', 'АВ123'],
    ['full-width digits', '０７９３'],
    ['zero-width space', 'ab\u200bcd'],
    ['lone surrogate', 'ab\ud800cd'],
    ['65 characters', 'a'.repeat(65)],
    ['empty', ''],
  ] as const;

  it.each(unsafe)('rejects a SID with %s in an affected array', (_name, sid) => {
    expect(invalidDetail({ ...base, incoming_affected: ['ok1', sid] })).toBe(
      'invalid field: incoming_affected[1]',
    );
  });

  it.each(unsafe)('rejects a SID with %s as a data key, without echoing it', (_name, sid) => {
    const detail = invalidDetail({ ...base, data: { [sid]: { phone_number: '+911234' } } });
    expect(detail).toBe('invalid field: data[<invalid key>]');
  });

  it.each([
    ['64 characters', 'a'.repeat(64)],
    ['all punctuation allowed', 'a._:-b'],
    ['leading zero digits', '07930061010'],
    ['mixed case', 'AbC09'],
    ['one character', 'x'],
  ])('accepts a SID of %s', (_name, sid) => {
    const result = valid({
      ...base,
      incoming_affected: [sid],
      data: { [sid]: { phone_number: '+911234' } },
    });
    expect(result.incoming).toEqual([sid]);
    expect(result.phones.get(sid)).toBe('+911234');
  });

  it('never echoes an unsafe SID in an error detail', () => {
    const marker = '<img src=x onerror=alert(1)>';
    const payloads = [
      { ...base, incoming_affected: [marker] },
      { ...base, outgoing_affected: ['fine', marker] },
      { ...base, data: { [marker]: { phone_number: '+911234' } } },
      { ...base, data: { [marker]: { phone_number: 'bad' } } },
      { ...base, data: { [marker]: null } },
    ];
    for (const payload of payloads) {
      const detail = invalidDetail(payload);
      expect(detail).not.toContain('img');
      expect(detail).not.toContain('<img');
      expect(detail).not.toContain('alert');
    }
  });
});

describe('phone numbers (E.164)', () => {
  it.each([['+917930061010'], ['+12'], ['+123456789012345'], ['+918030752522']])(
    'accepts %s',
    (phone) => {
      expect(
        valid({
          ...base,
          incoming_affected: ['ab'],
          data: { ab: { phone_number: phone } },
        }).phones.get('ab'),
      ).toBe(phone);
    },
  );

  it.each([
    ['917930061010'],
    ['+0917930061010'],
    ['+1'],
    ['+1234567890123456'],
    ['+91 7930061010'],
    ['+91-7930061010'],
    ['++917930061010'],
    ['+９１７９'],
    [''],
    ['+917930061010\n'],
  ])('rejects %j', (phone) => {
    expect(invalidDetail({ ...base, data: { ab: { phone_number: phone } } })).toBe(
      'invalid field: data["ab"].phone_number',
    );
  });
});

describe('normalisation', () => {
  it('treats null, [] and an absent key alike for the affected arrays', () => {
    const forms = [
      { ...base, incoming_affected: null, outgoing_affected: null },
      { ...base, incoming_affected: [], outgoing_affected: [] },
      { ...base },
      { ...base, incoming_affected: null, outgoing_affected: [] },
    ];
    const expected: Heartbeat = {
      timestamp: vendorInstant,
      status: 'WARNING',
      incoming: [],
      outgoing: [],
      phones: new Map(),
    };
    for (const form of forms) expect(valid(form)).toEqual(expected);
  });

  it('treats null, {} and absent data alike', () => {
    for (const data of [{ data: null }, { data: {} }, {}]) {
      expect(valid({ ...base, incoming_affected: ['ab'], ...data }).phones).toEqual(new Map());
    }
  });

  it('keeps a SID without a data entry affected, and a data entry without phone_number out of phones', () => {
    const heartbeat = valid({
      ...base,
      incoming_affected: ['nodata', 'nophone'],
      data: { nophone: {}, other: { phone_number: '+9199' } },
    });
    expect(heartbeat.incoming).toEqual(['nodata', 'nophone']);
    expect(heartbeat.phones).toEqual(new Map([['other', '+9199']]));
  });

  it('counts a duplicate SID within an array once, keeping the order of first appearance', () => {
    const heartbeat = valid({
      ...base,
      incoming_affected: ['b', 'a', 'b', 'c', 'a', 'c'],
      outgoing_affected: ['z', 'z'],
    });
    expect(heartbeat.incoming).toEqual(['b', 'a', 'c']);
    expect(heartbeat.outgoing).toEqual(['z']);
  });

  it('keeps the same SID in both directions', () => {
    const heartbeat = valid({ ...base, incoming_affected: ['ab'], outgoing_affected: ['ab'] });
    expect(heartbeat.incoming).toEqual(['ab']);
    expect(heartbeat.outgoing).toEqual(['ab']);
  });

  it('ignores unknown keys at the top level and inside data entries', () => {
    const heartbeat = valid({
      ...base,
      account_sid: 'exotel1',
      extra: { nested: [1, 2, 3] },
      incoming_affected: ['ab'],
      data: {
        ab: {
          phone_number: '+917930061010',
          incoming_call: { status: 'major_outage', last_check_time: '2018-08-22T15:19:23Z' },
          outgoing_call: null,
        },
        cd: { incoming_call: { status: 'active' } },
      },
    });
    expect(heartbeat).toEqual({
      timestamp: vendorInstant,
      status: 'WARNING',
      incoming: ['ab'],
      outgoing: [],
      phones: new Map([['ab', '+917930061010']]),
    });
  });

  it('keeps `__proto__` and `constructor` data keys as plain Map keys without polluting prototypes', () => {
    const value = json(
      '{"timestamp":"2018-08-22T15:19:23Z","status_type":"WARNING",' +
        '"incoming_affected":["__proto__","constructor"],' +
        '"data":{"__proto__":{"phone_number":"+911111"},"constructor":{"phone_number":"+912222"}}}',
    );
    const heartbeat = valid(value);
    expect(heartbeat.incoming).toEqual(['__proto__', 'constructor']);
    expect([...heartbeat.phones]).toEqual([
      ['__proto__', '+911111'],
      ['constructor', '+912222'],
    ]);
    expect(Object.prototype).not.toHaveProperty('phone_number');
    expect(({} as Record<string, unknown>)['phone_number']).toBeUndefined();
    expect(Object.getPrototypeOf(heartbeat.phones)).toBe(Map.prototype);
  });

  it('validates a `__proto__` data entry like any other', () => {
    const value = json(
      '{"timestamp":"2018-08-22T15:19:23Z","status_type":"OK","data":{"__proto__":{"phone_number":"bad"}}}',
    );
    expect(invalidDetail(value)).toBe('invalid field: data["__proto__"].phone_number');
  });

  it('keeps sub-millisecond precision and offsets of the timestamp', () => {
    const heartbeat = valid({ ...base, timestamp: '2018-08-22T20:49:23.000123456+05:30' });
    expect(heartbeat.timestamp).toEqual({ seconds: VENDOR_SECONDS, nanos: 123_456 });
  });
});

describe('describeField', () => {
  it.each([
    ['', 'body (must be a JSON object)'],
    ['/timestamp', 'timestamp'],
    ['/incoming_affected/3', 'incoming_affected[3]'],
    ['/data/07930061010', 'data["07930061010"]'],
    ['/data/ab/phone_number', 'data["ab"].phone_number'],
    ['/data/a b', 'data[<invalid key>]'],
    ['/data/a"b/phone_number', 'data[<invalid key>].phone_number'],
    ['/bad key', '<unknown field>'],
    ['/data/a~1b', 'data[<invalid key>]'],
  ])('%j → %s', (pointer, field) => {
    expect(describeField(pointer)).toBe(field);
  });
});
