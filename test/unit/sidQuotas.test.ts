import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sidQuotas } from '../../src/metrics/sidQuotas.js';

/**
 * The reference for the water-filling in sidQuotas.ts, written the slow and obvious way: hand out
 * the budget one pair at a time, always to the account with the fewest pairs so far that still
 * wants more (ties: the larger demand, then the later name — where sidQuotas puts the odd pairs).
 */
function oneAtATime(
  demands: ReadonlyMap<string, number>,
  maxSidSeries: number,
  maxTotalSidSeries: number,
): Map<string, number> {
  const wants = new Map([...demands].map(([a, d]) => [a, Math.min(d, maxSidSeries)]));
  const given = new Map([...demands.keys()].map((a) => [a, 0]));
  for (let left = maxTotalSidSeries; left > 0; left--) {
    const candidates = [...given].filter(([a, g]) => g < (wants.get(a) ?? 0));
    if (candidates.length === 0) break;
    candidates.sort(
      ([a, ga], [b, gb]) =>
        ga - gb || (wants.get(b) ?? 0) - (wants.get(a) ?? 0) || (a < b ? 1 : a > b ? -1 : 0),
    );
    const [account, count] = candidates[0] ?? ['', 0];
    given.set(account, count + 1);
  }
  return given;
}

const demandsArb = fc
  .dictionary(fc.stringMatching(/^[a-e]{1,2}$/), fc.integer({ min: 0, max: 40 }), { maxKeys: 6 })
  .map((d) => new Map(Object.entries(d)));

describe('sidQuotas', () => {
  it('gives everyone their demand when the total fits, MAX_SID_SERIES still capping each', () => {
    const quotas = sidQuotas(
      new Map([
        ['a', 5],
        ['b', 30],
      ]),
      { maxSidSeries: 20, maxTotalSidSeries: 100 },
    );
    expect(quotas).toEqual(
      new Map([
        ['a', 5],
        ['b', 20],
      ]),
    );
  });

  it('fills small accounts first and splits the rest evenly (3 x 12,000 at the defaults)', () => {
    const demands = new Map([
      ['default', 0],
      ['one', 12_000],
      ['two', 12_000],
      ['three', 12_000],
      ['tiny', 10],
    ]);
    const quotas = sidQuotas(demands, { maxSidSeries: 10_000, maxTotalSidSeries: 20_000 });
    expect(quotas.get('default')).toBe(0);
    expect(quotas.get('tiny')).toBe(10);
    // 19,990 over three: 6,663 + 6,663 + 6,664, the odd pair to the last in name order.
    expect([quotas.get('one'), quotas.get('three'), quotas.get('two')]).toEqual([
      6_663, 6_663, 6_664,
    ]);
  });

  it('equals handing out the budget one pair at a time to whoever has least', () => {
    fc.assert(
      fc.property(
        demandsArb,
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 120 }),
        (demands, maxSidSeries, maxTotalSidSeries) => {
          const quotas = sidQuotas(demands, { maxSidSeries, maxTotalSidSeries });
          expect(quotas).toEqual(oneAtATime(demands, maxSidSeries, maxTotalSidSeries));
          const wanted = [...demands.values()].reduce(
            (sum, d) => sum + Math.min(d, maxSidSeries),
            0,
          );
          const used = [...quotas.values()].reduce((sum, q) => sum + q, 0);
          // The budget is never exceeded and never wasted while someone wants more.
          expect(used).toBe(Math.min(wanted, maxTotalSidSeries));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
