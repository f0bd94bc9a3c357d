/**
 * `npm run bench:memory`: only the memory rows of `npm run bench` (same exporter start, same
 * heartbeats, same steps), for checking a memory change in a minute instead of a full run. It
 * prints the rows and writes nothing under bench/results/.
 */
import { measureMemory, mb } from './measure/memory.js';
import { TempRoot } from './processes.js';
import { runStandalone, standaloneContext } from './standalone.js';

async function main(temp: TempRoot): Promise<string[]> {
  const ctx = standaloneContext('bench:memory', temp, '');
  const memory = await measureMemory(ctx);
  const lines = [
    ...memory.points.map(
      (p) =>
        `${p.size}: heap ${p.heapPerPair.toFixed(0)} B/series, rss ${mb(p.noGc.rss)} ` +
        `(after gc ${mb(p.afterGc.rss)}, heapUsed ${mb(p.afterGc.heapUsed)})`,
    ),
    `rss as the 10 MB heartbeat is acknowledged: ${nullable(memory.rssRightAfter10MB)}`,
    `peak (VmHWM): ${nullable(memory.peakRss)}`,
    `default caps, 10 MB: peak ${nullable(memory.capped.peakRss)}, rss ${nullable(memory.capped.rss)}`,
    ...ctx.notes.map((note) => `note: ${note}`),
  ];
  return lines;
}

function nullable(bytes: number | null): string {
  return bytes === null ? 'n/a' : mb(bytes);
}

runStandalone('bench:memory', main);
