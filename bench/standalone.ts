/**
 * What `npm run bench:memory` and `bench:latency` share: a temporary root and every child
 * process removed on any exit, the printed rows, and an exit code that says whether the harness
 * itself failed.
 */
import { benchConfig } from './config.js';
import type { BenchContext } from './context.js';
import { readStartCommand } from './exporter.js';
import { largestSidsWithin, Outage, TEN_MIB, TimestampSource } from './generate.js';
import { killAll, TempRoot } from './processes.js';

/**
 * The context `npm run bench` builds, with the heartbeats by size as it makes them; the render
 * sizes below 230k pairs are not measured here.
 */
export function standaloneContext(name: string, temp: TempRoot, floorUrl: string): BenchContext {
  const bySize = {
    '1k': new Outage(1_000),
    '10k': new Outage(10_000),
    '100k': new Outage(100_000),
    '10MB': new Outage(largestSidsWithin(TEN_MIB)),
  };
  const unused = new Outage(1);
  return {
    config: benchConfig(process.env['BENCH_QUICK'] === '1'),
    start: readStartCommand(),
    temp,
    timestamps: new TimestampSource(),
    bySize,
    byPairs: { '10k': unused, '100k': unused, '230k': bySize['10MB'] },
    floorUrl,
    notes: [],
    log: (message) => process.stderr.write(`[${name}] ${message}\n`),
  };
}

export function runStandalone(name: string, main: (temp: TempRoot) => Promise<string[]>): void {
  const temp = new TempRoot();
  process.on('exit', () => {
    killAll();
    temp.remove();
  });
  process.on('SIGINT', () => process.exit(130));
  process.on('SIGTERM', () => process.exit(143));
  main(temp).then(
    (lines) => {
      process.stdout.write(`${lines.join('\n')}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${name} failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
