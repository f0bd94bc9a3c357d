import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectOk, keepAliveAgent, request } from '../http.js';
import { findBinary, freePort, spawnTracked, waitReady, type Child } from '../processes.js';

/** A real Prometheus (Debian `prometheus`) scraping the bench's targets, queried over its API. */
export const PROMETHEUS = 'prometheus';

export interface ScrapeJob {
  readonly name: string;
  /** host:port */
  readonly target: string;
  readonly honorLabels?: boolean;
}

export interface Prometheus {
  readonly url: string;
  readonly child: Child;
  /** A range-vector selector evaluated now: every sample of every matching series. */
  samples(selector: string): Promise<number[]>;
  /** An instant-vector expression evaluated now: one value per series. */
  instant(expr: string): Promise<number[]>;
  stop(): Promise<void>;
}

interface QueryAnswer {
  readonly status: string;
  readonly error?: string;
  readonly data?: {
    readonly result: readonly {
      readonly value?: [number, string];
      readonly values?: [number, string][];
    }[];
  };
}

export async function startPrometheus(
  dir: string,
  jobs: readonly ScrapeJob[],
  intervalSeconds: number,
): Promise<Prometheus | null> {
  const binary = findBinary(PROMETHEUS);
  if (binary === null) return null;
  mkdirSync(dir, { recursive: true });
  // JSON is YAML. No sample_limit / body_size_limit: nothing may cut the 200k-sample targets.
  const config = {
    global: { scrape_interval: `${intervalSeconds}s`, scrape_timeout: `${intervalSeconds}s` },
    scrape_configs: jobs.map((job) => ({
      job_name: job.name,
      honor_labels: job.honorLabels ?? false,
      static_configs: [{ targets: [job.target] }],
    })),
  };
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawnTracked('prometheus', binary, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  await waitReady(child, `${url}/-/ready`, 60_000);
  const agent = keepAliveAgent();
  const query = async (expr: string) => {
    const res = expectOk(
      await request(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`, { agent }),
      `Prometheus query ${expr}`,
    );
    const answer = JSON.parse(res.body.toString('utf8')) as QueryAnswer;
    if (answer.status !== 'success' || answer.data === undefined) {
      throw new Error(`Prometheus query ${expr} failed: ${answer.error ?? res.status}`);
    }
    return answer.data.result;
  };
  return {
    url,
    child,
    samples: async (selector) =>
      (await query(selector)).flatMap((series) =>
        (series.values ?? []).map(([, value]) => Number(value)),
      ),
    instant: async (expr) =>
      (await query(expr)).flatMap((series) =>
        series.value === undefined ? [] : [Number(series.value[1])],
      ),
    stop: async () => {
      agent.destroy();
      await child.stop();
    },
  };
}
