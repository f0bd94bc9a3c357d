import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatBytes,
  formatInterval,
  formatUtc,
  formatUtcShort,
} from '../../src/ui/format.js';
import { DEFAULT_REFRESH_SECONDS, parseRefresh } from '../../src/ui/refresh.js';

describe('formatAge', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m 0s'],
    [90_000, '1m 30s'],
    [3_600_000, '1h 0m'],
    [47 * 3_600_000 + 59 * 60_000, '47h 59m'],
    [48 * 3_600_000, '2d 0h'],
    [-5_000, '0s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});

describe('formatInterval', () => {
  it.each([
    [1, '1s'],
    [59, '59s'],
    [60, '1m'],
    [90, '1m 30s'],
    [300, '5m'],
    [900, '15m'],
    [3600, '1h'],
    [5400, '1h 30m'],
    [86_400, '24h'],
  ])('%d s → %s', (seconds, text) => {
    expect(formatInterval(seconds)).toBe(text);
  });
});

describe('times and sizes', () => {
  const noon = Date.UTC(2024, 4, 1, 12, 0, 5, 900);
  it('writes UTC explicitly, to the second', () => {
    expect(formatUtc(noon)).toBe('2024-05-01 12:00:05 UTC');
  });

  it('drops the date only on the same UTC day', () => {
    expect(formatUtcShort(noon, Date.UTC(2024, 4, 1, 23, 59, 59))).toBe('12:00:05');
    expect(formatUtcShort(noon, Date.UTC(2024, 4, 2, 0, 0, 1))).toBe('2024-05-01 12:00:05');
  });

  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 kB'],
    [12_345, '12.3 kB'],
    [9_800_000, '9.8 MB'],
    [12_000_000, '12.0 MB'],
  ])('%d bytes → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('parseRefresh', () => {
  it.each<[unknown, number | null]>([
    [undefined, DEFAULT_REFRESH_SECONDS],
    ['0', 0],
    ['5', 5],
    ['3600', 3600],
    ['4', null],
    ['3601', null],
    ['', null],
    ['abc', null],
    ['-1', null],
    ['1e3', null],
    [['0', '30'], null],
  ])('%j → %j', (value, expected) => {
    expect(parseRefresh(value)).toBe(expected);
  });
});
