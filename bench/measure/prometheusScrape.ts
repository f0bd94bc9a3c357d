import { join } from 'node:path';
import { ms, postHeartbeat, type BenchContext } from '../context.js';
import type { Exporter } from '../exporter.js';
import { parsePerSidFamilies, renderFloor } from '../floors/renderFloor.js';
import { startStaticCopy, type StaticCopy } from '../floors/staticCopy.js';
import {
  expectOk,
  IDENTITY_TEXT,
  keepAliveAgent,
  PROMETHEUS_SCRAPE_HEADERS,
  request,
  sleep,
} from '../http.js';
import { settle, stateFileSignature } from '../idle.js';
import { startPrometheus, type ScrapeJob } from '../peers/prometheus.js';
import type { Pushgateway } from '../peers/pushgateway.js';
import { sampled, type Sampled } from '../stats.js';

/**
 * A real Prometheus scraping, every 2 s, the exporter holding 100k per-SID series, a static
 * server replaying a byte-for-byte copy of the exporter's answer to Prometheus's request, and
 * the Pushgateway holding the same 100k series. Prometheus's own scrape_duration_seconds is the
 * measure; exporter ÷ static shows what the exporter adds over serving a file.
 */
export interface PrometheusJobResult {
  readonly durationMs: Sampled;
  /** Fraction of scrapes in the window that succeeded (1 = all). */
  readonly up: number;
  readonly samplesScraped: number;
}

export interface PrometheusResult {
  readonly intervalSeconds: number;
  readonly windowSeconds: number;
  readonly pairs: number;
  readonly staticCopy: {
    readonly bytes: number;
    readonly contentType: string;
    readonly contentEncoding: string;
  };
  readonly jobs: Readonly<Record<string, PrometheusJobResult>>;
}

/**
 * Scrape interval and timeout. Not 1 s: Prometheus's scrape_duration_seconds includes parsing
 * and appending the samples, which for 200k samples takes 0.3–1 s on two cores, and a scrape
 * that overruns delays the next; a 1 s timeout would also cut the Pushgateway (which gzips its
 * 25 MB answer for Prometheus) short.
 */
const INTERVAL_SECONDS = 2;

export async function measurePrometheus(
  ctx: BenchContext,
  exporter: Exporter,
  pushgateway: Pushgateway | null,
): Promise<PrometheusResult | null> {
  const agent = keepAliveAgent();
  const readyAgent = keepAliveAgent();
  const heartbeat = ctx.byPairs['100k'].next();
  const dir = ctx.temp.sub('prometheus');
  let staticServer: StaticCopy | null = null;
  try {
    const before = stateFileSignature(exporter.stateFile);
    await postHeartbeat(`${exporter.url}/heartbeat`, agent, heartbeat, ctx);
    await settle(exporter, before, readyAgent, ctx.notes);

    // The copy: exactly what Prometheus's request gets from the exporter right now.
    const copy = expectOk(
      await request(`${exporter.url}/metrics`, { agent, headers: PROMETHEUS_SCRAPE_HEADERS }),
      'capture /metrics',
    );
    const contentType = copy.headers['content-type'] ?? 'text/plain';
    const contentEncoding = copy.headers['content-encoding'] ?? '';
    staticServer = await startStaticCopy(
      `${dir}-copy.bin`,
      copy.body,
      contentType,
      contentEncoding,
    );
    const staticPort = new URL(staticServer.url).port;

    if (pushgateway !== null) {
      const text = expectOk(
        await request(`${exporter.url}/metrics`, { agent, headers: IDENTITY_TEXT }),
        'GET /metrics',
      ).body.toString('utf8');
      await pushgateway.push(renderFloor(parsePerSidFamilies(text, 'default')), agent);
    }

    const jobs: ScrapeJob[] = [
      { name: 'exporter', target: new URL(exporter.url).host },
      { name: 'static', target: `127.0.0.1:${staticPort}` },
    ];
    if (pushgateway !== null) {
      jobs.push({ name: 'pushgateway', target: new URL(pushgateway.url).host, honorLabels: true });
    }
    const results: Record<string, PrometheusJobResult> = {};
    for (const job of jobs) {
      const result = await scrapeWindow(ctx, job, join(dir, `tsdb-${job.name}`));
      if (result === null) return null;
      results[job.name] = result;
      ctx.log(`prometheus: ${job.name} scrape_duration median ${ms(result.durationMs.median)}`);
    }
    const asked = staticServer.child.output.find((line) => line.startsWith('REQUEST '));
    const expected = `REQUEST ${PROMETHEUS_SCRAPE_HEADERS.accept}|${PROMETHEUS_SCRAPE_HEADERS['accept-encoding']}`;
    if (asked !== expected) {
      ctx.notes.push(
        `prometheus: the static copy was captured with other headers than Prometheus sent ` +
          `(${asked ?? 'no request seen'})`,
      );
    }
    return {
      intervalSeconds: INTERVAL_SECONDS,
      windowSeconds: ctx.config.prometheusWindowSeconds,
      pairs: heartbeat.pairs,
      staticCopy: { bytes: copy.bytes, contentType, contentEncoding },
      jobs: results,
    };
  } finally {
    agent.destroy();
    readyAgent.destroy();
    await staticServer?.stop();
  }
}

/**
 * One Prometheus per target, one after the other: three 200k-sample targets scraped by one
 * Prometheus on two cores would contend with each other, and Prometheus staggers targets by a
 * fixed per-target offset, so the contention would not even be the same for each.
 */
async function scrapeWindow(
  ctx: BenchContext,
  job: ScrapeJob,
  dir: string,
): Promise<PrometheusJobResult | null> {
  const prometheus = await startPrometheus(dir, [job], INTERVAL_SECONDS);
  if (prometheus === null) return null;
  try {
    // Prometheus starts scraping a few seconds after it is ready, and the first scrape creates
    // the target's 200k series (seconds, not milliseconds): wait for it, skip a warm-up, and
    // only then start the measured window.
    const { prometheusWarmupSeconds: warmup, prometheusWindowSeconds: window } = ctx.config;
    const deadline = performance.now() + 90_000;
    while ((await prometheus.instant('up')).length === 0) {
      if (performance.now() > deadline) {
        throw new Error(`Prometheus did not scrape ${job.name} within 90 s`);
      }
      await sleep(250);
    }
    await sleep((warmup + window) * 1000);
    const range = `{job="${job.name}"}[${window}s]`;
    const durations = await prometheus.samples(`scrape_duration_seconds${range}`);
    const up = await prometheus.samples(`up${range}`);
    const scraped = await prometheus.samples(`scrape_samples_scraped${range}`);
    return {
      durationMs: sampled(durations.map((seconds) => seconds * 1000)),
      up: up.length === 0 ? 0 : up.reduce((a, b) => a + b, 0) / up.length,
      samplesScraped: scraped.length === 0 ? 0 : Math.max(...scraped),
    };
  } finally {
    await prometheus.stop();
  }
}
