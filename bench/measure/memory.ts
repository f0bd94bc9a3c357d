import { readFileSync } from 'node:fs';
import type { SizeKey } from '../config.js';
import { postHeartbeat, type BenchContext } from '../context.js';
import { startExporter, type Exporter } from '../exporter.js';
import { okHeartbeat } from '../generate.js';
import { expectOk, keepAliveAgent, PROMETHEUS_SCRAPE_HEADERS, request } from '../http.js';
import { settle, stateFileSignature } from '../idle.js';
import { firstFreshScrape } from './ingest.js';

/**
 * Memory of a fresh exporter (started with the bench's gc preload): a baseline after one small OK
 * heartbeat, then after applying each size to the same account (each replacing the previous).
 * Every reading follows the save and a scrape with Prometheus's headers, so render caches are
 * counted: that is the steady state while Prometheus scrapes.
 */
export interface MemoryPoint {
  readonly size: SizeKey;
  readonly sids: number;
  readonly pairs: number;
  /** Steady state without a forced collection, and after two full collections. */
  readonly noGc: NodeJS.MemoryUsage;
  readonly afterGc: NodeJS.MemoryUsage;
  /** (heapUsed after gc − baseline) ÷ pairs: heap bytes per per-SID series. */
  readonly heapPerPair: number;
  readonly externalPerPair: number;
}

export interface MemoryResult {
  readonly baseline: NodeJS.MemoryUsage;
  readonly points: MemoryPoint[];
  /** RSS just as the 10 MB heartbeat's 200 arrived, before the save and any collection. */
  readonly rssRightAfter10MB: number | null;
  /** VmHWM at the end: the highest RSS the process ever had (Linux only). */
  readonly peakRss: number | null;
  /**
   * A second fresh exporter with the default per-SID caps (MAX_SID_SERIES, MAX_TOTAL_SID_SERIES
   * unset), started as `npm start` does without the gc preload: one OK heartbeat, then the 10 MB
   * heartbeat, its save and a scrape. VmHWM and VmRSS at the end (Linux only).
   */
  readonly capped: { readonly peakRss: number | null; readonly rss: number | null };
}

export async function measureMemory(ctx: BenchContext): Promise<MemoryResult> {
  const exporter = await startExporter({
    name: 'exporter (memory)',
    start: ctx.start,
    dir: ctx.temp.sub('memory'),
    gcPreload: true,
  });
  const agent = keepAliveAgent();
  const readyAgent = keepAliveAgent();
  const steadyState = async () =>
    expectOk(
      await request(`${exporter.url}/metrics`, {
        agent,
        headers: PROMETHEUS_SCRAPE_HEADERS,
        keepBody: false,
      }),
      'GET /metrics',
    );
  try {
    let before = stateFileSignature(exporter.stateFile);
    await postHeartbeat(`${exporter.url}/heartbeat`, agent, okHeartbeat(), ctx);
    await settle(exporter, before, readyAgent, ctx.notes);
    await steadyState();
    const baseline = await exporter.memory(true);

    const points: MemoryPoint[] = [];
    let rssRightAfter10MB: number | null = null;
    for (const size of ctx.config.memorySizes) {
      const heartbeat = ctx.bySize[size].next();
      before = stateFileSignature(exporter.stateFile);
      const { timestamp } = await postHeartbeat(`${exporter.url}/heartbeat`, agent, heartbeat, ctx);
      if (size === '10MB') rssRightAfter10MB = (await exporter.memory(false)).rss;
      await settle(exporter, before, readyAgent, ctx.notes);
      // A large first render is done in slices after the acknowledgement: until it is on /metrics.
      await firstFreshScrape(exporter.url, agent, timestamp);
      await steadyState();
      const noGc = await exporter.memory(false);
      const afterGc = await exporter.memory(true);
      points.push({
        size,
        sids: heartbeat.sids,
        pairs: heartbeat.pairs,
        noGc,
        afterGc,
        heapPerPair: (afterGc.heapUsed - baseline.heapUsed) / heartbeat.pairs,
        externalPerPair: (afterGc.external - baseline.external) / heartbeat.pairs,
      });
      ctx.log(
        `memory ${size}: rss ${mb(noGc.rss)} (after gc ${mb(afterGc.rss)}), ` +
          `heap ${((afterGc.heapUsed - baseline.heapUsed) / heartbeat.pairs).toFixed(0)} B/series`,
      );
    }
    const peak = procStatus(exporter, 'VmHWM');
    await exporter.stop();
    return { baseline, points, rssRightAfter10MB, peakRss: peak, capped: await cappedPeak(ctx) };
  } finally {
    agent.destroy();
    readyAgent.destroy();
    await exporter.stop();
  }
}

/** The 10 MB heartbeat into a fresh exporter that keeps the default per-SID caps. */
async function cappedPeak(ctx: BenchContext): Promise<MemoryResult['capped']> {
  const exporter = await startExporter({
    name: 'exporter (memory, default caps)',
    start: ctx.start,
    dir: ctx.temp.sub('memory-capped'),
    caps: 'default',
  });
  const agent = keepAliveAgent();
  const readyAgent = keepAliveAgent();
  try {
    let before = stateFileSignature(exporter.stateFile);
    await postHeartbeat(`${exporter.url}/heartbeat`, agent, okHeartbeat(), ctx);
    await settle(exporter, before, readyAgent, ctx.notes);
    before = stateFileSignature(exporter.stateFile);
    await postHeartbeat(`${exporter.url}/heartbeat`, agent, ctx.bySize['10MB'].next(), ctx);
    await settle(exporter, before, readyAgent, ctx.notes);
    expectOk(
      await request(`${exporter.url}/metrics`, {
        agent,
        headers: PROMETHEUS_SCRAPE_HEADERS,
        keepBody: false,
      }),
      'GET /metrics',
    );
    const result = { peakRss: procStatus(exporter, 'VmHWM'), rss: procStatus(exporter, 'VmRSS') };
    ctx.log(
      `memory 10MB, default caps: peak ${result.peakRss === null ? '?' : mb(result.peakRss)}, ` +
        `rss ${result.rss === null ? '?' : mb(result.rss)}`,
    );
    return result;
  } finally {
    agent.destroy();
    readyAgent.destroy();
    await exporter.stop();
  }
}

/** A `Vm…: N kB` line of /proc/<pid>/status in bytes; null where there is no /proc. */
function procStatus(exporter: Exporter, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const status = readFileSync(`/proc/${exporter.pid}/status`, 'utf8');
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}
