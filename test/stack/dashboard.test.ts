/**
 * Static checks of the Grafana dashboard and its provisioning: the JSON model, every query's
 * PromQL (parsed by promtool, and the trickiest ones evaluated by `promtool test rules`), the
 * metric names against the README, and the paths the provisioning files share with
 * docker-compose.yml. Live evaluation against a running Prometheus is the end-to-end test's job.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createSelfMetrics } from '../../src/metrics/selfMetrics.js';
import {
  DASHBOARD_PATH,
  DEFAULT_JOB,
  allPanels,
  dashboardQueries,
  loadDashboard,
  substituteVariables,
  type DashboardQuery,
} from './dashboardQueries.js';
import { calledFunctions, rangeDurations, vectorSelectors } from './promql.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type Json = Record<string, unknown>;

interface Panel {
  id: number;
  type: string;
  title?: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: {
    defaults?: {
      unit?: string;
      mappings?: { type: string; options: Record<string, { text?: string }> }[];
      thresholds?: { steps: { color: string; value: number | null }[] };
      custom?: { thresholdsStyle?: { mode: string } };
    };
    overrides?: { matcher: Json; properties: { id: string; value: unknown }[] }[];
  };
  targets?: { refId: string; expr: string; datasource?: { uid?: string }; format?: string }[];
  transformations?: { id: string; options: Json }[];
}

interface Variable {
  name: string;
  type: string;
  query: unknown;
  definition?: string;
  datasource?: { uid?: string };
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
  current?: { value?: unknown };
}

interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  schemaVersion: number;
  templating: { list: Variable[] };
  panels: Panel[];
}

const dashboard = loadDashboard() as Dashboard;
const panels = allPanels(dashboard) as Panel[];
const dataPanels = panels.filter((p) => p.type !== 'row');
const queries = dashboardQueries(dashboard);

function panel(title: string): Panel {
  const found = dataPanels.find((p) => p.title === title);
  if (found === undefined) throw new Error(`no panel titled ${title}`);
  return found;
}

function query(title: string, refId = 'A'): DashboardQuery {
  const found = queries.find((q) => q.panelTitle === title && q.refId === refId);
  if (found === undefined) throw new Error(`no query ${refId} in panel ${title}`);
  return found;
}

function variable(name: string): Variable {
  const found = dashboard.templating.list.find((v) => v.name === name);
  if (found === undefined) throw new Error(`no variable ${name}`);
  return found;
}

/** The Metrics table of the README: metric name → its labels. */
function readmeMetrics(): Map<string, string[]> {
  const section = read('README.md')
    .split(/^## /m)
    .find((s) => s.startsWith('Metrics\n'));
  if (section === undefined) throw new Error('README has no "## Metrics" section');
  const metrics = new Map<string, string[]>();
  for (const row of section.matchAll(/^\|\s*`([a-z_:]+)`\s*\|\s*(\w+)\s*\|([^|]*)\|/gm)) {
    const labels = (row[3] ?? '')
      .split(',')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    metrics.set(row[1] ?? '', labels);
  }
  return metrics;
}

const README_METRICS = readmeMetrics();

/** prom-client default metrics the dashboard uses (checked against the exporter's registry). */
const PROM_CLIENT_SERIES = [
  'process_resident_memory_bytes',
  'process_cpu_seconds_total',
  'nodejs_heap_size_used_bytes',
  'nodejs_heap_size_total_bytes',
  'nodejs_eventloop_lag_p50_seconds',
  'nodejs_eventloop_lag_p99_seconds',
];
/** Series Prometheus records itself for every scrape target. */
const PROMETHEUS_SERIES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped'];

/** The 15-minute "heartbeat missing" threshold: 3 × a 5-minute Exotel heartbeat interval. */
const HEARTBEAT_MISSING_SECONDS = 15 * 60;

const DATASOURCE_UIDS = ['${datasource}', '$datasource'];

/**
 * Grafana unit ids this dashboard may use, each one listed in Grafana's
 * packages/grafana-data/src/valueFormats/categories.ts (an unknown id silently shows raw values).
 */
const GRAFANA_UNITS = ['none', 'short', 's', 'cpm', 'bytes', 'percentunit', 'dateTimeAsIso'];
/** Core Grafana panel types (no plugin needed). */
const PANEL_TYPES = ['row', 'stat', 'state-timeline', 'timeseries', 'table'];

describe('dashboard JSON model', () => {
  it('is a classic dashboard with a stable uid, a title and tags', () => {
    expect(dashboard.uid).toBe('exotel-heartbeat');
    expect(dashboard.title).toBe('Exotel heartbeat');
    expect(dashboard.tags.length).toBeGreaterThan(0);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.schemaVersion).toBeLessThanOrEqual(41);
    // The v2 schema has elements/layout instead of panels; file provisioning refuses it.
    expect(dashboard).not.toHaveProperty('elements');
    expect(dashboard).not.toHaveProperty('layout');
  });

  it('has a Prometheus datasource variable', () => {
    expect(variable('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
  });

  it('has a multi-value account variable with All, from exotel_heartbeat_status', () => {
    const account = variable('account');
    expect(account).toMatchObject({
      type: 'query',
      definition: `label_values(exotel_heartbeat_status{job="${DEFAULT_JOB}",job=~"$job",instance=~"$instance"}, account)`,
      query: {
        query: `label_values(exotel_heartbeat_status{job="${DEFAULT_JOB}",job=~"$job",instance=~"$instance"}, account)`,
      },
      multi: true,
      includeAll: true,
      allValue: '.+',
    });
    expect(DATASOURCE_UIDS).toContain(account.datasource?.uid);
  });

  it('has job and instance variables from the targets the mixin selects, All by default', () => {
    expect(variable('job')).toMatchObject({
      type: 'query',
      query: { query: `label_values(up{job="${DEFAULT_JOB}"}, job)` },
      current: { value: ['$__all'] },
    });
    expect(variable('instance')).toMatchObject({
      type: 'query',
      query: { query: `label_values(up{job="${DEFAULT_JOB}",job=~"$job"}, instance)` },
      current: { value: ['$__all'] },
    });
    for (const name of ['job', 'instance']) {
      expect(DATASOURCE_UIDS).toContain(variable(name).datasource?.uid);
    }
  });

  it('has unique panel ids and a layout without overlaps inside 24 columns', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    for (const [i, a] of panels.entries()) {
      for (const b of panels.slice(i + 1)) {
        const overlap =
          a.gridPos.x < b.gridPos.x + b.gridPos.w &&
          b.gridPos.x < a.gridPos.x + a.gridPos.w &&
          a.gridPos.y < b.gridPos.y + b.gridPos.h &&
          b.gridPos.y < a.gridPos.y + a.gridPos.h;
        expect(overlap, `${a.title} overlaps ${b.title}`).toBe(false);
      }
    }
  });

  it('rows only group panels: a title and no queries', () => {
    const rows = panels.filter((p) => p.type === 'row');
    expect(rows.map((r) => r.title)).toEqual([
      'Status',
      'Affected ExoPhones',
      'Heartbeat traffic',
      'Exporter health',
    ]);
    for (const row of rows) expect(row.targets ?? []).toEqual([]);
  });

  it.each(dataPanels.map((p) => [p.title ?? `panel ${p.id}`, p] as const))(
    'panel "%s" has a title, a description, a unit, the datasource variable and queries',
    (_title, p) => {
      expect(p.title?.trim()).not.toBe('');
      expect((p.description ?? '').length).toBeGreaterThan(20);
      expect(PANEL_TYPES).toContain(p.type);
      expect(GRAFANA_UNITS).toContain(p.fieldConfig?.defaults?.unit);
      for (const override of p.fieldConfig?.overrides ?? []) {
        for (const property of override.properties) {
          if (property.id === 'unit') expect(GRAFANA_UNITS).toContain(property.value);
        }
      }
      expect(p.datasource?.type).toBe('prometheus');
      expect(DATASOURCE_UIDS).toContain(p.datasource?.uid);
      expect(p.targets?.length).toBeGreaterThan(0);
      for (const target of p.targets ?? []) {
        expect(DATASOURCE_UIDS).toContain(target.datasource?.uid);
        expect(target.expr.trim()).not.toBe('');
      }
    },
  );
});

describe('dashboard queries', () => {
  it('covers what the brief asks for', () => {
    const metricsUsed = new Set(
      queries.flatMap((q) => vectorSelectors(q.rawExpr)).map((s) => s.metric),
    );
    for (const metric of [
      'exotel_heartbeat_status',
      'exotel_heartbeat_last_received_timestamp_seconds',
      'exotel_exophones_affected',
      'exotel_exophone_affected_since_timestamp_seconds',
      'exotel_heartbeats_received_total',
      'exotel_heartbeats_duplicate_total',
      'exotel_heartbeats_conflict_total',
      'exotel_heartbeats_out_of_order_total',
      'exotel_heartbeats_rejected_total',
      ...PROM_CLIENT_SERIES,
      ...PROMETHEUS_SERIES,
    ]) {
      expect([...metricsUsed], metric).toContain(metric);
    }
  });

  it.each(queries.map((q) => [`${q.panelTitle} ${q.refId}`, q] as const))(
    '%s: every range is $__rate_interval',
    (_label, q) => {
      const ranges = rangeDurations(q.rawExpr);
      for (const range of ranges) expect(range).toBe('$__rate_interval');
      const rangeFunctions = calledFunctions(q.rawExpr).filter((f) =>
        ['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv'].includes(f),
      );
      expect(ranges.length).toBe(rangeFunctions.length);
    },
  );

  it.each(queries.map((q) => [`${q.panelTitle} ${q.refId}`, q] as const))(
    '%s: selects only known metrics, by the mixin selector, $job and $instance, and by account where they have one',
    (_label, q) => {
      const selectors = vectorSelectors(q.rawExpr);
      expect(selectors.length).toBeGreaterThan(0);
      for (const { metric, matchers } of selectors) {
        const known =
          README_METRICS.has(metric) ||
          PROM_CLIENT_SERIES.includes(metric) ||
          PROMETHEUS_SERIES.includes(metric);
        expect(known, `${metric} is neither in the README nor a known series`).toBe(true);
        expect(matchers, metric).toContainEqual({ label: 'job', op: '=', value: DEFAULT_JOB });
        expect(matchers, metric).toContainEqual({ label: 'job', op: '=~', value: '$job' });
        expect(matchers, metric).toContainEqual({
          label: 'instance',
          op: '=~',
          value: '$instance',
        });
        if (README_METRICS.get(metric)?.includes('account') === true) {
          expect(matchers, metric).toContainEqual({
            label: 'account',
            op: '=~',
            value: '$account',
          });
        }
      }
    },
  );

  it('names only prom-client metrics the exporter really exposes', async () => {
    const self = createSelfMetrics({ version: '0.0.0', revision: 'test', nodejsVersion: 'v0' });
    const names = (await self.registry.getMetricsAsJSON()).map((m) => m.name);
    for (const metric of PROM_CLIENT_SERIES) expect(names, metric).toContain(metric);
  });

  it('substitutes every variable, and refuses unknown ones', () => {
    for (const q of queries) expect(q.expr).not.toContain('$');
    expect(substituteVariables('rate(x{account=~"$account"}[$__rate_interval])')).toBe(
      'rate(x{account=~".+"}[1m])',
    );
    expect(substituteVariables('x{job=~"${job}",instance=~"$instance"}')).toBe(
      'x{job=~".+",instance=~".+"}',
    );
    expect(() => substituteVariables('x{pod="$pod"}')).toThrow(/\$pod/);
  });
});

describe('the PromQL lexer the checks rely on', () => {
  it('finds selectors and skips functions, keywords, label lists, strings and ranges', () => {
    const expr =
      'max by (account) (0 * (a{x="1", account=~"$account"} == 1) or b - 1) ' +
      '+ on (job) group_left (sid) rate(c_total{job="$job"}[$__rate_interval]) offset 5m';
    expect(vectorSelectors(expr)).toEqual([
      {
        metric: 'a',
        matchers: [
          { label: 'x', op: '=', value: '1' },
          { label: 'account', op: '=~', value: '$account' },
        ],
      },
      { metric: 'b', matchers: [] },
      { metric: 'c_total', matchers: [{ label: 'job', op: '=', value: '$job' }] },
    ]);
    expect(rangeDurations(expr)).toEqual(['$__rate_interval']);
    // `max by (account) (` is an aggregation with a grouping clause, not a call of `max`.
    expect(calledFunctions(expr)).toEqual(['rate']);
    expect(calledFunctions('increase(x[5m]) / max(y)')).toEqual(['increase', 'max']);
  });
});

// ---- promtool: every query parses, and the trickiest ones compute what the panels show -------

const work = mkdtempSync(join(tmpdir(), 'dashboard-promql-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function promtool(args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { encoding: 'utf8', cwd: work });
  if (result.error) throw new Error(`promtool could not run: ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

interface ExprTest {
  expr: string;
  eval_time: string;
  exp_samples: { labels: string; value: number }[];
}

/** Runs `promtool test rules` on input series and PromQL expectations. */
function expectPromql(inputSeries: { series: string; values: string }[], tests: ExprTest[]) {
  const file = join(work, `expr-${Math.random().toString(36).slice(2)}.test.yml`);
  writeFileSync(
    file,
    stringify({
      rule_files: [],
      evaluation_interval: '1m',
      tests: [{ interval: '1m', input_series: inputSeries, promql_expr_test: tests }],
    }),
  );
  const result = promtool(['test', 'rules', file]);
  expect(result.output).toMatch(/SUCCESS/);
  expect(result.status, result.output).toBe(0);
}

const TARGET = `job="${DEFAULT_JOB}",instance="exporter:8747"`;
/** One replica's state set for an account, and its applied heartbeat's timestamp. */
const status = (account: string, current: string, instance = 'exporter:8747', timestamp = 100) => [
  ...['OK', 'WARNING', 'CRITICAL', 'PAYLOAD_TOO_LARGE'].map((s) => ({
    series: `exotel_heartbeat_status{account="${account}",status="${s}",job="${DEFAULT_JOB}",instance="${instance}"}`,
    values: s === current ? '1x20' : '0x20',
  })),
  {
    series: `exotel_heartbeat_timestamp_seconds{account="${account}",job="${DEFAULT_JOB}",instance="${instance}"}`,
    values: `${current === '' ? 0 : timestamp}x20`,
  },
];
const lastReceived = (account: string, value: number) => ({
  series: `exotel_heartbeat_last_received_timestamp_seconds{account="${account}",${TARGET}}`,
  values: `${value}x20`,
});

describe('dashboard queries through promtool', () => {
  it('all parse as PromQL once the variables are substituted', () => {
    const file = join(work, 'dashboard.rules.yml');
    writeFileSync(
      file,
      stringify({
        groups: [
          {
            name: 'dashboard',
            rules: queries.map((q) => ({
              record: `dashboard:panel_${q.panelId}:${q.refId.toLowerCase()}`,
              expr: q.expr,
            })),
          },
        ],
      }),
    );
    const result = promtool(['check', 'rules', file]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${queries.length} rules found`);
  });

  it('the status panels turn the state set into one value per account, each with a mapping', () => {
    const expr = query('Current status').expr;
    expect(query('Status over time').expr).toBe(expr);
    const expected: Record<string, [number, string]> = {
      ok: [0, 'OK'],
      warn: [1, 'WARNING'],
      big: [2, 'PAYLOAD_TOO_LARGE'],
      crit: [3, 'CRITICAL'],
      never: [-1, 'NO HEARTBEAT YET'],
      // Two replicas: the one with the newer heartbeat (OK) wins over a lagging one (CRITICAL).
      lag: [0, 'OK'],
    };
    expectPromql(
      [
        ...status('ok', 'OK'),
        ...status('warn', 'WARNING'),
        ...status('big', 'PAYLOAD_TOO_LARGE'),
        ...status('crit', 'CRITICAL'),
        ...status('never', ''),
        ...status('lag', 'OK', 'r1:8747', 200),
        ...status('lag', 'CRITICAL', 'r2:8747', 100),
        lastReceived('ok', 1000),
        lastReceived('warn', 1000),
        lastReceived('big', 1000),
        lastReceived('crit', 1000),
        lastReceived('never', 0),
        lastReceived('lag', 1000),
      ],
      [
        {
          expr,
          eval_time: '5m',
          exp_samples: Object.entries(expected).map(([account, [value]]) => ({
            labels: `{account="${account}",job="${DEFAULT_JOB}"}`,
            value,
          })),
        },
      ],
    );
    for (const title of ['Current status', 'Status over time']) {
      const options = panel(title).fieldConfig?.defaults?.mappings?.[0]?.options ?? {};
      for (const [value, text] of Object.values(expected)) {
        expect(options[String(value)]?.text, `${title}: ${value}`).toBe(text);
      }
    }
  });

  it('heartbeat age leaves out "never" on the graph and shows it as -1 ("never") on the stat', () => {
    // At 10m (600 s): `seen` last received a heartbeat at 100 s, `never` never did.
    const inputs = [lastReceived('seen', 100), lastReceived('never', 0)];
    expectPromql(inputs, [
      {
        expr: query('Heartbeat age').expr,
        eval_time: '10m',
        exp_samples: [{ labels: `{account="seen",job="${DEFAULT_JOB}"}`, value: 500 }],
      },
      {
        expr: query('Time since the last heartbeat').expr,
        eval_time: '10m',
        exp_samples: [
          { labels: `{account="seen",job="${DEFAULT_JOB}"}`, value: 500 },
          { labels: `{account="never",job="${DEFAULT_JOB}"}`, value: -1 },
        ],
      },
    ]);
    const options =
      panel('Time since the last heartbeat').fieldConfig?.defaults?.mappings?.[0]?.options ?? {};
    expect(options['-1']?.text).toBe('never');
  });

  it('the table shows how long each ExoPhone has been affected, and since when', () => {
    // At 10m (600 s): S1's streak began at 60 s; S2's at 700 s, by an Exotel clock running ahead.
    const s1 = `account="a",sid="S1",phone_number="+911234567890",direction="incoming",job="${DEFAULT_JOB}"`;
    // S2 has no phone number: the exporter's empty label is no label at all to Prometheus.
    const s2 = `account="a",sid="S2",direction="outgoing",job="${DEFAULT_JOB}"`;
    const s3 = `account="a",sid="S3",direction="outgoing",job="${DEFAULT_JOB}"`;
    // A second replica r2 with older detail (ts 500 < 900) that restarted empty and saw S1 only
    // from 300, and still lists S3, which the freshest detail no longer does: S1 keeps 60, S3 is
    // left out.
    const r1 = 'instance="r1:8747"';
    const r2 = 'instance="r2:8747"';
    const since = 'exotel_exophone_affected_since_timestamp_seconds';
    const details = `exotel_exophone_details_timestamp_seconds{account="a",job="${DEFAULT_JOB}"`;
    expectPromql(
      [
        { series: `${since}{${s1},${r1}}`, values: '60x20' },
        { series: `${since}{${s2},${r1}}`, values: '700x20' },
        { series: `${since}{${s1},${r2}}`, values: '300x20' },
        { series: `${since}{${s3},${r2}}`, values: '300x20' },
        { series: `${details},${r1}}`, values: '900x20' },
        { series: `${details},${r2}}`, values: '500x20' },
      ],
      [
        {
          expr: query('ExoPhones affected now', 'A').expr,
          eval_time: '10m',
          exp_samples: [
            { labels: `{${s1}}`, value: 540 },
            { labels: `{${s2}}`, value: 0 },
          ],
        },
        {
          expr: query('ExoPhones affected now', 'B').expr,
          eval_time: '10m',
          exp_samples: [
            { labels: `{${s1}}`, value: 60_000 },
            { labels: `{${s2}}`, value: 700_000 },
          ],
        },
      ],
    );
  });
});

describe('dashboard panels', () => {
  it('draws the heartbeat-missing threshold (15 minutes) on the heartbeat age', () => {
    const defaults = panel('Heartbeat age').fieldConfig?.defaults;
    expect(defaults?.unit).toBe('s');
    expect(defaults?.custom?.thresholdsStyle?.mode).not.toBe('off');
    const steps = defaults?.thresholds?.steps ?? [];
    expect(steps.at(-1)).toEqual({ color: 'red', value: HEARTBEAT_MISSING_SECONDS });
    const stat = panel('Time since the last heartbeat').fieldConfig?.defaults?.thresholds?.steps;
    expect(stat?.at(-1)).toEqual({ color: 'red', value: HEARTBEAT_MISSING_SECONDS });
  });

  it('uses the same threshold as the heartbeat-missing alert rule', () => {
    interface Rules {
      groups: { rules: { alert?: string; expr: string }[] }[];
    }
    const rules = (parse(read('alerts/exotel.rules.yml')) as Rules).groups.flatMap((g) => g.rules);
    const missing = rules.find(
      (r) =>
        r.alert !== undefined &&
        r.expr.includes('time()') &&
        r.expr.includes('exotel_heartbeat_last_received_timestamp_seconds') &&
        /> *\d+/.test(r.expr),
    );
    expect(missing, 'an alert on time() - last_received > N').toBeDefined();
    expect(Number(/> *(\d+)/.exec(missing?.expr ?? '')?.[1])).toBe(HEARTBEAT_MISSING_SECONDS);
  });

  it('the table is an instant table query with readable column names', () => {
    const table = panel('ExoPhones affected now');
    expect(table.type).toBe('table');
    for (const refId of ['A', 'B']) {
      expect(query('ExoPhones affected now', refId).instant).toBe(true);
    }
    for (const target of table.targets ?? []) expect(target.format).toBe('table');
    const organize = table.transformations?.find((t) => t.id === 'organize');
    expect(organize?.options.renameByName).toMatchObject({
      account: 'Account',
      sid: 'SID',
      phone_number: 'Phone number',
      direction: 'Direction',
      'Value #A': 'Affected for',
    });
  });
});

// ---- provisioning ----------------------------------------------------------------------------

interface ComposeService {
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: ({ type: string; source?: string; target?: string } | string)[];
}
const compose = parse(read('docker-compose.yml')) as { services: Record<string, ComposeService> };

function grafanaMountSource(target: string): string {
  const volume = (compose.services.grafana?.volumes ?? []).find(
    (v) => typeof v === 'object' && v.target === target,
  );
  if (typeof volume !== 'object' || volume.source === undefined) {
    throw new Error(`grafana mounts nothing at ${target}`);
  }
  return normalize(volume.source);
}

describe('Grafana provisioning', () => {
  interface Datasources {
    apiVersion: number;
    datasources: {
      name: string;
      uid?: string;
      type: string;
      url: string;
      isDefault?: boolean;
      jsonData?: { timeInterval?: string };
    }[];
  }
  interface Providers {
    apiVersion: number;
    providers: { type: string; options: { path: string } }[];
  }
  const datasources = parse(read('grafana/provisioning/datasources/prometheus.yml')) as Datasources;
  const providers = parse(read('grafana/provisioning/dashboards/exotel.yml')) as Providers;

  it('provisions the compose Prometheus as the default datasource with a fixed uid', () => {
    expect(datasources.apiVersion).toBe(1);
    expect(datasources.datasources).toHaveLength(1);
    const ds = datasources.datasources[0];
    expect(ds).toMatchObject({
      type: 'prometheus',
      url: 'http://prometheus:9090',
      isDefault: true,
    });
    expect(ds?.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    expect(Object.keys(compose.services)).toContain('prometheus');
    expect(compose.services.prometheus?.ports).toContain('127.0.0.1:9090:9090');
  });

  it('sets the datasource interval to the exporter scrape interval', () => {
    interface PrometheusConfig {
      global?: { scrape_interval?: string };
      scrape_configs?: { job_name: string; scrape_interval?: string }[];
    }
    const prometheus = parse(read('deploy/prometheus/prometheus.yml')) as PrometheusConfig;
    const job = prometheus.scrape_configs?.find((c) => c.job_name === DEFAULT_JOB);
    expect(job, `a scrape config for ${DEFAULT_JOB}`).toBeDefined();
    const interval = job?.scrape_interval ?? prometheus.global?.scrape_interval ?? '1m';
    expect(datasources.datasources[0]?.jsonData?.timeInterval).toBe(interval);
  });

  it('loads dashboards from where docker-compose.yml mounts ./grafana/dashboards', () => {
    expect(providers.apiVersion).toBe(1);
    expect(providers.providers).toHaveLength(1);
    const provider = providers.providers[0];
    expect(provider?.type).toBe('file');
    const path = provider?.options.path ?? '';
    expect(grafanaMountSource(path)).toBe(normalize('./grafana/dashboards'));
    const onHost = join(ROOT, grafanaMountSource(path), 'exotel-heartbeat.json');
    expect(onHost).toBe(DASHBOARD_PATH);
    expect(statSync(onHost).isFile()).toBe(true);
  });

  it('sits in the directory docker-compose.yml mounts at /etc/grafana/provisioning', () => {
    const source = grafanaMountSource('/etc/grafana/provisioning');
    expect(source).toBe(normalize('./grafana/provisioning'));
    for (const file of ['datasources/prometheus.yml', 'dashboards/exotel.yml']) {
      expect(statSync(join(ROOT, source, file)).isFile(), file).toBe(true);
    }
  });

  it('opens the bundled dashboard as the home dashboard, through the mount', () => {
    const home =
      compose.services.grafana?.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
    const mountTarget = providers.providers[0]?.options.path ?? '';
    expect(home.startsWith(`${mountTarget}/`)).toBe(true);
    const onHost = join(ROOT, grafanaMountSource(mountTarget), home.slice(mountTarget.length + 1));
    expect(statSync(onHost).isFile()).toBe(true);
  });
});
