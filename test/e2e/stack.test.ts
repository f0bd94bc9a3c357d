/**
 * End to end, with real processes: the built exporter, Debian's Prometheus loading the shipped
 * rules, Debian's Alertmanager with the shipped routing, and a webhook receiver in this test.
 * Test copies of the configs are derived from the real files programmatically (ports, paths and
 * timings only), never written by hand.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
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
import { dashboardQueries } from '../stack/dashboardQueries.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist/main.js');
const ACCOUNT = 'e2e-acme';

interface Notification {
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly alerts: readonly {
    readonly status: 'firing' | 'resolved';
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
  }[];
}

type Yaml = Record<string, unknown>;

/** The shipped Alertmanager config with every webhook pointed at the test receiver and waits cut. */
function alertmanagerConfig(receiverUrl: string): string {
  const config = parse(
    readFileSync(join(ROOT, 'deploy/alertmanager/alertmanager.yml'), 'utf8'),
  ) as Yaml;
  for (const receiver of config['receivers'] as Yaml[]) {
    for (const webhook of (receiver['webhook_configs'] as Yaml[] | undefined) ?? []) {
      webhook['url'] = `${receiverUrl}/${String(receiver['name'])}`;
    }
  }
  const shorten = (route: Yaml) => {
    for (const key of ['group_wait', 'group_interval'])
      if (key in route || route === config['route']) route[key] = '1s';
    for (const child of (route['routes'] as Yaml[] | undefined) ?? []) shorten(child);
  };
  shorten(config['route'] as Yaml);
  return stringify(config);
}

/** The shipped rules with every `for:` cut to 1s so a test does not wait 15 minutes. */
function rulesWithShortFor(text: string): string {
  const rules = parse(text) as { groups: { rules: Yaml[] }[] };
  for (const group of rules.groups) {
    for (const rule of group.rules) if ('for' in rule) rule['for'] = '1s';
  }
  return stringify(rules);
}

/** The shipped Prometheus config pointed at the test's exporter, Alertmanager and rule copies. */
function prometheusConfig(
  exporterTarget: string,
  alertmanagerTarget: string,
  rulesGlob: string,
): string {
  const config = parse(
    readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'),
  ) as Yaml;
  config['global'] = {
    ...(config['global'] as Yaml),
    scrape_interval: '1s',
    scrape_timeout: '1s',
    evaluation_interval: '1s',
  };
  config['rule_files'] = [rulesGlob];
  config['alerting'] = { alertmanagers: [{ static_configs: [{ targets: [alertmanagerTarget] }] }] };
  const jobs = config['scrape_configs'] as Yaml[];
  expect(jobs.map((job) => job['job_name'])).toContain('exotel-heartbeat-exporter');
  for (const job of jobs) job['static_configs'] = [{ targets: [exporterTarget] }];
  return stringify(config);
}

function send(exporter: ExporterProcess, ...args: string[]): void {
  const result = spawnSync(
    process.execPath,
    [MAIN, 'send', '--url', `${exporter.url}/heartbeat/${ACCOUNT}`, ...args],
    {
      encoding: 'utf8',
    },
  );
  expect({ status: result.status, out: result.stdout.trim() }).toMatchObject({ status: 0 });
  expect(result.stdout).toMatch(/^200 /);
}

describe('exporter → Prometheus → Alertmanager → receiver', () => {
  const dir = tempDir('exotel-e2e-');
  const notifications: Notification[] = [];
  let receiver: Server;
  let exporter: ExporterProcess;
  let prometheus: RunningBinary;
  let alertmanager: RunningBinary;
  let prometheusUrl = '';

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        notifications.push(JSON.parse(body) as Notification);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

    exporter = await startExporterProcess();

    const amPort = await freePort();
    writeFileSync(join(dir.path, 'alertmanager.yml'), alertmanagerConfig(receiverUrl));
    alertmanager = await startBinary(
      'prometheus-alertmanager',
      [
        `--config.file=${join(dir.path, 'alertmanager.yml')}`,
        `--storage.path=${join(dir.path, 'am-data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        '--cluster.listen-address=',
      ],
      `http://127.0.0.1:${amPort}/-/ready`,
    );

    const rulesDir = join(dir.path, 'rules');
    mkdirSync(rulesDir);
    for (const file of readdirSync(join(ROOT, 'alerts')).filter((f) => f.endsWith('.yml'))) {
      writeFileSync(
        join(rulesDir, file),
        rulesWithShortFor(readFileSync(join(ROOT, 'alerts', file), 'utf8')),
      );
    }
    const promPort = await freePort();
    prometheusUrl = `http://127.0.0.1:${promPort}`;
    writeFileSync(
      join(dir.path, 'prometheus.yml'),
      prometheusConfig(
        `127.0.0.1:${exporter.port}`,
        `127.0.0.1:${amPort}`,
        join(rulesDir, '*.yml'),
      ),
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
    await prometheus.stop();
    await alertmanager.stop();
    await exporter.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    stopAllBinaries();
    stopAll();
    dir.cleanup();
  }, 30_000);

  const query = async (expr: string) => {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await response.json()) as {
      status: string;
      error?: string;
      data?: { result: unknown[] };
    };
  };

  const notified = (status: 'firing' | 'resolved', alertname: string) =>
    waitFor(
      `${status} ${alertname} for ${ACCOUNT}`,
      () =>
        Promise.resolve(
          notifications
            .flatMap((n) => n.alerts.map((alert) => ({ receiver: n.receiver, alert })))
            .find(
              ({ alert }) =>
                alert.status === status &&
                alert.labels['alertname'] === alertname &&
                alert.labels['account'] === ACCOUNT,
            ),
        ),
      60_000,
    );

  it('pages on a CRITICAL heartbeat, every dashboard query answers, and OK resolves the page', async () => {
    // The sender CLI shipped with the package: what a user runs to rehearse the paging path.
    send(exporter, '--status', 'critical', '--sids', '07930061010,08030752522');

    const firing = await notified('firing', 'ExotelStatusCritical');
    expect(firing.receiver).toBe('pager');
    expect(firing.alert.labels).toMatchObject({
      account: ACCOUNT,
      severity: 'critical',
      job: 'exotel-heartbeat-exporter',
    });
    expect(firing.alert.annotations['summary']).toMatch(/\.$/);
    expect(firing.alert.annotations['description']).toContain(ACCOUNT);
    expect(firing.alert.annotations['runbook_url']).toMatch(/\/runbook#exotelstatuscritical$/);

    // Every dashboard query parses on the live Prometheus, and those that should show data do
    // (the only empty one by design: dropped per-SID series, shown only when > 0).
    const expectEmpty = (expr: string) => expr.includes('exotel_exophone_series_dropped');
    for (const q of dashboardQueries()) {
      const result = await waitFor(`data for "${q.panelTitle}" ${q.refId}`, async () => {
        const answer = await query(q.expr);
        expect({ panel: q.panelTitle, status: answer.status, error: answer.error }).toEqual({
          panel: q.panelTitle,
          status: 'success',
          error: undefined,
        });
        const rows = answer.data?.result.length ?? 0;
        return expectEmpty(q.expr) || rows > 0 ? rows : undefined;
      });
      if (expectEmpty(q.expr)) expect(result, q.panelTitle).toBe(0);
    }
    const table = await query(
      `exotel_exophone_affected_since_timestamp_seconds{account="${ACCOUNT}"}`,
    );
    expect(table.data?.result).toHaveLength(4);

    send(exporter, '--status', 'ok');
    const resolved = await notified('resolved', 'ExotelStatusCritical');
    expect(resolved.receiver).toBe('pager');
  }, 120_000);
});
