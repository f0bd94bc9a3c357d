/**
 * `npm run bench:latency`: only the ingest, freshness and scrape-under-load rows of `npm run
 * bench` (same exporter start, same floor, same heartbeats, same steps), for checking a latency
 * change in two minutes instead of a full run. It prints the rows and writes nothing under
 * bench/results/.
 */
import { measureIngest } from './measure/ingest.js';
import { measureScrapeUnderLoad } from './measure/scrapeUnderLoad.js';
import { INGEST_FLOOR_SCRIPT } from './paths.js';
import { listeningPort, spawnTracked, TempRoot } from './processes.js';
import { runStandalone, standaloneContext } from './standalone.js';

async function main(temp: TempRoot): Promise<string[]> {
  const floor = spawnTracked('ingest floor', process.execPath, [INGEST_FLOOR_SCRIPT]);
  const floorUrl = `http://127.0.0.1:${await listeningPort(floor)}`;
  const ctx = standaloneContext('bench:latency', temp, floorUrl);
  const ingest = await measureIngest(ctx);
  const load = await measureScrapeUnderLoad(ctx);
  await floor.stop();
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const lines = [
    ...ingest.map((row) => {
      const floorMs = row.floorMs.median;
      const ack = row.exporterMs.median;
      const fresh = row.freshnessMs.median;
      return (
        `${row.size}: floor ${floorMs.toFixed(0)} ms, ack ${ack.toFixed(0)} ms ` +
        `(${ratio(ack, floorMs)}), freshness ${fresh.toFixed(0)} ms (${ratio(fresh, floorMs)})`
      );
    }),
    `scrape during a 10 MB ingest: max ${load.medianOfMaxMs.toFixed(0)} ms (median of reps), ` +
      `worst ${load.worstMs.toFixed(0)} ms, median ${load.medianMs.toFixed(0)} ms, ` +
      `worst with the old state ${load.oldStateWorstMs.toFixed(0)} ms`,
    ...ctx.notes.map((note) => `note: ${note}`),
  ];
  return lines;
}

runStandalone('bench:latency', main);
