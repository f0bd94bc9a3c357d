/**
 * `npm run bench`: issue 5's side-by-side benchmark. Builds nothing itself (the npm script builds
 * the exporter and this harness first); starts the real exporter, the floors and the peers as
 * child processes, runs every measurement, prints one table and writes bench/results/.
 *
 * Exit code 0 whether or not targets are met (it is a report); non-zero only when the harness
 * itself fails. Every child process is killed on any exit, including errors and Ctrl-C.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { benchConfig, type PairKey, type SizeKey } from './config.js';
import type { BenchContext } from './context.js';
import { describeEnvironment } from './environment.js';
import { readStartCommand, startExporter } from './exporter.js';
import { largestSidsWithin, Outage, TEN_MIB, TimestampSource } from './generate.js';
import { measureIngest } from './measure/ingest.js';
import { measureMemory } from './measure/memory.js';
import { measurePrometheus } from './measure/prometheusScrape.js';
import { measureRender } from './measure/render.js';
import { measureScrapeUnderLoad } from './measure/scrapeUnderLoad.js';
import { measureSmallHeartbeats } from './measure/smallHeartbeats.js';
import { INGEST_FLOOR_SCRIPT } from './paths.js';
import { PROMETHEUS } from './peers/prometheus.js';
import { PUSHGATEWAY, startPushgateway } from './peers/pushgateway.js';
import { findBinary, killAll, listeningPort, spawnTracked, TempRoot } from './processes.js';
import { renderReport } from './report.js';
import { writeResults } from './results.js';

const started = performance.now();
let temp: TempRoot | null = null;

function log(message: string): void {
  process.stderr.write(
    `[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`,
  );
}

/** Says why a measurement is skipped, on the console at once and under the table at the end. */
function missing(binary: string, skipped: string[]): void {
  const notice = `skipped: ${binary} not found; apt-get install -y ${binary}`;
  log(notice);
  skipped.push(notice);
}

async function main(): Promise<void> {
  const quick = process.env['BENCH_QUICK'] === '1';
  const config = benchConfig(quick);
  const start = readStartCommand();
  const environment = describeEnvironment(start);
  temp = new TempRoot();
  if (environment.loadAverageAtStart > 0.5 * environment.cores) {
    log(
      `the machine is busy (load ${environment.loadAverageAtStart.toFixed(2)}): numbers will be noisy`,
    );
  }
  log(
    `${quick ? 'quick' : 'full'} run; exporter node flags: ${environment.exporterNodeFlags}; ` +
      `revision ${environment.revision}`,
  );

  const n10 = largestSidsWithin(TEN_MIB);
  const bySize: Record<SizeKey, Outage> = {
    '1k': new Outage(1_000),
    '10k': new Outage(10_000),
    '100k': new Outage(100_000),
    '10MB': new Outage(n10),
  };
  // Render sizes are counted in series: N SIDs make N + ceil(N/2) (SID, direction) pairs.
  const byPairs: Record<PairKey, Outage> = {
    '10k': new Outage(6_667),
    '100k': new Outage(66_667),
    '230k': bySize['10MB'],
  };
  const heartbeats = [
    ...Object.entries(bySize).map(([name, h]) => ({ name: `${name} SIDs`, h })),
    ...(['10k', '100k'] as const).map((name) => ({ name: `${name} series`, h: byPairs[name] })),
  ].map(({ name, h }) => ({ name, sids: h.sids, pairs: h.pairs, bytes: h.bytes }));
  log(`10 MB heartbeat: ${n10} SIDs, ${bySize['10MB'].pairs} series, ${bySize['10MB'].bytes} B`);

  const floor = spawnTracked('ingest floor', process.execPath, [INGEST_FLOOR_SCRIPT]);
  const floorUrl = `http://127.0.0.1:${await listeningPort(floor)}`;
  const skipped: string[] = [];
  const ctx: BenchContext = {
    config,
    start,
    temp,
    timestamps: new TimestampSource(),
    bySize,
    byPairs,
    floorUrl,
    notes: [],
    log,
  };

  log('ingest and freshness');
  const ingest = await measureIngest(ctx);

  log('render');
  const pushgateway = await startPushgateway();
  if (pushgateway === null) missing(PUSHGATEWAY, skipped);
  const renderExporter = await startExporter({
    name: 'exporter (render)',
    start,
    dir: temp.sub('render'),
  });
  const render = await measureRender(ctx, renderExporter, pushgateway);
  let prometheus = null;
  if (findBinary(PROMETHEUS) === null) missing(PROMETHEUS, skipped);
  else prometheus = await measurePrometheus(ctx, renderExporter, pushgateway);
  await renderExporter.stop();
  await pushgateway?.stop();

  log('scrape under load');
  const scrapeUnderLoad = await measureScrapeUnderLoad(ctx);
  log('memory');
  const memory = await measureMemory(ctx);
  log('small heartbeats');
  const small = await measureSmallHeartbeats(ctx);
  await floor.stop();

  const results = {
    environment,
    quick,
    heartbeats,
    ingest,
    render,
    prometheus,
    scrapeUnderLoad,
    memory,
    small,
    skipped,
    notes: ctx.notes,
    durationSeconds: (performance.now() - started) / 1000,
    loadAverageAtEnd: os.loadavg()[0] ?? 0,
  };
  const report = renderReport(results);
  process.stdout.write(`\n${report}`);
  for (const file of writeResults(results, report)) log(`wrote ${file}`);
}

// 'exit' runs on every way out (normal end, process.exit from an error or a signal): the one
// place that kills children and removes the temporary directory, synchronously.
process.on('exit', () => {
  killAll();
  temp?.remove();
});
process.on('SIGINT', () => {
  log('interrupted');
  process.exit(130);
});
process.on('SIGTERM', () => process.exit(143));

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
