/**
 * The bundled Grafana dashboard's queries, with its variables replaced by values a plain
 * Prometheus query accepts, for tests that check or evaluate them (static checks here, live
 * evaluation against a real Prometheus in the end-to-end test).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_PATH = fileURLToPath(
  new URL('../../grafana/dashboards/exotel-heartbeat.json', import.meta.url),
);

/** The Prometheus job name the README, the alert rules and deploy/prometheus use. */
export const DEFAULT_JOB = 'exotel-heartbeat-exporter';

/**
 * What each dashboard variable becomes. `$job`, `$instance` and `$account` are multi-value regex
 * variables whose "All" value is `.+` (the mixin's selector still restricts `job`). `$__rate_interval` is 1m: a rate() over it needs at
 * least two samples, so a Prometheus evaluating these queries must scrape every 30 s or faster
 * (in Grafana it is at least four scrape intervals: 2m with deploy/prometheus's 30 s).
 * `$datasource` only appears in datasource references, never in an expression.
 */
export const VARIABLE_VALUES: Readonly<Record<string, string>> = {
  account: '.+',
  job: '.+',
  instance: '.+',
  __rate_interval: '1m',
  __interval: '15s',
};

export interface DashboardQuery {
  readonly panelId: number;
  readonly panelTitle: string;
  readonly panelType: string;
  readonly refId: string;
  /** True for instant queries (stat, table), false for range queries. */
  readonly instant: boolean;
  /** The expression as written in the dashboard. */
  readonly rawExpr: string;
  /** The expression with every variable substituted: plain PromQL. */
  readonly expr: string;
}

interface TargetJson {
  refId?: unknown;
  expr?: unknown;
  instant?: unknown;
  range?: unknown;
}

interface PanelJson {
  id?: unknown;
  title?: unknown;
  type?: unknown;
  targets?: unknown;
  panels?: unknown;
}

/** Replaces `$name`, `${name}` and `${name:format}` by VARIABLE_VALUES; throws on any other. */
export function substituteVariables(expr: string): string {
  return expr.replace(
    /\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g,
    (match, braced?: string, bare?: string, old?: string) => {
      const name = braced ?? bare ?? old ?? '';
      const value = VARIABLE_VALUES[name];
      if (value === undefined) {
        throw new Error(`dashboard expression uses unknown variable ${match}: ${expr}`);
      }
      return value;
    },
  );
}

/** Every panel of a dashboard JSON model, including panels nested in collapsed rows. */
export function allPanels(dashboard: unknown): PanelJson[] {
  const top = (dashboard as { panels?: unknown }).panels;
  if (!Array.isArray(top)) throw new Error('dashboard has no panels array');
  const result: PanelJson[] = [];
  for (const panel of top as PanelJson[]) {
    result.push(panel);
    if (Array.isArray(panel.panels)) result.push(...(panel.panels as PanelJson[]));
  }
  return result;
}

export function loadDashboard(path: string = DASHBOARD_PATH): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

/** Every target expression of every panel, variables substituted. */
export function dashboardQueries(dashboard: unknown = loadDashboard()): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const panel of allPanels(dashboard)) {
    if (!Array.isArray(panel.targets)) continue;
    for (const target of panel.targets as TargetJson[]) {
      if (typeof target.expr !== 'string') continue;
      queries.push({
        panelId: Number(panel.id),
        panelTitle: String(panel.title),
        panelType: String(panel.type),
        refId: String(target.refId),
        instant: target.instant === true && target.range !== true,
        rawExpr: target.expr,
        expr: substituteVariables(target.expr),
      });
    }
  }
  return queries;
}
