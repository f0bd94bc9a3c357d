import { describe, expect, it } from 'vitest';
import {
  compareInstants,
  instantFromMillis,
  instantToSeconds,
} from '../../src/heartbeat/instant.js';

describe('compareInstants', () => {
  it.each([
    [{ seconds: 1, nanos: 0 }, { seconds: 1, nanos: 0 }, 0],
    [{ seconds: 1, nanos: 1 }, { seconds: 1, nanos: 0 }, 1],
    [{ seconds: 1, nanos: 999_999_999 }, { seconds: 2, nanos: 0 }, -1],
    [{ seconds: -1, nanos: 500_000_000 }, { seconds: 0, nanos: 0 }, -1],
    [{ seconds: 1534951163, nanos: 100_000 }, { seconds: 1534951163, nanos: 200_000 }, -1],
  ])('%j vs %j → %d', (a, b, sign) => {
    const sgn = (n: number): number => (n > 0 ? 1 : n < 0 ? -1 : 0);
    expect(sgn(compareInstants(a, b))).toBe(sign);
    expect(sgn(compareInstants(b, a))).toBe(sign === 0 ? 0 : -sign);
  });
});

describe('instantToSeconds', () => {
  it.each([
    [{ seconds: 0, nanos: 0 }, 0],
    [{ seconds: 1534951163, nanos: 0 }, 1534951163],
    [{ seconds: 1534951163, nanos: 500_000_000 }, 1534951163.5],
    [{ seconds: -1, nanos: 500_000_000 }, -0.5],
  ])('%j → %d', (instant, seconds) => {
    expect(instantToSeconds(instant)).toBe(seconds);
  });

  it('keeps microseconds distinguishable for current dates', () => {
    const a = instantToSeconds({ seconds: 1_700_000_000, nanos: 1_000 });
    const b = instantToSeconds({ seconds: 1_700_000_000, nanos: 2_000 });
    expect(a).toBeLessThan(b);
  });
});

describe('instantFromMillis', () => {
  it.each([
    [0, { seconds: 0, nanos: 0 }],
    [1, { seconds: 0, nanos: 1_000_000 }],
    [1_534_951_163_250, { seconds: 1_534_951_163, nanos: 250_000_000 }],
    [-1, { seconds: -1, nanos: 999_000_000 }],
    [-1000, { seconds: -1, nanos: 0 }],
  ])('%d ms → %j', (ms, instant) => {
    expect(instantFromMillis(ms)).toEqual(instant);
  });
});
