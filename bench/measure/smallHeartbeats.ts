import { postHeartbeat, type BenchContext } from '../context.js';
import { startExporter } from '../exporter.js';
import { okHeartbeat } from '../generate.js';
import { keepAliveAgent } from '../http.js';
import { quantile, sampled, type Sampled } from '../stats.js';

/**
 * A stream of small OK heartbeats over keep-alive, `smallConcurrency` in flight, exporter (fresh)
 * vs the bare floor, rounds interleaved. Each in-flight slot posts to its own account with
 * increasing timestamps, so every heartbeat is applied (not acknowledged as out of order).
 */
export interface SmallTargetResult {
  readonly rps: Sampled;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface SmallResult {
  readonly requestsPerRound: number;
  readonly concurrency: number;
  readonly exporter: SmallTargetResult;
  readonly floor: SmallTargetResult;
}

export async function measureSmallHeartbeats(ctx: BenchContext): Promise<SmallResult> {
  const exporter = await startExporter({
    name: 'exporter (small heartbeats)',
    start: ctx.start,
    dir: ctx.temp.sub('small'),
  });
  const { smallConcurrency: concurrency, smallRequestsPerRound: perRound } = ctx.config;
  try {
    const round = async (baseUrl: string, requests: number) => {
      const agent = keepAliveAgent(concurrency);
      const latencies: number[] = [];
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async (_, slot) => {
          const heartbeat = okHeartbeat(); // one body per slot: stamped, sent, then reused
          for (let i = slot; i < requests; i += concurrency) {
            const { result } = await postHeartbeat(
              `${baseUrl}/heartbeat/small-${slot}`,
              agent,
              heartbeat,
              ctx,
            );
            latencies.push(result.ms);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      agent.destroy();
      return { rps: requests / seconds, latencies };
    };
    await round(ctx.floorUrl, 200);
    await round(exporter.url, 200);
    const results = {
      floor: { rps: [] as number[], lat: [] as number[] },
      exporter: { rps: [] as number[], lat: [] as number[] },
    };
    for (let r = 0; r < ctx.config.smallRounds; r++) {
      for (const [name, url] of [
        ['floor', ctx.floorUrl],
        ['exporter', exporter.url],
      ] as const) {
        const { rps, latencies } = await round(url, perRound);
        results[name].rps.push(rps);
        results[name].lat.push(...latencies);
        ctx.log(`small heartbeats ${name} round ${r + 1}: ${rps.toFixed(0)} req/s`);
      }
    }
    const summary = (target: { rps: number[]; lat: number[] }): SmallTargetResult => ({
      rps: sampled(target.rps),
      p50Ms: quantile(target.lat, 0.5),
      p99Ms: quantile(target.lat, 0.99),
    });
    return {
      requestsPerRound: perRound,
      concurrency,
      exporter: summary(results.exporter),
      floor: summary(results.floor),
    };
  } finally {
    await exporter.stop();
  }
}
