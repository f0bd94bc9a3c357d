import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/heartbeat/decode.js';
import { compileHeartbeatValidator } from '../../src/heartbeat/schema.js';
import { fixtureBytes, VENDOR_FIXTURES } from '../helpers/unit-heartbeats.js';

// Compile both before any test: the formats are registered globally, and one validator must not
// change what the other accepts.
const lenient = compileHeartbeatValidator(true);
const strict = compileHeartbeatValidator(false);

const base = { timestamp: '2018-08-22T15:19:23Z', status_type: 'OK' };

describe('compileHeartbeatValidator', () => {
  it.each(VENDOR_FIXTURES)('the lenient validator accepts %s', (name) => {
    const decoded = decodeBody(fixtureBytes(name), true);
    if (!decoded.ok) throw new Error(decoded.detail);
    expect(lenient.check(decoded.value)).toBe(true);
  });

  it.each([
    ['2018-08-22T15:19:23Z', true, true],
    ['2018-08-22T15:19:23Z>', true, false],
    ['2018-08-22T15:19:23Z>>', false, false],
    ['2018-08-22T15:19:23', false, false],
    ['2018-08-22T15:19:23+05:30[Asia/Kolkata]', false, false],
    ['2019-02-29T00:00:00Z', false, false],
  ])('timestamp %j: lenient %s, strict %s', (timestamp, lenientOk, strictOk) => {
    const value = { ...base, timestamp };
    expect(lenient.check(value)).toBe(lenientOk);
    expect(strict.check(value)).toBe(strictOk);
  });

  it.each(['OK', 'WARNING', 'CRITICAL', 'PAYLOAD_TOO_LARGE'])(
    'accepts status_type %s',
    (status) => {
      expect(strict.check({ ...base, status_type: status })).toBe(true);
    },
  );

  it.each(['ok', 'Warning', 'UNKNOWN', '', 1, null])('refuses status_type %j', (status) => {
    expect(strict.check({ ...base, status_type: status })).toBe(false);
  });

  it.each([
    ['missing timestamp', { status_type: 'OK' }, '/timestamp'],
    ['missing status_type', { timestamp: base.timestamp }, '/status_type'],
    ['bad timestamp', { ...base, timestamp: 'yesterday' }, '/timestamp'],
    ['bad array item', { ...base, incoming_affected: ['a', 'b c'] }, '/incoming_affected/1'],
    [
      'bad phone number',
      { ...base, data: { ab: { phone_number: '12345' } } },
      '/data/ab/phone_number',
    ],
    ['data entry not an object', { ...base, data: { ab: 1 } }, '/data/ab'],
  ])('firstErrorPath names the most precise location: %s', (_name, value, path) => {
    expect(lenient.check(value)).toBe(false);
    expect(lenient.firstErrorPath(value)).toBe(path);
  });

  it.each([[[]], [null], ['text'], [42]])(
    'firstErrorPath of a non-object %j is the root',
    (value) => {
      expect(lenient.check(value)).toBe(false);
      expect(lenient.firstErrorPath(value)).toBe('');
    },
  );
});
