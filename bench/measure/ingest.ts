import type { Agent } from 'node:http';
import type { SizeKey } from '../config.js';
import { postHeartbeat, ms, type BenchContext } from '../context.js';
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
import { sampled, type Sampled } from '../stats.js';

/**
 * Ingest and freshness, exporter vs the bare node:http + JSON.parse floor, interleaved
 * (floor, exporter, floor, exporter, …) over one keep-alive connection each.
 *
 * - ingest: request start → the 200 fully received;
 * - freshness: the same request start → the end of the first GET /metrics whose
 *   `exotel_heartbeat_timestamp_seconds` shows the posted timestamp, polled sequentially from the
 *   moment the 200 arrives (so it includes whatever the exporter does right after answering).
 */
export interface IngestResult {
  readonly size: SizeKey;
  readonly sids: number;
  readonly pairs: number;
  readonly bodyBytes: number;
  readonly exporterMs: Sampled;
  readonly floorMs: Sampled;
  readonly freshnessMs: Sampled;
  /** Request start → the headers of that first fresh scrape (its text was rendered by then). */
  readonly freshnessHeadersMs: Sampled;
  /** /metrics requests each freshness check needed (1 = the first scrape was already fresh). */
  readonly freshnessPolls: number[];
}

const ACCOUNT = 'default';

export async function measureIngest(ctx: BenchContext): Promise<IngestResult[]> {
  const exporter = await startExporter({
    name: 'exporter (ingest)',
    start: ctx.start,
    dir: ctx.temp.sub('ingest'),
  });
  const exporterAgent = keepAliveAgent();
  const scrapeAgent = keepAliveAgent();
  const readyAgent = keepAliveAgent();
  const floorAgent = keepAliveAgent();
  const post = `${exporter.url}/heartbeat`;
  const floorPost = `${ctx.floorUrl}/heartbeat`;
  try {
    // Warm both servers' code paths (JIT, first-use allocations) before anything is recorded.
    for (let i = 0; i < 10; i++) {
      await postHeartbeat(floorPost, floorAgent, ctx.bySize['1k'].again(), ctx);
      const before = stateFileSignature(exporter.stateFile);
      await postHeartbeat(post, exporterAgent, ctx.bySize['1k'].next(), ctx);
      await settle(exporter, before, readyAgent, ctx.notes);
    }

    const results: IngestResult[] = [];
    for (const { size, reps } of ctx.config.ingest) {
      const outage = ctx.bySize[size];
      const floor: number[] = [];
      const ingest: number[] = [];
      const fresh: number[] = [];
      const freshHeaders: number[] = [];
      const polls: number[] = [];
      for (let rep = 0; rep < reps; rep++) {
        // The floor gets the same bytes the exporter gets next (both variants are the same size).
        const heartbeat = outage.next();
        floor.push((await postHeartbeat(floorPost, floorAgent, heartbeat, ctx)).result.ms);
        await sleep(outage.bytes > 1_000_000 ? 300 : 20);

        const before = stateFileSignature(exporter.stateFile);
        const { result, timestamp } = await postHeartbeat(post, exporterAgent, heartbeat, ctx);
        ingest.push(result.ms);
        const freshness = await firstFreshScrape(exporter.url, scrapeAgent, timestamp);
        fresh.push(freshness.scrape.endMs - result.startMs);
        freshHeaders.push(freshness.scrape.startMs + freshness.scrape.ttfbMs - result.startMs);
        polls.push(freshness.polls);
        await settle(exporter, before, readyAgent, ctx.notes);
        ctx.log(
          `ingest ${size} ${rep + 1}/${reps}: floor ${ms(floor.at(-1) ?? NaN)}, ` +
            `exporter ${ms(result.ms)}, fresh ${ms(fresh.at(-1) ?? NaN)}`,
        );
      }
      results.push({
        size,
        sids: outage.sids,
        pairs: outage.pairs,
        bodyBytes: outage.bytes,
        exporterMs: sampled(ingest),
        floorMs: sampled(floor),
        freshnessMs: sampled(fresh),
        freshnessHeadersMs: sampled(freshHeaders),
        freshnessPolls: polls,
      });
    }
    return results;
  } finally {
    for (const agent of [exporterAgent, scrapeAgent, readyAgent, floorAgent]) agent.destroy();
    await exporter.stop();
  }
}

/** Polls /metrics back to back until it shows the heartbeat's timestamp. */
export async function firstFreshScrape(
  baseUrl: string,
  agent: Agent,
  timestamp: number,
  timeoutMs = 60_000,
): Promise<{ scrape: HttpResult; polls: number }> {
  const started = performance.now();
  for (let polls = 1; ; polls++) {
    const scrape = expectOk(
      await request(`${baseUrl}/metrics`, { agent, headers: IDENTITY_TEXT }),
      'GET /metrics',
    );
    if (appliedTimestamp(scrape.body, ACCOUNT) === timestamp) return { scrape, polls };
    if (performance.now() - started > timeoutMs) {
      throw new Error(`/metrics did not show heartbeat ${timestamp} within ${timeoutMs} ms`);
    }
  }
}

/** The value of `exotel_heartbeat_timestamp_seconds{account="…"}` in a text exposition. */
export function appliedTimestamp(body: Buffer, account: string): number | null {
  const needle = Buffer.from(`\nexotel_heartbeat_timestamp_seconds{account="${account}"} `);
  const at = body.indexOf(needle);
  if (at < 0) return null;
  const end = body.indexOf(10, at + needle.length);
  return Number(body.toString('latin1', at + needle.length, end < 0 ? undefined : end));
}
