/**
 * Several large accounts against the shipped scrape limits, end to end: the built exporter at its
 * default settings, Debian's Prometheus with the shipped scrape job (its sample_limit and label
 * limits read from deploy/prometheus/prometheus.yml, only target and intervals changed) and the
 * repository's rules. Three accounts with 12,000 affected ExoPhones each and status CRITICAL ask
 * for 36,000 per-ExoPhone pairs; MAX_TOTAL_SID_SERIES keeps 20,000 of them, so the scrape stays
 * under sample_limit, the target stays up and every account pages. Before the budget, one such
 * account plus a second went over the limit and the second account's page never came.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { DEFAULTS } from '../../src/config.js';
import {
  freePort,
  startBinary,
  stopAllBinaries,
  waitFor,
  type RunningBinary,
} from '../helpers/binaries.js';
import {
  startExporterProcess,
  stopAll,
  tempDir,
  type ExporterProcess,
} from '../helpers/exporterProcess.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const JOB = 'exotel-heartbeat-exporter';
const ACCOUNTS = ['e2e-alpha', 'e2e-bravo', 'e2e-charlie'] as const;
const EXOPHONES = 12_000;

type Yaml = Record<string, unknown>;

const shipped = parse(readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8')) as Yaml;
const shippedJob = (shipped['scrape_configs'] as Yaml[]).find((job) => job['job_name'] === JOB);
const sampleLimit = Number(shippedJob?.['sample_limit']);

/**
 * The shipped config with the target, rule files and intervals replaced. The scrape job keeps
 * every limit as shipped. Scrapes every 2 s (an exposition of some 40,000 samples on a shared
 * machine), rules every second.
 */
function prometheusConfig(exporterTarget: string, rulesGlob: string): string {
  const config = structuredClone(shipped);
  config['global'] = {
    ...(config['global'] as Yaml),
    scrape_interval: '2s',
    scrape_timeout: '2s',
    evaluation_interval: '1s',
  };
  config['rule_files'] = [rulesGlob];
  delete config['alerting'];
  const jobs = config['scrape_configs'] as Yaml[];
  for (const job of jobs) job['static_configs'] = [{ targets: [exporterTarget] }];
  return stringify(config);
}

function criticalHeartbeat(account: string): string {
  const sids = Array.from(
    { length: EXOPHONES },
    (_, i) => `${account}-${String(i).padStart(6, '0')}`,
  );
  return JSON.stringify({
    timestamp: new Date().toISOString(),
    status_type: 'CRITICAL',
    incoming_affected: sids,
    outgoing_affected: [],
    data: {},
  });
}

describe('three accounts of 12,000 affected ExoPhones under the shipped scrape limits', () => {
  const dir = tempDir('exotel-e2e-multi-');
  let exporter: ExporterProcess | undefined;
  let prometheus: RunningBinary | undefined;
  let prometheusUrl = '';

  beforeAll(async () => {
    expect(sampleLimit).toBeGreaterThan(0);
    // The defaults, as shipped: nothing about the budget is set here.
    exporter = await startExporterProcess();
    for (const account of ACCOUNTS) {
      const response = await fetch(`${exporter.url}/heartbeat/${account}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: criticalHeartbeat(account),
      });
      expect(response.status).toBe(200);
    }

    // The repository's rules as they are (ExotelStatusCritical pages at once: no `for` to cut).
    const rulesDir = join(dir.path, 'rules');
    mkdirSync(rulesDir);
    for (const file of readdirSync(join(ROOT, 'alerts')).filter((f) => f.endsWith('.yml'))) {
      writeFileSync(join(rulesDir, file), readFileSync(join(ROOT, 'alerts', file)));
    }
    const promPort = await freePort();
    prometheusUrl = `http://127.0.0.1:${promPort}`;
    writeFileSync(
      join(dir.path, 'prometheus.yml'),
      prometheusConfig(`127.0.0.1:${exporter.port}`, join(rulesDir, '*.yml')),
    );
    prometheus = await startBinary(
      'prometheus',
      [
        `--config.file=${join(dir.path, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir.path, 'prom-data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      `${prometheusUrl}/-/ready`,
    );
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.stop();
    stopAllBinaries();
    stopAll();
    dir.cleanup();
  }, 30_000);

  const query = async (
    expr: string,
  ): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    expect({ expr, status: body.status, error: body.error }).toEqual({
      expr,
      status: 'success',
      error: undefined,
    });
    return body.data?.result ?? [];
  };
  const scalar = async (expr: string): Promise<number | undefined> => {
    const [first] = await query(expr);
    return first === undefined ? undefined : Number(first.value[1]);
  };

  it('stays up, pages every account, and says what the budget left out', async () => {
    // Every account's ExotelStatusCritical fires.
    await waitFor(
      'ExotelStatusCritical firing for every account',
      async () => {
        const firing = await query('ALERTS{alertname="ExotelStatusCritical",alertstate="firing"}');
        const accounts = firing.map((r) => r.metric['account']).sort();
        return accounts.length === ACCOUNTS.length ? accounts : undefined;
      },
      40_000,
    ).then((accounts) => expect(accounts).toEqual([...ACCOUNTS]));

    // A few more scrapes, then: every scrape so far succeeded, within the shipped sample_limit.
    await waitFor('five scrapes', async () => {
      const scrapes = await scalar(`count_over_time(up{job="${JOB}"}[5m])`);
      return scrapes !== undefined && scrapes >= 5 ? scrapes : undefined;
    });
    expect(await scalar(`min_over_time(up{job="${JOB}"}[5m])`)).toBe(1);
    const samples = await scalar(`max_over_time(scrape_samples_scraped{job="${JOB}"}[5m])`);
    expect(samples).toBeGreaterThan(2 * DEFAULTS.maxTotalSidSeries);
    expect(samples).toBeLessThanOrEqual(sampleLimit);
    const targets = (await (await fetch(`${prometheusUrl}/api/v1/targets`)).json()) as {
      data: { activeTargets: { health: string; lastError: string }[] };
    };
    expect(targets.data.activeTargets.map((t) => [t.health, t.lastError])).toEqual([['up', '']]);

    // Counts stay exact; the per-ExoPhone series are the budget, shared evenly; the rest is said.
    for (const account of ACCOUNTS) {
      expect(
        await scalar(`exotel_exophones_affected{account="${account}",direction="incoming"}`),
      ).toBe(EXOPHONES);
      const kept = await scalar(`count(exotel_exophone_affected{account="${account}"})`);
      expect(Math.abs((kept ?? 0) - DEFAULTS.maxTotalSidSeries / ACCOUNTS.length)).toBeLessThan(1);
      expect(await scalar(`exotel_exophone_series_dropped{account="${account}"}`)).toBe(
        EXOPHONES - (kept ?? 0),
      );
    }
    expect(await scalar('count(exotel_exophone_affected)')).toBe(DEFAULTS.maxTotalSidSeries);
    expect(await scalar('sum(exotel_exophone_series_dropped)')).toBe(
      ACCOUNTS.length * EXOPHONES - DEFAULTS.maxTotalSidSeries,
    );
    // The default account (no heartbeat) keeps its status series: nothing of it was dropped.
    expect(await scalar('count(exotel_heartbeat_status{account="default"})')).toBe(4);
    // The budget's own alert sees it too (its `for` has not passed yet: pending).
    const dropped = await query('ALERTS{alertname="ExotelSidSeriesDropped"}');
    expect(dropped.map((r) => r.metric['account']).sort()).toEqual([...ACCOUNTS]);
  }, 60_000);
});
