/** Small order statistics; every summary in the report is one of these over raw samples. */

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Linear interpolation between closest ranks (R's type 7, numpy's default). NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] ?? Number.NaN;
  const high = sorted[upper] ?? Number.NaN;
  return low + (high - low) * (position - lower);
}

export function max(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.max(...values);
}

/** A summary kept next to its raw samples in the results file. */
export interface Sampled {
  readonly samples: number[];
  readonly median: number;
}

export function sampled(samples: number[]): Sampled {
  return { samples, median: median(samples) };
}
