/**
 * How much to measure. The full run targets a few minutes on a 2-core machine; BENCH_QUICK=1 is
 * a smoke run (fewer repetitions, fewer sizes) that still exercises every measurement.
 */
export type SizeKey = '1k' | '10k' | '100k' | '10MB';
/** Render sizes are per-SID series, i.e. (SID, direction) pairs. */
export type PairKey = '10k' | '100k' | '230k';

export interface BenchConfig {
  readonly quick: boolean;
  /** Heartbeat sizes (SIDs) for ingest and freshness, each with its repetitions. */
  readonly ingest: readonly { readonly size: SizeKey; readonly reps: number }[];
  /** Render sizes with after-change reps and unchanged-state reps. */
  readonly render: readonly {
    readonly pairs: PairKey;
    readonly reps: number;
    readonly unchangedReps: number;
    readonly pushReps: number;
  }[];
  readonly scrapeUnderLoadReps: number;
  /** Milliseconds between scrape starts while a 10 MB heartbeat is in flight. */
  readonly scrapeIntervalMs: number;
  readonly memorySizes: readonly SizeKey[];
  /** Small heartbeats: rounds per target (interleaved) and requests per round. */
  readonly smallRounds: number;
  readonly smallRequestsPerRound: number;
  readonly smallConcurrency: number;
  /** Real Prometheus, per target: seconds ignored after its first scrape, then the window. */
  readonly prometheusWarmupSeconds: number;
  readonly prometheusWindowSeconds: number;
}

export function benchConfig(quick: boolean): BenchConfig {
  if (quick) {
    return {
      quick,
      ingest: [
        { size: '1k', reps: 3 },
        { size: '10MB', reps: 2 },
      ],
      render: [
        { pairs: '10k', reps: 3, unchangedReps: 3, pushReps: 1 },
        { pairs: '100k', reps: 2, unchangedReps: 3, pushReps: 1 },
      ],
      scrapeUnderLoadReps: 2,
      scrapeIntervalMs: 10,
      memorySizes: ['1k', '10MB'],
      smallRounds: 1,
      smallRequestsPerRound: 400,
      smallConcurrency: 16,
      prometheusWarmupSeconds: 1,
      prometheusWindowSeconds: 6,
    };
  }
  return {
    quick,
    ingest: [
      { size: '1k', reps: 15 },
      { size: '10k', reps: 15 },
      { size: '100k', reps: 7 },
      { size: '10MB', reps: 7 },
    ],
    render: [
      { pairs: '10k', reps: 9, unchangedReps: 15, pushReps: 5 },
      { pairs: '100k', reps: 7, unchangedReps: 9, pushReps: 5 },
      { pairs: '230k', reps: 5, unchangedReps: 7, pushReps: 5 },
    ],
    scrapeUnderLoadReps: 7,
    scrapeIntervalMs: 10,
    memorySizes: ['1k', '10k', '100k', '10MB'],
    smallRounds: 2,
    smallRequestsPerRound: 2000,
    smallConcurrency: 16,
    prometheusWarmupSeconds: 3,
    prometheusWindowSeconds: 14,
  };
}
