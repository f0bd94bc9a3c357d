import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { describe, expect, test } from 'vitest';
import { KUBE_PROMETHEUS_CONFIG, renderMixin } from '../helpers/mixin.js';
import { loadDashboard } from '../stack/dashboardQueries.js';

/**
 * grafana/dashboard-linter's rules (lint/rule_*.go), checked over the generated dashboard — the
 * committed one (default `_config`) and one rendered for a kube-prometheus `_config` — with a real
 * PromQL parser (@prometheus-io/lezer-promql, the grammar Prometheus's own UI uses). Where the
 * linter is lenient (units on tables, ranges outside rate()), these checks are stricter.
 */

/** What the linter substitutes for `$__rate_interval` outside strings (lint/variables.go). */
const RATE_INTERVAL = '8869990787ms';
const DATASOURCE_UIDS = ['$datasource', '${datasource}'];
/** Grafana unit ids (packages/grafana-data/src/valueFormats/categories.ts) this dashboard may use. */
const UNITS = [
  'none',
  'short',
  's',
  'ms',
  'cpm',
  'bytes',
  'percent',
  'percentunit',
  'dateTimeAsIso',
];
/** Panel types that carry queries (rows only group). */
const QUERY_PANEL_TYPES = ['stat', 'state-timeline', 'timeseries', 'table'];

interface Variable {
  name: string;
  label?: string;
  type: string;
  query: unknown;
  datasource?: { uid?: string };
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
  refresh?: number;
}
interface Target {
  refId: string;
  expr: string;
  datasource?: { uid?: string };
}
interface Panel {
  type: string;
  title?: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  fieldConfig?: {
    defaults?: { unit?: string; mappings?: unknown[] };
    overrides?: { properties: { id: string; value: unknown }[] }[];
  };
}
interface Dashboard {
  editable: boolean;
  templating: { list: Variable[] };
  panels: Panel[];
}

/**
 * Variables expanded as the linter does: outside double-quoted strings only (so `job=~"$job"`
 * keeps its literal `$job`), `$__rate_interval` to the linter's magic duration. Any other
 * variable outside a string is refused: this dashboard uses none there.
 */
function expandVariables(expr: string): string {
  return expr
    .split('"')
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(
            /\$\{([^}]+)\}|\$(\w+)|\[\[([^\]]+)\]\]/g,
            (match, a?: string, b?: string, c?: string) => {
              const name = a ?? b ?? c ?? '';
              if (name === '__rate_interval') return RATE_INTERVAL;
              throw new Error(`variable ${match} outside a string in: ${expr}`);
            },
          ),
    )
    .join('"');
}

interface Matcher {
  label: string;
  op: string;
  value: string;
}
interface Parsed {
  errors: string[];
  selectors: { metric: string; matchers: Matcher[] }[];
  ranges: string[];
  rangeFunctions: string[];
}

/** Parses a PromQL expression: syntax errors, vector selectors, range durations. */
function parsePromql(expr: string): Parsed {
  const tree = parser.parse(expr);
  const text = (node: SyntaxNode) => expr.slice(node.from, node.to);
  const result: Parsed = { errors: [], selectors: [], ranges: [], rangeFunctions: [] };
  tree.iterate({
    enter: (ref) => {
      const node = ref.node;
      if (ref.type.isError)
        result.errors.push(`syntax error at ${ref.from}: ${expr.slice(ref.from, ref.from + 20)}`);
      if (ref.name === 'VectorSelector') {
        const metric = node.getChild('Identifier');
        const matchers: Matcher[] = [];
        for (const m of node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
          const label = m.getChild('LabelName');
          const op = m.getChild('MatchOp');
          const value = m.getChild('StringLiteral');
          if (label && op && value) {
            matchers.push({
              label: text(label),
              op: text(op),
              value: JSON.parse(text(value)) as string,
            });
          }
        }
        result.selectors.push({ metric: metric ? text(metric) : '', matchers });
      }
      if (ref.name === 'MatrixSelector') {
        const vector = node.getChild('VectorSelector');
        result.ranges.push(
          text(node)
            .slice(vector ? vector.to - node.from : 0)
            .replace(/^\[|\]$/g, ''),
        );
        const call = node.parent?.parent;
        result.rangeFunctions.push(
          call?.name === 'FunctionCall' ? text(call.getChild('FunctionIdentifier') ?? call) : '',
        );
      }
    },
  });
  return result;
}

function queryPanels(d: Dashboard): Panel[] {
  return d.panels.filter((p) => p.type !== 'row');
}
function targets(d: Dashboard): { panel: string; target: Target }[] {
  return queryPanels(d).flatMap((p) =>
    (p.targets ?? []).map((target) => ({ panel: p.title ?? '', target })),
  );
}

const kube = renderMixin(KUBE_PROMETHEUS_CONFIG);
const cases: [string, Dashboard, string][] = [
  ['committed (default _config)', loadDashboard() as Dashboard, 'job="exotel-heartbeat-exporter"'],
  [
    'kube-prometheus _config',
    kube.dashboards['exotel-heartbeat.json'] as Dashboard,
    'job="exotel-exporter",namespace="monitoring"',
  ],
];

describe.each(cases)('dashboard-linter rules, %s', (_name, dashboard, selector) => {
  const variable = (name: string) => dashboard.templating.list.find((v) => v.name === name);
  const parsed = targets(dashboard).map(({ panel, target }) => ({
    label: `${panel} ${target.refId}`,
    parsed: parsePromql(expandVariables(target.expr)),
  }));

  test('template-datasource: one Prometheus datasource variable, named datasource', () => {
    const datasources = dashboard.templating.list.filter((v) => v.type === 'datasource');
    expect(datasources).toHaveLength(1);
    expect(datasources[0]).toMatchObject({
      name: 'datasource',
      label: 'Data source',
      query: 'prometheus',
    });
  });

  test.each(['job', 'instance'])(
    'template-%s: a multi-select query variable on $datasource with All = .+',
    (name) => {
      const v = variable(name);
      expect(v).toMatchObject({
        type: 'query',
        label: `${name.charAt(0).toUpperCase()}${name.slice(1)}`,
        multi: true,
        includeAll: true,
        allValue: '.+',
      });
      expect(DATASOURCE_UIDS).toContain(v?.datasource?.uid);
      // Its values come from the mixin's selector.
      expect(JSON.stringify(v?.query)).toContain(selector.replaceAll('"', '\\"'));
    },
  );

  test('template-on-time-change-reload: every query variable refreshes on time range change', () => {
    const queries = dashboard.templating.list.filter((v) => v.type === 'query');
    expect(queries.length).toBeGreaterThanOrEqual(3);
    for (const v of queries)
      expect({ name: v.name, refresh: v.refresh }).toEqual({ name: v.name, refresh: 2 });
  });

  test('uneditable: editable is false', () => {
    expect(dashboard.editable).toBe(false);
  });

  test('panel-datasource: every panel and target uses $datasource', () => {
    for (const p of queryPanels(dashboard)) {
      expect(DATASOURCE_UIDS, p.title).toContain(p.datasource?.uid);
      for (const t of p.targets ?? [])
        expect(DATASOURCE_UIDS, p.title).toContain(t.datasource?.uid);
    }
  });

  test('panel-title-description: every panel has both', () => {
    for (const p of queryPanels(dashboard)) {
      expect(p.title?.trim(), JSON.stringify(p).slice(0, 80)).toBeTruthy();
      expect(p.description?.trim(), p.title).toBeTruthy();
    }
  });

  test('panel-units: every panel has a valid unit (value mappings alone are not enough here)', () => {
    for (const p of queryPanels(dashboard)) {
      expect(QUERY_PANEL_TYPES).toContain(p.type);
      expect(UNITS, p.title).toContain(p.fieldConfig?.defaults?.unit);
      for (const o of p.fieldConfig?.overrides ?? []) {
        for (const prop of o.properties)
          if (prop.id === 'unit') expect(UNITS, p.title).toContain(prop.value);
      }
    }
  });

  test('target-promql: every expression parses once the variables are expanded', () => {
    expect(parsed.length).toBeGreaterThan(20);
    for (const { label, parsed: p } of parsed)
      expect({ label, errors: p.errors }).toEqual({ label, errors: [] });
  });

  test.each([
    ['job', '$job'],
    ['instance', '$instance'],
  ])('target-%s: every selector matches %s =~ "%s"', (label, value) => {
    for (const { label: where, parsed: p } of parsed) {
      expect(p.selectors.length, where).toBeGreaterThan(0);
      for (const s of p.selectors) {
        expect(s.matchers, `${where}: ${s.metric}`).toContainEqual({ label, op: '=~', value });
      }
    }
  });

  test("every selector also carries the mixin's exotelSelector", () => {
    const required = [...selector.matchAll(/(\w+)="([^"]*)"/g)].map((m) => ({
      label: m[1] ?? '',
      op: '=',
      value: m[2] ?? '',
    }));
    for (const { label: where, parsed: p } of parsed) {
      for (const s of p.selectors) {
        for (const m of required) expect(s.matchers, `${where}: ${s.metric}`).toContainEqual(m);
      }
    }
  });

  test('target-rate-interval: every range is $__rate_interval, inside rate() or increase()', () => {
    const withRanges = parsed.filter((q) => q.parsed.ranges.length > 0);
    expect(withRanges.length).toBeGreaterThan(0);
    for (const { label, parsed: p } of withRanges) {
      expect({ label, ranges: p.ranges }).toEqual({
        label,
        ranges: p.ranges.map(() => RATE_INTERVAL),
      });
      for (const f of p.rangeFunctions) expect(['rate', 'increase'], label).toContain(f);
    }
  });
});

test('the lint catches what it claims to: a bad query fails each check', () => {
  expect(parsePromql(expandVariables('rate(x{job=~"$job"}[5m]) +')).errors.length).toBeGreaterThan(
    0,
  );
  const p = parsePromql(
    expandVariables('rate(x_total{job="a",instance=~"$instance"}[$__rate_interval])'),
  );
  expect(p.errors).toEqual([]);
  expect(p.selectors[0]?.matchers).not.toContainEqual({ label: 'job', op: '=~', value: '$job' });
  expect(p.ranges).toEqual([RATE_INTERVAL]);
  expect(p.rangeFunctions).toEqual(['rate']);
  expect(parsePromql('increase(y[5m])').ranges).toEqual(['5m']);
  expect(() => expandVariables('x[$__interval]')).toThrow(/__interval/);
});
