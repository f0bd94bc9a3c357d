/**
 * Renders the monitoring mixin (mixin/, plain jsonnet) into the files the repository ships:
 * `npm run generate` writes them, the diff test regenerates them into a temporary directory and
 * compares, and tests that need the rules or dashboard for another `_config` (short `for`
 * durations, another job) render them with `renderMixin(overrides)`.
 *
 * jsonnet is Debian's `jsonnet` binary (`.ci/run` installs it): a missing binary is an error,
 * never a silent skip.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { stringify } from 'yaml';

/** The repository root (this file is scripts/mixin.ts, or dist-scripts/mixin.js once built). */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const MIXIN_DIR = join(ROOT, 'mixin');

/** `_config` fields to override: any JSON value (see mixin/config.libsonnet for the fields). */
export type MixinConfig = Readonly<Record<string, unknown>>;

export interface Rule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly Rule[];
}

/** What the mixin renders to, for one `_config`. */
export interface RenderedMixin {
  /** The effective `_config` (defaults merged with the overrides). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Recording rules (`prometheusRules.groups`). */
  readonly recordingGroups: readonly RuleGroup[];
  /** Alerting rules (`prometheusAlerts.groups`). */
  readonly alertGroups: readonly RuleGroup[];
  /** Dashboards by file name (`grafanaDashboards`). */
  readonly dashboards: Readonly<Record<string, unknown>>;
}

/**
 * Evaluates mixin/mixin.libsonnet with `_config` overridden by `overrides` (passed to jsonnet as
 * code: JSON is jsonnet), so fields derived from others (the thresholds that follow
 * `heartbeatIntervalSeconds`) follow the overrides too.
 */
export function renderMixin(overrides: MixinConfig = {}): RenderedMixin {
  const program = `
    local mixin = (import 'mixin.libsonnet') + { _config+:: std.extVar('overrides') };
    {
      config: mixin._config,
      recordingGroups: mixin.prometheusRules.groups,
      alertGroups: mixin.prometheusAlerts.groups,
      dashboards: mixin.grafanaDashboards,
    }`;
  const result = spawnSync(
    'jsonnet',
    ['-J', MIXIN_DIR, '--ext-code', `overrides=${JSON.stringify(overrides)}`, '-e', program],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.error) throw new Error(`jsonnet could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`jsonnet failed on mixin/: ${result.stderr}`);
  return JSON.parse(result.stdout) as RenderedMixin;
}

/** Prometheus rule keys in the order people read them (jsonnet sorts keys alphabetically). */
function orderRule(rule: Rule): Rule {
  const { record, alert, expr, for: forDuration, labels, annotations } = rule;
  return {
    ...(record === undefined ? {} : { record }),
    ...(alert === undefined ? {} : { alert }),
    expr: expr.endsWith('\n') ? expr : `${expr}\n`,
    ...(forDuration === undefined ? {} : { for: forDuration }),
    ...(labels === undefined ? {} : { labels }),
    ...(annotations === undefined ? {} : { annotations }),
  };
}

const GENERATED = 'generated from mixin/ by npm run generate — do not edit';

const RULES_HEADER = [
  '#',
  '# Prometheus recording and alerting rules of exotel-heartbeat-exporter, rendered from the',
  '# monitoring mixin with its default _config (job="exotel-heartbeat-exporter", a 5-minute',
  '# Exotel heartbeat interval). For another job, namespace, interval or runbook URL, render',
  '# the mixin with your own _config: README "Alerts". Runbook: docs/runbook.md.',
];

/**
 * One Prometheus rule file: the recording rules first (the alerts read them), then the alerts.
 * Every expression ends in a newline, so YAML writes it as a block literal (`|`): text put in
 * place of a placeholder later (the chart's selector, with its quotes) needs no escaping.
 */
export function rulesYaml(mixin: RenderedMixin, header: readonly string[] = RULES_HEADER): string {
  const groups = [...mixin.recordingGroups, ...mixin.alertGroups].map((g) => ({
    name: g.name,
    rules: g.rules.map(orderRule),
  }));
  return [`# ${GENERATED}.`, ...header, ''].join('\n') + stringify({ groups }, { lineWidth: 0 });
}

/**
 * The Helm chart's copies (charts/exotel-heartbeat-exporter/files/) are rendered with this
 * placeholder as the selector; templates/prometheusrule.yaml and templates/dashboard.yaml put
 * the job the ServiceMonitor produces and the release namespace in its place. Replicas are pods
 * of one StatefulSet: `pod` tells them apart, `namespace` tells releases apart.
 */
export const CHART_SELECTOR_PLACEHOLDER = '__EXOTEL_SELECTOR__';
/** Replaced by templates/prometheusrule.yaml with prometheusRule.runbookURL or the Service's. */
export const CHART_RUNBOOK_PLACEHOLDER = '__EXOTEL_RUNBOOK_URL__';
export const CHART_CONFIG: MixinConfig = {
  exotelSelector: CHART_SELECTOR_PLACEHOLDER,
  runbookURLPattern: `${CHART_RUNBOOK_PLACEHOLDER}#%s`,
  groupLabels: ['job', 'namespace'],
  instanceLabels: ['instance', 'pod'],
};

const CHART_RULES_HEADER = [
  '#',
  "# The Helm chart's alerting and recording rules (the spec of its PrometheusRule), rendered",
  '# from the monitoring mixin with CHART_CONFIG (scripts/mixin.ts). templates/prometheusrule.yaml',
  `# replaces ${CHART_SELECTOR_PLACEHOLDER} with job="<the ServiceMonitor's job>",namespace="<the release's>"`,
  `# and ${CHART_RUNBOOK_PLACEHOLDER} with prometheusRule.runbookURL (default: the Service's /runbook).`,
];

export function dashboardJson(mixin: RenderedMixin, file: string): string {
  const dashboard = mixin.dashboards[file];
  if (dashboard === undefined) throw new Error(`the mixin renders no dashboard ${file}`);
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}

/**
 * The generated files, relative to the repository root. To ship another rendering, add one
 * entry: its path and how to render it from the default `_config`.
 */
export const OUTPUTS: readonly {
  readonly path: string;
  /** `_config` for this output, over the default (and over the caller's overrides). */
  readonly config?: MixinConfig;
  readonly render: (mixin: RenderedMixin) => string;
}[] = [
  { path: 'alerts/exotel.rules.yml', render: rulesYaml },
  {
    path: 'grafana/dashboards/exotel-heartbeat.json',
    render: (mixin) => dashboardJson(mixin, 'exotel-heartbeat.json'),
  },
  {
    path: 'charts/exotel-heartbeat-exporter/files/rules.yaml',
    config: CHART_CONFIG,
    render: (mixin) => rulesYaml(mixin, CHART_RULES_HEADER),
  },
  {
    path: 'charts/exotel-heartbeat-exporter/files/dashboard.json',
    config: CHART_CONFIG,
    render: (mixin) => dashboardJson(mixin, 'exotel-heartbeat.json'),
  },
];

/** The text of every output, formatted by the repository's prettier configuration. */
export async function renderOutputs(
  overrides: MixinConfig = {},
): Promise<{ path: string; text: string }[]> {
  // One jsonnet run per distinct `_config`.
  const rendered = new Map<string, RenderedMixin>();
  const mixinFor = (config: MixinConfig): RenderedMixin => {
    const merged = { ...overrides, ...config };
    const key = JSON.stringify(merged);
    const cached = rendered.get(key) ?? renderMixin(merged);
    rendered.set(key, cached);
    return cached;
  };
  return Promise.all(
    OUTPUTS.map(async ({ path, config, render }) => {
      const options = (await resolveConfig(join(ROOT, path))) ?? {};
      const text = render(mixinFor(config ?? {}));
      return { path, text: await format(text, { ...options, filepath: path }) };
    }),
  );
}

/** Writes every output under `root` (the repository, or a temporary directory to compare). */
export async function generate(
  root: string = ROOT,
  overrides: MixinConfig = {},
): Promise<string[]> {
  const outputs = await renderOutputs(overrides);
  for (const { path, text } of outputs) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return outputs.map((o) => o.path);
}
