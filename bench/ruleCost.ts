/**
 * `npm run bench:rules`: what the shipped rules (alerts/exotel.rules.yml, which merge replicas)
 * cost a real Prometheus at the exporter's series budget. Each replica is a synthetic target
 * serving a fixed exposition in the exporter's shape: ACCOUNTS accounts with every per-account
 * series, and PAIRS per-ExoPhone (SID, direction) pairs spread over them, each with its two
 * per-ExoPhone series. Replica 0 is the freshest; the others are one heartbeat behind on every
 * other account and restarted later (later affected-since), so every join in the merge rules has
 * real work. Prometheus (Debian's) scrapes the targets and itself, evaluates the rules, and the
 * bench reads `prometheus_rule_group_last_duration_seconds` per group over several
 * evaluations.
 *
 *   REPLICAS=2 ACCOUNTS=100 PAIRS=20000 INTERVAL=10 EVALUATIONS=6 npm run bench:rules
 *
 * RULES=<file> measures another rule file (e.g. the mixin rendered with your `_config`).
 *
 * No assertion: the numbers go into the README ("High availability").
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectOk, keepAliveAgent, request, sleep } from './http.js';
import { findBinary, freePort, killAll, spawnTracked, TempRoot, waitReady } from './processes.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const JOB = 'exotel-heartbeat-exporter';

function setting(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number`);
  return n;
}

const REPLICAS = setting('REPLICAS', 2);
const ACCOUNTS = setting('ACCOUNTS', 100);
const PAIRS = setting('PAIRS', 20_000);
const INTERVAL = setting('INTERVAL', 10);
const EVALUATIONS = setting('EVALUATIONS', 6);
const RULES = process.env['RULES'] ?? join(ROOT, 'alerts', 'exotel.rules.yml');

/** One replica's exposition: the families the rules read, in the exporter's label shape. */
function exposition(replica: number): string {
  const lines: string[] = [];
  const base = 1_764_000_000;
  const perAccount = Math.ceil(PAIRS / ACCOUNTS);
  let pairsLeft = PAIRS;
  for (let a = 0; a < ACCOUNTS; a++) {
    const account = `account-${a}`;
    // Replicas other than 0 miss every other account's latest heartbeat (round-robin).
    const behind = replica > 0 && a % 2 === 1 ? 300 : 0;
    const ts = base - behind;
    const l = `account="${account}"`;
    for (const status of ['OK', 'WARNING', 'CRITICAL', 'PAYLOAD_TOO_LARGE']) {
      lines.push(
        `exotel_heartbeat_status{${l},status="${status}"} ${status === 'WARNING' ? 1 : 0}`,
      );
    }
    lines.push(`exotel_heartbeat_timestamp_seconds{${l}} ${ts}`);
    lines.push(`exotel_heartbeat_last_received_timestamp_seconds{${l}} ${ts + 1}`);
    lines.push(`exotel_exophone_details_timestamp_seconds{${l}} ${ts}`);
    const pairs = Math.min(perAccount, pairsLeft);
    pairsLeft -= pairs;
    const incoming = Math.ceil(pairs / 2);
    lines.push(`exotel_exophones_affected{${l},direction="incoming"} ${incoming}`);
    lines.push(`exotel_exophones_affected{${l},direction="outgoing"} ${pairs - incoming}`);
    lines.push(`exotel_exophone_series_dropped{${l}} 0`);
    for (const source of ['heartbeat', 'api']) {
      lines.push(
        `exotel_exophone_details_source{${l},source="${source}"} ${source === 'heartbeat' ? 1 : 0}`,
      );
    }
    for (const status of ['OK', 'WARNING', 'CRITICAL', 'PAYLOAD_TOO_LARGE']) {
      lines.push(`exotel_heartbeats_received_total{${l},status="${status}"} 10`);
    }
    lines.push(`exotel_heartbeats_duplicate_total{${l}} 0`);
    lines.push(`exotel_heartbeats_conflict_total{${l}} 0`);
    lines.push(`exotel_heartbeats_out_of_order_total{${l}} 0`);
    for (let p = 0; p < pairs; p++) {
      const direction = p < incoming ? 'incoming' : 'outgoing';
      const sid = `sid-${a}-${p < incoming ? p : p - incoming}`;
      const labels = `${l},sid="${sid}",phone_number="+9180${String(a * 100_000 + p).padStart(8, '0')}",direction="${direction}"`;
      lines.push(`exotel_exophone_affected{${labels}} 1`);
      // Later replicas restarted: their streaks began later.
      lines.push(
        `exotel_exophone_affected_since_timestamp_seconds{${labels}} ${base - 3600 + replica * 600}`,
      );
    }
  }
  lines.push(`exotel_exporter_build_info{version="bench",revision="bench",nodejs_version="v20"} 1`);
  return `${lines.join('\n')}\n`;
}

async function serve(body: string): Promise<{ server: Server; port: number }> {
  const port = await freePort();
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port };
}

interface Vector {
  readonly data: { readonly result: { metric: Record<string, string>; value: [number, string] }[] };
}

async function main(): Promise<void> {
  const binary = findBinary('prometheus');
  if (binary === null) throw new Error('prometheus is not installed (Debian package prometheus)');
  const temp = new TempRoot();
  const servers: Server[] = [];
  try {
    const targets: string[] = [];
    let samples = 0;
    for (let r = 0; r < REPLICAS; r++) {
      const body = exposition(r);
      samples = body.split('\n').length - 1;
      const { server, port } = await serve(body);
      servers.push(server);
      targets.push(`127.0.0.1:${port}`);
    }
    const promPort = await freePort();
    const url = `http://127.0.0.1:${promPort}`;
    const config = {
      global: {
        scrape_interval: `${INTERVAL}s`,
        scrape_timeout: `${INTERVAL}s`,
        evaluation_interval: `${INTERVAL}s`,
      },
      rule_files: [RULES],
      scrape_configs: [
        { job_name: JOB, static_configs: [{ targets }] },
        { job_name: 'prometheus', static_configs: [{ targets: [`127.0.0.1:${promPort}`] }] },
      ],
    };
    const configFile = join(temp.path, 'prometheus.yml');
    writeFileSync(configFile, JSON.stringify(config));
    const prometheus = spawnTracked('prometheus', binary, [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(temp.path, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    await waitReady(prometheus, `${url}/-/ready`, 60_000);
    const agent = keepAliveAgent();
    const query = async (expr: string) => {
      const res = expectOk(
        await request(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`, { agent }),
        expr,
      );
      return (JSON.parse(res.body.toString('utf8')) as Vector).data.result;
    };
    console.log(
      `${REPLICAS} replicas × ${ACCOUNTS} accounts, ${PAIRS} (SID, direction) pairs each: ${samples} samples per target; evaluating every ${INTERVAL} s`,
    );
    const seen = new Map<string, number[]>();
    // Prometheus's own CPU time over the measured evaluations: unlike the wall-clock durations,
    // it does not grow with other processes' load. Compare with a rule file of `groups: []` (scrapes only).
    const cpu = async () =>
      Number((await query('process_cpu_seconds_total{job="prometheus"}'))[0]?.value[1] ?? NaN);
    let cpuAtStart = NaN;
    let startedAt = 0;
    for (let i = 0; i < EVALUATIONS + 2; i++) {
      await sleep(INTERVAL * 1000);
      if (i === 1) {
        cpuAtStart = await cpu();
        startedAt = Date.now();
      }
      for (const series of await query('prometheus_rule_group_last_duration_seconds')) {
        const group = series.metric['rule_group']?.split(';').pop() ?? '?';
        const list = seen.get(group) ?? [];
        list.push(Number(series.value[1]));
        seen.set(group, list);
      }
    }
    const cpuSeconds = (await cpu()) - cpuAtStart;
    const intervals = (Date.now() - startedAt) / 1000 / INTERVAL;
    console.log(
      `Prometheus CPU: ${(cpuSeconds / intervals).toFixed(2)} s per ${INTERVAL} s interval (scrapes, rules and its own metrics)`,
    );
    const scraped = await query(`scrape_samples_scraped{job="${JOB}"}`);
    console.log(`scraped per target: ${scraped.map((s) => s.value[1]).join(', ')}`);
    const merged = await query(
      'count(account_sid:exotel_exophone_affected_since_timestamp_seconds:min)',
    );
    console.log(`merged per-ExoPhone series: ${merged[0]?.value[1] ?? 0}`);
    console.log('| rule group | last duration, median (ms) | max (ms) |');
    console.log('| --- | ---: | ---: |');
    let total = 0;
    for (const [group, values] of [...seen].sort()) {
      // The first readings may predate the first full scrape.
      const settled = values.slice(2).sort((a, b) => a - b);
      const median = settled[Math.floor(settled.length / 2)] ?? 0;
      const max = settled[settled.length - 1] ?? 0;
      total += median;
      console.log(`| ${group} | ${(median * 1000).toFixed(1)} | ${(max * 1000).toFixed(1)} |`);
    }
    console.log(`| all groups | ${(total * 1000).toFixed(1)} | |`);
    // Wall-clock durations: on a shared machine they grow with the load, so say what it was.
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpus().length} cores`,
    );
    // The last evaluation of each rule, slowest first: where the time goes.
    const rules = JSON.parse(
      expectOk(await request(`${url}/api/v1/rules`, { agent }), 'rules').body.toString('utf8'),
    ) as { data: { groups: { rules: { name: string; evaluationTime: number }[] }[] } };
    const slowest = rules.data.groups
      .flatMap((g) => g.rules)
      .sort((a, b) => b.evaluationTime - a.evaluationTime)
      .slice(0, 6);
    console.log('slowest rules (last evaluation):');
    for (const rule of slowest) {
      console.log(`  ${(rule.evaluationTime * 1000).toFixed(1)} ms  ${rule.name}`);
    }
    await prometheus.stop();
  } finally {
    for (const server of servers) server.close();
    killAll();
    temp.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  killAll();
  process.exitCode = 1;
});
