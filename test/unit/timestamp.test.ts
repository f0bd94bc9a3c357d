import { describe, expect, it } from 'vitest';
import { compareInstants } from '../../src/heartbeat/instant.js';
import { formatInstant, parseRfc3339, parseTimestamp } from '../../src/heartbeat/timestamp.js';
import type { Instant } from '../../src/heartbeat/types.js';

/** Seconds since the epoch of an ISO string, via Date (an independent reference). */
function secondsOf(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad reference ${iso}`);
  return ms / 1000;
}

function parse(value: string): Instant {
  const instant = parseRfc3339(value);
  if (instant === null) throw new Error(`expected ${value} to parse`);
  return instant;
}

describe('parseRfc3339: accepted forms', () => {
  it.each([
    ['2018-08-22T15:19:23Z', secondsOf('2018-08-22T15:19:23Z'), 0],
    ['2018-08-22t15:19:23z', secondsOf('2018-08-22T15:19:23Z'), 0],
    ['2018-08-22T20:49:23+05:30', secondsOf('2018-08-22T15:19:23Z'), 0],
    ['2018-08-22T15:19:23-00:00', secondsOf('2018-08-22T15:19:23Z'), 0],
    ['2018-08-22T15:19:23+00:00', secondsOf('2018-08-22T15:19:23Z'), 0],
    ['2018-08-23T15:18:23+23:59', secondsOf('2018-08-22T15:19:23Z'), 0],
    ['2018-08-21T15:20:23-23:59', secondsOf('2018-08-22T15:19:23Z'), 0],
    ['1970-01-01T00:00:00Z', 0, 0],
    ['1969-12-31T23:59:59.5Z', -1, 500_000_000],
    ['2020-02-29T00:00:00Z', secondsOf('2020-02-29T00:00:00Z'), 0],
    ['2000-02-29T12:00:00Z', secondsOf('2000-02-29T12:00:00Z'), 0],
    ['9999-12-31T23:59:59Z', secondsOf('9999-12-31T23:59:59Z'), 0],
  ])('%s', (text, seconds, nanos) => {
    expect(parseRfc3339(text)).toEqual({ seconds, nanos });
  });

  it('treats the same instant written with an offset and with Z as equal', () => {
    const pairs = [
      ['2018-08-22T15:19:23.25Z', '2018-08-22T20:49:23.25+05:30'],
      ['2018-08-22T15:19:23Z', '2018-08-22T10:19:23-05:00'],
      ['2018-08-22T15:19:23Z', '2018-08-22T15:19:23-00:00'],
      ['2018-08-22T00:10:00Z', '2018-08-21T19:10:00-05:00'],
    ] as const;
    for (const [zulu, offset] of pairs) {
      expect(compareInstants(parse(zulu), parse(offset))).toBe(0);
      expect(parse(offset)).toEqual(parse(zulu));
    }
  });

  it.each([
    ['.1', 100_000_000],
    ['.001', 1_000_000],
    ['.000001', 1_000],
    ['.123456789', 123_456_789],
    ['.000000001', 1],
    // beyond nanoseconds: truncated, never rounded up
    ['.1234567899', 123_456_789],
    ['.999999999999', 999_999_999],
    ['.12345678912345678912345678912345', 123_456_789],
  ])('keeps fractional seconds %s as %d ns', (fraction, nanos) => {
    expect(parseRfc3339(`2018-08-22T15:19:23${fraction}Z`)).toEqual({
      seconds: secondsOf('2018-08-22T15:19:23Z'),
      nanos,
    });
  });

  it('orders instants that differ below a millisecond', () => {
    const a = parse('2018-08-22T15:19:23.0001Z');
    const b = parse('2018-08-22T15:19:23.0002Z');
    expect(compareInstants(a, b)).toBeLessThan(0);
    expect(compareInstants(b, a)).toBeGreaterThan(0);
    expect(
      compareInstants(parse('2018-08-22T15:19:23.000000001Z'), parse('2018-08-22T15:19:23Z')),
    ).toBeGreaterThan(0);
  });

  it.each([
    ['0000-01-01T00:00:00Z'],
    ['0001-02-03T04:05:06Z'],
    ['0050-06-15T12:00:00Z'],
    ['0099-12-31T23:59:59Z'],
    ['0100-03-01T00:00:00Z'],
  ])('does not map the year of %s onto the 1900s', (text) => {
    // The ECMAScript date-time string format reads a four-digit year literally.
    const expected = secondsOf(text);
    expect(parse(text)).toEqual({ seconds: expected, nanos: 0 });
    expect(parse(text).seconds).toBeLessThan(secondsOf('1000-01-01T00:00:00Z'));
  });
});

describe('parseRfc3339: leap seconds', () => {
  const leap = '2016-12-31T23:59:60Z';

  it('accepts the last second of a UTC day and orders it between :59.999 and the next day', () => {
    const instant = parse(leap);
    expect(compareInstants(instant, parse('2016-12-31T23:59:59.999Z'))).toBeGreaterThan(0);
    expect(compareInstants(instant, parse('2016-12-31T23:59:59Z'))).toBeGreaterThan(0);
    expect(compareInstants(instant, parse('2017-01-01T00:00:00Z'))).toBeLessThan(0);
    expect(instant.seconds).toBe(secondsOf('2016-12-31T23:59:59Z'));
  });

  it.each([
    ['2017-01-01T05:29:60+05:30'],
    ['2016-12-31T18:59:60-05:00'],
    ['2016-12-31T23:59:60-00:00'],
  ])('accepts the same leap second written as %s', (text) => {
    expect(parseRfc3339(text)).toEqual(parse(leap));
  });

  it.each([
    ['2016-12-31T23:58:60Z'],
    ['2016-12-31T12:00:60Z'],
    ['2016-06-30T00:00:60Z'],
    // 05:29:60 is the end of a UTC day only with a +05:30 offset
    ['2017-01-01T05:29:60Z'],
    ['2016-12-31T23:59:60+05:30'],
    ['2016-12-31T23:59:61Z'],
  ])('rejects second 60 at %s', (text) => {
    expect(parseRfc3339(text)).toBeNull();
  });
});

describe('parseRfc3339: rejected forms', () => {
  it.each([
    ['missing zone', '2018-08-22T15:19:23'],
    ['missing zone with fraction', '2018-08-22T15:19:23.5'],
    ['RFC 9557 zone suffix', '2018-08-22T15:19:23+05:30[Asia/Kolkata]'],
    ['zone name only', '2018-08-22T15:19:23[Asia/Kolkata]'],
    ['space instead of T', '2018-08-22 15:19:23Z'],
    ['Feb 29 in 2019', '2019-02-29T00:00:00Z'],
    ['Feb 29 in 1900', '1900-02-29T00:00:00Z'],
    ['Feb 30', '2020-02-30T00:00:00Z'],
    ['Apr 31', '2018-04-31T00:00:00Z'],
    ['month 13', '2018-13-01T00:00:00Z'],
    ['month 0', '2018-00-01T00:00:00Z'],
    ['day 0', '2018-08-00T00:00:00Z'],
    ['day 32', '2018-08-32T00:00:00Z'],
    ['hour 24', '2018-08-22T24:00:00Z'],
    ['minute 60', '2018-08-22T15:60:00Z'],
    ['offset hour 24', '2018-08-22T15:19:23+24:00'],
    ['offset minute 60', '2018-08-22T15:19:23+05:60'],
    ['offset without colon', '2018-08-22T15:19:23+0530'],
    ['offset hour only', '2018-08-22T15:19:23+05'],
    ['leading whitespace', ' 2018-08-22T15:19:23Z'],
    ['trailing whitespace', '2018-08-22T15:19:23Z '],
    ['trailing newline', '2018-08-22T15:19:23Z\n'],
    ['2-digit year', '18-08-22T15:19:23Z'],
    ['5-digit year', '20180-08-22T15:19:23Z'],
    ['single-digit month', '2018-8-22T15:19:23Z'],
    ['empty fraction', '2018-08-22T15:19:23.Z'],
    ['missing seconds', '2018-08-22T15:19Z'],
    ['date only', '2018-08-22'],
    ['unix seconds', '1534951163'],
    ['non-ASCII digits', '２018-08-22T15:19:23Z'],
    ['vendor suffix without repair', '2018-08-22T15:19:23Z>'],
    ['empty', ''],
  ])('%s: %j', (_name, text) => {
    expect(parseRfc3339(text)).toBeNull();
  });
});

describe('parseTimestamp: the vendor `>` quirk', () => {
  const plain = { seconds: secondsOf('2018-08-22T15:19:23Z'), nanos: 0 };

  it.each([
    ['2018-08-22T15:19:23Z', false, { instant: plain, repaired: false }],
    ['2018-08-22T15:19:23Z', true, { instant: plain, repaired: false }],
    ['2018-08-22T15:19:23Z>', true, { instant: plain, repaired: true }],
    ['2018-08-22T20:49:23+05:30>', true, { instant: plain, repaired: true }],
    ['2018-08-22T15:19:23Z>', false, null],
    ['2018-08-22T15:19:23Z>>', true, null],
    ['2018-08-22T15:19:23>', true, null],
    ['2018-08-22T15:19:23Z >', true, null],
    ['>2018-08-22T15:19:23Z', true, null],
    ['2018-08-22T15:19:23>Z', true, null],
    ['>', true, null],
    ['2019-02-29T00:00:00Z>', true, null],
  ])('%j with repair %s', (text, allowRepair, expected) => {
    expect(parseTimestamp(text, allowRepair)).toEqual(expected);
  });
});

describe('formatInstant', () => {
  it.each([
    [{ seconds: secondsOf('2018-08-22T15:19:23Z'), nanos: 0 }, '2018-08-22T15:19:23Z'],
    [{ seconds: secondsOf('2018-08-22T15:19:23Z'), nanos: 500_000_000 }, '2018-08-22T15:19:23.5Z'],
    [{ seconds: secondsOf('2018-08-22T15:19:23Z'), nanos: 1 }, '2018-08-22T15:19:23.000000001Z'],
    [
      { seconds: secondsOf('2018-08-22T15:19:23Z'), nanos: 123_456_780 },
      '2018-08-22T15:19:23.12345678Z',
    ],
    [{ seconds: 0, nanos: 0 }, '1970-01-01T00:00:00Z'],
  ])('%j → %s', (instant, text) => {
    expect(formatInstant(instant)).toBe(text);
    expect(parseRfc3339(text)).toEqual(instant);
  });

  it('round-trips parsed offsets into UTC', () => {
    expect(formatInstant(parse('2018-08-22T20:49:23.0001+05:30'))).toBe(
      '2018-08-22T15:19:23.0001Z',
    );
  });
});
