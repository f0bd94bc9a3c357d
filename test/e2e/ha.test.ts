/**
 * High availability end to end, with real processes on loopback: two exporter replicas behind
 * Debian's nginx (the shipped deploy/nginx/ files: one nginx mirroring, one round-robin), one
 * Prometheus scraping both with the rules rendered from the mixin (test `_config`: 1 s heartbeat
 * interval, seconds instead of minutes) and the shipped Prometheus-pair settings
 * (deploy/prometheus/prometheus-ha.yml), two `prometheus-alertmanager` in one cluster with the
 * shipped routing, and a webhook receiver here that counts notifications.
 *
 * Counting. A "page" is one webhook notification to the `pager` receiver that lists
 * ExotelStatusCritical for the account as firing; a "resolve" one that lists it as resolved.
 * Alertmanager groups by (alertname, account), so each incident is one group holding one alert
 * (the merged rules carry no replica label). repeat_interval is an hour and the group never
 * changes while the outage lasts, so a correct setup sends exactly one firing notification and,
 * at the end, one resolved notification per incident. Anything else — the second Alertmanager
 * also notifying, a replica's restart resolving the alert, a surviving Alertmanager repeating
 * the page — is an extra notification and fails the count. Each Alertmanager posts to its own
 * path, so the test also knows which one sent what.
 *
 * The steps and expected counts come from ./haScenarios.ts, which the README table is checked
 * against (test/stack/haReadme.test.ts).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
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
import { heartbeat, scrape } from '../helpers/http.js';
import { writeRulesFile } from '../helpers/mixin.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';
import { HA_STEPS } from './haScenarios.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Seconds instead of minutes; everything else is the mixin's default `_config`. */
const TEST_CONFIG = {
  heartbeatIntervalSeconds: 1,
  // Generous against a loaded machine: heartbeats never stop in this test.
  heartbeatMissingSeconds: 10,
  heartbeatNeverReceivedFor: '1h',
  exporterDownFor: '2s',
  exporterReplicaDownFor: '2s',
  exophoneAffectedSeconds: 2,
};

/** Long enough for a wrong notification to show: scrape, evaluation, group_interval, peer wait. */
const SETTLE_MS = 4_000;

const ACCOUNTS = ['mirrored', 'balanced'] as const;
type Account = (typeof ACCOUNTS)[number];
const SIDS = ['07930061010', '08030752522'];
const PHONES = { '07930061010': '+917930061010', '08030752522': '+918030752522' };

type Yaml = Record<string, unknown>;

interface Notification {
  readonly receiver: string;
  readonly alerts: readonly {
    readonly status: 'firing' | 'resolved';
    readonly labels: Readonly<Record<string, string>>;
  }[];
}

interface Received {
  /** `am-0` or `am-1`: which Alertmanager sent it. */
  readonly from: string;
  readonly body: Notification;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The shipped routing, webhooks pointed at `<receiver>/<am>/<receiver name>`, waits cut. */
function alertmanagerConfig(receiverUrl: string, am: string): string {
  const config = parse(
    readFileSync(join(ROOT, 'deploy/alertmanager/alertmanager.yml'), 'utf8'),
  ) as Yaml;
  for (const receiver of config['receivers'] as Yaml[]) {
    for (const webhook of (receiver['webhook_configs'] as Yaml[] | undefined) ?? []) {
      webhook['url'] = `${receiverUrl}/${am}/${String(receiver['name'])}`;
    }
  }
  const shorten = (route: Yaml, root: boolean) => {
    if (root || 'group_wait' in route) route['group_wait'] = '1s';
    if (root || 'group_interval' in route) route['group_interval'] = '1s';
    // Never within the test: a repeat would be an extra notification.
    if (root || 'repeat_interval' in route) route['repeat_interval'] = '1h';
    for (const child of (route['routes'] as Yaml[] | undefined) ?? []) shorten(child, false);
  };
  shorten(config['route'] as Yaml, true);
  return stringify(config);
}

/** The shipped Prometheus-pair config, pointed at the test's replicas, Alertmanagers and rules. */
function prometheusConfig(replicas: string[], alertmanagers: string[], rules: string): string {
  const config = parse(
    readFileSync(join(ROOT, 'deploy/prometheus/prometheus-ha.yml'), 'utf8'),
  ) as Yaml;
  config['global'] = {
    ...(config['global'] as Yaml),
    scrape_interval: '1s',
    scrape_timeout: '1s',
    evaluation_interval: '1s',
  };
  config['rule_files'] = [rules];
  const alerting = config['alerting'] as Yaml;
  alerting['alertmanagers'] = [{ static_configs: [{ targets: alertmanagers }] }];
  for (const job of config['scrape_configs'] as Yaml[]) {
    job['static_configs'] = [{ targets: replicas }];
  }
  return stringify(config);
}

describe('N replicas, one page per incident: nginx, Prometheus and an Alertmanager cluster', () => {
  const dir = tempDir('exotel-ha-');
  const received: Received[] = [];
  const answers: { account: Account; status: number; ms: number }[] = [];
  const state = { status: 'OK' as 'OK' | 'CRITICAL', sending: true };
  let sender: Promise<void> = Promise.resolve();
  let receiver: Server | undefined;
  const replicaPorts: number[] = [];
  const replicas: ExporterProcess[] = [];
  const nginx: Partial<Record<Account, RunningNginx>> = {};
  const alertmanagers: RunningBinary[] = [];
  let prometheus: RunningBinary | undefined;
  let prometheusUrl = '';
  const stateFile = (i: number) => join(dir.path, `replica-${i}.json`);
  const startReplica = (i: number) =>
    startExporterProcess({
      PORT: String(replicaPorts[i]),
      STATE_FILE: stateFile(i),
      REPLICA_NAME: `exporter-${i}`,
    });

  beforeAll(async () => {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({
          from: (req.url ?? '').split('/')[1] ?? '',
          body: JSON.parse(body) as Notification,
        });
        res.writeHead(200).end();
      });
    });
    receiver = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    replicaPorts.push(await freePort(), await freePort());
    replicas.push(...(await Promise.all([0, 1].map(startReplica))));
    const upstreams = replicaPorts.map((port) => `127.0.0.1:${port}`);
    nginx.mirrored = await startNginx('mirror', upstreams);
    nginx.balanced = await startNginx('balance', upstreams);

    const webPorts = [await freePort(), await freePort()];
    const clusterPorts = [await freePort(), await freePort()];
    for (const i of [0, 1]) {
      const config = join(dir.path, `alertmanager-${i}.yml`);
      writeFileSync(config, alertmanagerConfig(receiverUrl, `am-${i}`));
      alertmanagers.push(
        await startBinary(
          'prometheus-alertmanager',
          [
            `--config.file=${config}`,
            `--storage.path=${join(dir.path, `am-${i}`)}`,
            `--web.listen-address=127.0.0.1:${webPorts[i]}`,
            `--cluster.listen-address=127.0.0.1:${clusterPorts[i]}`,
            `--cluster.peer=127.0.0.1:${clusterPorts[1 - i]}`,
            // Production keeps the defaults (15 s, 200 ms, 1 m): shortened for a test in seconds.
            '--cluster.peer-timeout=2s',
            '--cluster.gossip-interval=100ms',
            '--cluster.pushpull-interval=1s',
            '--cluster.settle-timeout=3s',
            '--cluster.reconnect-interval=1s',
          ],
          `http://127.0.0.1:${webPorts[i]}/-/ready`,
        ),
      );
    }
    await waitFor('an Alertmanager cluster of two', async () => {
      const status = (await (
        await fetch(`http://127.0.0.1:${webPorts[0]}/api/v2/status`)
      ).json()) as { cluster: { peers: unknown[] } };
      return status.cluster.peers.length === 2 ? true : undefined;
    });

    const rules = writeRulesFile(join(dir.path, 'rules'), TEST_CONFIG);
    const promPort = await freePort();
    prometheusUrl = `http://127.0.0.1:${promPort}`;
    writeFileSync(
      join(dir.path, 'prometheus.yml'),
      prometheusConfig(
        upstreams,
        webPorts.map((port) => `127.0.0.1:${port}`),
        rules,
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

    // "Exotel": one heartbeat per account per second, through each account's nginx.
    sender = (async () => {
      while (state.sending) {
        const started = Date.now();
        await Promise.all(ACCOUNTS.map((account) => post(account)));
        await sleep(Math.max(0, 1000 - (Date.now() - started)));
      }
    })();
  }, 60_000);

  async function post(account: Account): Promise<void> {
    const outage = state.status === 'CRITICAL';
    const body = heartbeat({
      timestamp: new Date().toISOString(),
      status: state.status,
      incoming: outage ? SIDS : [],
      phones: outage ? PHONES : {},
    });
    const started = Date.now();
    let status = 0;
    try {
      const response = await fetch(`${nginx[account]?.url}/heartbeat/${account}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await response.text();
      status = response.status;
    } catch {
      // status 0: nginx itself unreachable
    }
    answers.push({ account, status, ms: Date.now() - started });
  }

  afterAll(async () => {
    state.sending = false;
    await sender;
    await prometheus?.stop();
    for (const am of alertmanagers) await am.stop();
    for (const n of Object.values(nginx)) await n.stop();
    for (const r of replicas) await r.stop();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    stopAllBinaries();
    stopAll();
    dir.cleanup();
  }, 60_000);

  /** Page and resolve notifications for an account's ExotelStatusCritical, and who sent them. */
  const counts = (account: Account) => {
    const result = { pages: 0, resolves: 0, pageFrom: [] as string[], resolveFrom: [] as string[] };
    for (const { from, body } of received) {
      if (body.receiver !== 'pager') continue;
      for (const alert of body.alerts) {
        if (alert.labels['alertname'] !== 'ExotelStatusCritical') continue;
        if (alert.labels['account'] !== account) continue;
        if (alert.status === 'firing') {
          result.pages++;
          result.pageFrom.push(from);
        } else {
          result.resolves++;
          result.resolveFrom.push(from);
        }
      }
    }
    return result;
  };

  const query = async (expr: string) => {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const answer = (await response.json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return answer.data.result;
  };

  /** The merged affected-since of each (account, SID) pair, from the recording rule. */
  const mergedSince = async (account: Account) =>
    Object.fromEntries(
      (
        await query(
          `account_sid:exotel_exophone_affected_since_timestamp_seconds:min{account="${account}"}`,
        )
      ).map((s): [string, number] => [s.metric['sid'] ?? '', Number(s.value[1])]),
    );

  /** activeAt of each firing per-ExoPhone alert of the account, by SID. */
  const perSidAlertStarts = async (account: Account) => {
    const response = await fetch(`${prometheusUrl}/api/v1/alerts`);
    const answer = (await response.json()) as {
      data: { alerts: { labels: Record<string, string>; state: string; activeAt: string }[] };
    };
    return Object.fromEntries(
      answer.data.alerts
        .filter(
          (a) =>
            a.labels['alertname'] === 'ExotelExoPhoneIncomingAffected' &&
            a.labels['account'] === account &&
            a.state === 'firing',
        )
        .map((a): [string, string] => [a.labels['sid'] ?? '', a.activeAt]),
    );
  };

  const expectCounts = (step: (typeof HA_STEPS)[number]) => {
    for (const account of ACCOUNTS) {
      const { pages, resolves } = counts(account);
      expect({ step: step.id, account, pages, resolves }).toEqual({
        step: step.id,
        account,
        pages: step.pages,
        resolves: step.resolves,
      });
    }
  };

  it('gives exactly one page and one resolve per incident through every failure', async () => {
    const step = (id: string) => {
      const found = HA_STEPS.find((s) => s.id === id);
      if (found === undefined) throw new Error(`no step ${id} in haScenarios.ts`);
      return found;
    };
    const started = Date.now();
    const timeline: string[] = [];
    const mark = (what: string) =>
      timeline.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${what}`);

    // Warm-up: both accounts known and OK in the merged view.
    await waitFor('both accounts OK in Prometheus', async () => {
      const ok = await query('account:exotel_heartbeat_status:freshest{status="OK"} == 1');
      return ok.length === ACCOUNTS.length ? true : undefined;
    });

    // -- outage ------------------------------------------------------------------------------
    state.status = 'CRITICAL';
    mark('outage starts');
    for (const account of ACCOUNTS) {
      await waitFor(`a page for ${account}`, () =>
        Promise.resolve(counts(account).pages > 0 ? true : undefined),
      );
    }
    mark('paged');
    const starts: Record<string, Record<string, string>> = {};
    const since: Record<string, Record<string, number>> = {};
    for (const account of ACCOUNTS) {
      starts[account] = await waitFor(`per-ExoPhone alerts firing for ${account}`, async () => {
        const found = await perSidAlertStarts(account);
        return Object.keys(found).length === SIDS.length ? found : undefined;
      });
      since[account] = await mergedSince(account);
      expect(Object.keys(since[account] ?? {}).sort()).toEqual([...SIDS].sort());
    }
    await sleep(SETTLE_MS);
    expectCounts(step('outage'));
    const pager = counts('mirrored').pageFrom[0] ?? '';

    // -- one replica killed ----------------------------------------------------------------------
    await replicas[1]?.kill9();
    mark('replica 1 killed');
    await waitFor('a ticket for the replica down', () =>
      Promise.resolve(
        received.some(
          ({ body }) =>
            body.receiver === 'ticket' &&
            body.alerts.some(
              (a) => a.status === 'firing' && a.labels['alertname'] === 'ExotelExporterReplicaDown',
            ),
        )
          ? true
          : undefined,
      ),
    );
    mark('replica-down ticket');
    await sleep(SETTLE_MS);
    expectCounts(step('replica-killed'));

    // -- restarted with its state file removed ---------------------------------------------------
    rmSync(stateFile(1), { force: true });
    replicas[1] = await startReplica(1);
    mark('replica 1 restarted empty');
    // It lists the ExoPhones again, with a streak that starts now (mirrored at once; balanced
    // once nginx tries it again, after fail_timeout).
    for (const account of ACCOUNTS) {
      await waitFor(
        `replica 1 lists ${account}'s ExoPhones again`,
        async () => {
          const metrics = (await scrape(replicas[1]?.url ?? '')).metrics;
          const own = metrics.select('exotel_exophone_affected_since_timestamp_seconds', {
            account,
          });
          return own.length === SIDS.length ? own : undefined;
        },
        30_000,
      ).then((own) => {
        // The point of the step: this replica alone would restart the outage's clock.
        for (const sample of own) {
          expect(sample.value).toBeGreaterThan(since[account]?.[sample.labels['sid'] ?? ''] ?? 0);
        }
      });
    }
    mark('replica 1 lists the ExoPhones again');
    await sleep(SETTLE_MS);
    // Mirrored, every replica applied the first heartbeat of the outage: the start is exact.
    // Round-robin, only one did; if that was the replica just restarted, the earliest start left
    // is the other's, at most one heartbeat later. Either way the alerts keep their start.
    expect(await mergedSince('mirrored')).toEqual(since['mirrored']);
    const balanced = await mergedSince('balanced');
    for (const sid of SIDS) {
      const before = since['balanced']?.[sid] ?? 0;
      expect(balanced[sid]).toBeGreaterThanOrEqual(before);
      expect(balanced[sid]).toBeLessThanOrEqual(before + 2 * TEST_CONFIG.heartbeatIntervalSeconds);
    }
    for (const account of ACCOUNTS) {
      expect(await perSidAlertStarts(account)).toEqual(starts[account]);
    }
    expectCounts(step('replica-restarted-empty'));

    // -- round-robin: the balanced account went through all of the above ------------------------
    for (const replica of replicas) {
      const metrics = (await scrape(replica.url)).metrics;
      const got = metrics
        .select('exotel_heartbeats_received_total', { account: 'balanced' })
        .reduce((sum, s) => sum + s.value, 0);
      expect(got).toBeGreaterThan(0);
    }
    expect(await perSidAlertStarts('balanced')).toEqual(starts['balanced']);
    expectCounts(step('round-robin'));

    // -- the Alertmanager that paged killed ---------------------------------------------------
    const paged = alertmanagers[Number(pager.replace('am-', ''))];
    paged?.child.kill('SIGKILL');
    await paged?.stop();
    mark(`${pager} killed`);
    await sleep(SETTLE_MS);
    expectCounts(step('alertmanager-killed'));

    // -- the outage ends ------------------------------------------------------------------------
    state.status = 'OK';
    mark('outage ends');
    for (const account of ACCOUNTS) {
      await waitFor(`a resolve for ${account}`, () =>
        Promise.resolve(counts(account).resolves > 0 ? true : undefined),
      );
    }
    mark('resolved');
    await sleep(SETTLE_MS);
    expectCounts(step('outage-ends'));
    for (const account of ACCOUNTS) {
      expect(counts(account).resolveFrom.every((from) => from !== pager)).toBe(true);
    }

    // Nothing else paged (no "heartbeat missing", no "exporter down"), and no page carries a
    // replica's label.
    const pages = received.filter(({ body }) => body.receiver === 'pager');
    for (const { body } of pages) {
      for (const alert of body.alerts) {
        expect(alert.labels['alertname']).toBe('ExotelStatusCritical');
        expect(alert.labels['instance']).toBeUndefined();
        expect(alert.labels['replica']).toBeUndefined();
      }
    }
    // Exotel never saw anything but 200.
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    mark(
      `done; ${answers.length} heartbeats, slowest answer ${Math.max(...answers.map((a) => a.ms))} ms`,
    );
    console.log(`HA e2e timeline:\n  ${timeline.join('\n  ')}`);
  }, 150_000);
});
