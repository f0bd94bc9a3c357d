import type { Instant } from './types.js';

/**
 * Strict RFC 3339 `date-time`: a full date, `T`, a full time and a zone (`Z` or `±hh:mm`).
 * Deliberately narrower than `Date.parse` and TypeBox's `date-time` format, which accept things a
 * clock never emits and then misread them (RFC 9557 `[zone]` suffixes, missing offsets, Feb 30
 * rolled into March).
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,32}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** The vendor's documented quirk: one `>` right after the zone, as in `2018-08-22T15:19:23Z>`. */
const QUIRK_SUFFIX = '>';

export interface ParsedTimestamp {
  readonly instant: Instant;
  /** True when the vendor's `>` quirk had to be removed. */
  readonly repaired: boolean;
}

/** Parses an RFC 3339 timestamp, or returns null. `allowSuffixRepair` accepts one trailing `>`. */
export function parseTimestamp(value: string, allowSuffixRepair: boolean): ParsedTimestamp | null {
  if (allowSuffixRepair && value.endsWith(QUIRK_SUFFIX)) {
    const instant = parseRfc3339(value.slice(0, -QUIRK_SUFFIX.length));
    return instant === null ? null : { instant, repaired: true };
  }
  const instant = parseRfc3339(value);
  return instant === null ? null : { instant, repaired: false };
}

export function parseRfc3339(value: string): Instant | null {
  const m = RFC3339.exec(value);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, fraction = '', zulu, sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  let second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 60) return null;

  let offsetMinutes = 0;
  if (zulu === undefined) {
    const offsetHours = Number(oh);
    const offsetMins = Number(om);
    if (offsetHours > 23 || offsetMins > 59) return null;
    offsetMinutes = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }

  // Date.UTC maps years 0-99 onto 1900-1999; setUTCFullYear does not.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, 0, 0);
  const minuteStart = date.getTime() / 1000 - offsetMinutes * 60;

  let nanos = Number(fraction.slice(0, 9).padEnd(9, '0'));
  if (second === 60) {
    // A leap second exists only as the last second of a UTC day. Order it after :59 and before the
    // next day by pinning it to the last representable nanosecond of :59.
    if (((minuteStart % 86_400) + 86_400) % 86_400 !== 86_340) return null;
    second = 59;
    nanos = 999_999_999;
  }
  return { seconds: minuteStart + second, nanos };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Formats an instant as RFC 3339 UTC with nanoseconds trimmed of trailing zeros. */
export function formatInstant(instant: Instant): string {
  const iso = new Date(instant.seconds * 1000).toISOString().slice(0, 19);
  if (instant.nanos === 0) return `${iso}Z`;
  return `${iso}.${String(instant.nanos).padStart(9, '0').replace(/0+$/, '')}Z`;
}
