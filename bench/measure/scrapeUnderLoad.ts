import { ms, postHeartbeat, type BenchContext } from '../context.js';
import { startExporter } from '../exporter.js';
import {
  expectOk,
  IDENTITY_TEXT,
  keepAliveAgent,
  request,
  sleep,
  type HttpResult,
} from '../http.js';
import { settle, stateFileSignature } from '../idle.js';
import { max, median, sampled, type Sampled } from '../stats.js';
import { appliedTimestamp } from './ingest.js';

/**
 * How long a scrape waits while a 10 MB heartbeat is being ingested (event-loop blocking).
 *
 * Scenario: the account is at a small CRITICAL (1k SIDs) when the 10 MB one arrives. From the
 * post's start until its 200, GET /metrics runs one at a time on its own connection, a new one
 * every ~10 ms; every scrape that overlapped the ingest counts. Each is classified by the state
 * it was answered with: the old one (its latency is waiting only; the text is small and cached)
 * or the new 231k-series one (a scrape that arrived while the body was being processed, and was
 * then answered with the first render of the new state). A fresh exporter, so no earlier
 * measurement's garbage is collected during this one.
 */
export interface OverlappingScrape {
  readonly ms: number;
  readonly ttfbMs: number;
  readonly bytes: number;
  readonly newState: boolean;
}

export interface ScrapeUnderLoadRep {
  readonly ingestMs: number;
  readonly scrapes: OverlappingScrape[];
  readonly maxMs: number;
  readonly medianMs: number;
}

export interface ScrapeUnderLoadResult {
  /** Milliseconds between scrape starts. */
  readonly intervalMs: number;
  /** The same scrape against the same small state with nothing else going on. */
  readonly idleScrapeMs: Sampled;
  readonly reps: ScrapeUnderLoadRep[];
  /** Over all overlapping scrapes: the median of each rep's max, the worst, the median. */
  readonly medianOfMaxMs: number;
  readonly worstMs: number;
  readonly medianMs: number;
  /** The same, only over scrapes answered with the old state (pure waiting). */
  readonly oldStateWorstMs: number;
  /** Latencies of overlapping scrapes answered with the new state. */
  readonly newStateMs: Sampled;
}

const ACCOUNT = 'default';

export async function measureScrapeUnderLoad(ctx: BenchContext): Promise<ScrapeUnderLoadResult> {
  const exporter = await startExporter({
    name: 'exporter (scrape under load)',
    start: ctx.start,
    dir: ctx.temp.sub('load'),
  });
  const postAgent = keepAliveAgent();
  const scrapeAgent = keepAliveAgent();
  const readyAgent = keepAliveAgent();
  const heartbeatUrl = `${exporter.url}/heartbeat`;
  const scrape = async () =>
    expectOk(
      await request(`${exporter.url}/metrics`, { agent: scrapeAgent, headers: IDENTITY_TEXT }),
      'GET /metrics',
    );
  const post = async (size: '1k' | '10MB') => {
    const before = stateFileSignature(exporter.stateFile);
    const posted = await postHeartbeat(heartbeatUrl, postAgent, ctx.bySize[size].next(), ctx);
    await settle(exporter, before, readyAgent, ctx.notes);
    return posted.timestamp;
  };
  try {
    // One unrecorded 10 MB heartbeat first: the heap has grown to its working size, as in a
    // long-running exporter.
    await post('10MB');
    const idle: number[] = [];
    const reps: ScrapeUnderLoadRep[] = [];
    for (let rep = 0; rep < ctx.config.scrapeUnderLoadReps; rep++) {
      const smallTimestamp = await post('1k');
      await scrape(); // the small state's text is cached from here on
      for (let i = 0; i < 5; i++) idle.push((await scrape()).ms);

      // An object, not a let: the loop reads what the promise callback writes.
      const ingest = { done: false };
      const before = stateFileSignature(exporter.stateFile);
      const posting = postHeartbeat(
        heartbeatUrl,
        postAgent,
        ctx.bySize['10MB'].next(),
        ctx,
      ).finally(() => (ingest.done = true));
      const scrapes: HttpResult[] = [];
      while (!ingest.done) {
        const started = performance.now();
        scrapes.push(await scrape());
        const wait = ctx.config.scrapeIntervalMs - (performance.now() - started);
        if (wait > 0) await sleep(wait);
      }
      const { result } = await posting;
      await settle(exporter, before, readyAgent, ctx.notes);

      const overlapping = scrapes
        .filter((s) => s.startMs < result.endMs && s.endMs > result.startMs)
        .map((s) => ({
          ms: s.ms,
          ttfbMs: s.ttfbMs,
          bytes: s.bytes,
          newState: appliedTimestamp(s.body, ACCOUNT) !== smallTimestamp,
        }));
      const times = overlapping.map((s) => s.ms);
      reps.push({
        ingestMs: result.ms,
        scrapes: overlapping,
        maxMs: max(times),
        medianMs: median(times),
      });
      ctx.log(
        `scrape under load ${rep + 1}/${ctx.config.scrapeUnderLoadReps}: ${times.length} scrapes ` +
          `during a ${ms(result.ms)} ingest, max ${ms(max(times))}, median ${ms(median(times))}`,
      );
    }
    const all = reps.flatMap((r) => r.scrapes);
    return {
      intervalMs: ctx.config.scrapeIntervalMs,
      idleScrapeMs: sampled(idle),
      reps,
      medianOfMaxMs: median(reps.map((r) => r.maxMs)),
      worstMs: max(reps.map((r) => r.maxMs)),
      medianMs: median(all.map((s) => s.ms)),
      oldStateWorstMs: max(all.filter((s) => !s.newState).map((s) => s.ms)),
      newStateMs: sampled(all.filter((s) => s.newState).map((s) => s.ms)),
    };
  } finally {
    for (const agent of [postAgent, scrapeAgent, readyAgent]) agent.destroy();
    await exporter.stop();
  }
}
