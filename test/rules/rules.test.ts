import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import {
  KUBE_PROMETHEUS_CONFIG,
  ROOT,
  renderMixin,
  writeRulesFile,
  type MixinConfig,
  type Rule,
} from '../helpers/mixin.js';

/**
 * The alerting and recording rules the mixin renders (mixin/): promtool validates and unit-tests
 * them for two configurations — the default (the committed alerts/exotel.rules.yml,
 * exotel.rules.test.yml) and a kube-prometheus one (kube-prometheus.rules.test.yml) — and this
 * file re-checks the monitoring-mixin conventions (mixtool lint), the replica merge (no replica
 * label on merged alerts), the selector in every expression, and the runbook they link to.
 */

const RULES_PATH = join(ROOT, 'alerts/exotel.rules.yml');
const RULE_TESTS_PATH = join(ROOT, 'test/rules/exotel.rules.test.yml');
const KUBE_RULE_TESTS_PATH = join(ROOT, 'test/rules/kube-prometheus.rules.test.yml');
const RUNBOOK_PATH = join(ROOT, 'docs/runbook.md');
const README_PATH = join(ROOT, 'README.md');

const DEFAULT_RUNBOOK_PATTERN = 'http://localhost:8747/runbook#%s';
const SEVERITIES = new Set(['critical', 'warning', 'info']);

/** Alerts about one Exotel account: they must keep the `account` label end to end. */
const PER_ACCOUNT_ALERTS = [
  'ExotelApiPollFailing',
  'ExotelApiThrottled',
  'ExotelHeartbeatMissing',
  'ExotelHeartbeatNeverReceived',
  'ExotelStatusCritical',
  'ExotelStatusWarning',
  'ExotelExoPhoneIncomingAffected',
  'ExotelExoPhoneOutgoingAffected',
  'ExotelPayloadTooLarge',
  'ExotelSidSeriesDropped',
];
/** Alerts about one replica (its scrape, its own state file): the only ones naming a replica. */
const PER_REPLICA_ALERTS = ['ExotelExporterReplicaDown', 'ExotelStatePersistenceFailing'];

interface ExpAlert {
  exp_labels?: Record<string, string>;
  exp_annotations?: Record<string, string>;
}

interface RuleTestFile {
  rule_files: string[];
  group_eval_order?: string[];
  tests: {
    name?: string;
    alert_rule_test?: { eval_time: string; alertname: string; exp_alerts?: ExpAlert[] | null }[];
  }[];
}

function run(command: string, args: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(command, [...args], { cwd: ROOT, encoding: 'utf8' });
  // A missing binary is a failure, never a skip: `.ci/run` installs promtool.
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const rulesText = readFileSync(RULES_PATH, 'utf8');
const ruleFile = parse(rulesText) as { groups: { name: string; rules: Rule[] }[] };
const allRules = ruleFile.groups.flatMap((g) => g.rules);
const alerts = allRules.filter((r) => r.alert !== undefined);
const records = allRules.filter((r) => r.record !== undefined);
const recordNames = new Set(records.map((r) => r.record));
const ruleTests = parse(readFileSync(RULE_TESTS_PATH, 'utf8')) as RuleTestFile;
const kubeRuleTests = parse(readFileSync(KUBE_RULE_TESTS_PATH, 'utf8')) as RuleTestFile;
const alertTests = ruleTests.tests.flatMap((t) => t.alert_rule_test ?? []);
const kubeAlertTests = kubeRuleTests.tests.flatMap((t) => t.alert_rule_test ?? []);
const runbook = readFileSync(RUNBOOK_PATH, 'utf8');

/** GitHub's heading anchors: lower case, punctuation other than `-` and `_` dropped, spaces → `-`. */
function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const runbookHeadings = [...runbook.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1] ?? '');
const runbookAnchors = new Set(runbookHeadings.map(githubAnchor));

/** The text of the runbook section under `## <name>`, up to the next `## ` heading. */
function runbookSection(name: string): string {
  const start = runbook.indexOf(`\n## ${name}\n`);
  if (start < 0) return '';
  const next = runbook.indexOf('\n## ', start + 1);
  return runbook.slice(start, next < 0 ? undefined : next);
}

/** Metric names selected by an expression (a name followed by `{` or not; not a function). */
function selectedNames(expr: string): { name: string; matchers: string | undefined }[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const found: { name: string; matchers: string | undefined }[] = [];
  for (const m of expr.matchAll(/([a-z_:][a-z0-9_:]*)\s*\{([^}]*)\}/g)) {
    found.push({ name: m[1] ?? '', matchers: m[2] });
  }
  for (const m of withoutStrings.matchAll(
    /\b([a-z_]*:[a-z0-9_:]+|exotel_[a-z0-9_]+|up)\b(?![a-z0-9_:]|\s*[{(])/g,
  )) {
    found.push({ name: m[1] ?? '', matchers: undefined });
  }
  return found;
}

const work = mkdtempSync(join(tmpdir(), 'exotel-rules-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Renders the rules for `overrides` next to a copy of `testFile`, and runs promtool on both. */
function promtoolFor(name: string, overrides: MixinConfig, testFile: string) {
  const dir = join(work, name);
  const rules = writeRulesFile(dir, overrides);
  const copy = join(dir, 'rules.test.yml');
  copyFileSync(testFile, copy);
  return {
    check: run('promtool', ['check', 'rules', rules]),
    test: run('promtool', ['test', 'rules', copy]),
  };
}

describe('promtool, default _config (the committed alerts/exotel.rules.yml)', () => {
  test('check rules accepts it', () => {
    const result = run('promtool', ['check', 'rules', 'alerts/exotel.rules.yml']);
    expect(result, result.output).toMatchObject({ status: 0 });
    expect(result.output).toContain(`SUCCESS: ${allRules.length} rules found`);
  });

  test('test rules passes every unit test in test/rules/exotel.rules.test.yml', () => {
    const result = run('promtool', ['test', 'rules', 'test/rules/exotel.rules.test.yml']);
    expect(result, result.output).toMatchObject({ status: 0 });
    expect(result.output).toContain('SUCCESS');
    expect(result.output).not.toContain('FAILED');
  });

  test('the unit tests load the rules file under test, merge rules first', () => {
    expect(ruleTests.rule_files).toEqual(['../../alerts/exotel.rules.yml']);
    // promtool evaluates groups in a random order unless told; Prometheus runs them
    // independently, so the alerts read the previous evaluation's merge in production.
    expect(ruleTests.group_eval_order).toEqual(ruleFile.groups.map((g) => g.name));
  });
});

describe('promtool, kube-prometheus _config (job exotel-exporter, namespace monitoring, 10-minute interval)', () => {
  const { check, test: unit } = promtoolFor('kube', KUBE_PROMETHEUS_CONFIG, KUBE_RULE_TESTS_PATH);
  const kube = renderMixin(KUBE_PROMETHEUS_CONFIG);
  const kubeAlerts = kube.alertGroups.flatMap((g) => g.rules);

  test('check rules accepts the rendered rules', () => {
    expect(check, check.output).toMatchObject({ status: 0 });
  });

  test('test rules passes every unit test in test/rules/kube-prometheus.rules.test.yml', () => {
    expect(unit, unit.output).toMatchObject({ status: 0 });
    expect(unit.output).not.toContain('FAILED');
    expect(kubeRuleTests.rule_files).toEqual(['exotel.rules.yml']);
    expect(kubeRuleTests.group_eval_order).toEqual(
      [...kube.recordingGroups, ...kube.alertGroups].map((g) => g.name),
    );
  });

  test('every alert and recording rule selects the ServiceMonitor job and namespace, never the default job', () => {
    for (const rule of [...kube.recordingGroups, ...kube.alertGroups].flatMap((g) => g.rules)) {
      expect(rule.expr).not.toContain('exotel-heartbeat-exporter');
      for (const { name, matchers } of selectedNames(rule.expr)) {
        if (name.includes(':')) continue;
        expect(matchers, `${name} in ${rule.expr}`).toContain(
          'job="exotel-exporter",namespace="monitoring"',
        );
      }
    }
  });

  test('the thresholds follow the 10-minute interval and every runbook_url the wiki pattern', () => {
    expect(kube.config).toMatchObject({
      heartbeatMissingSeconds: 1800,
      heartbeatNeverReceivedFor: '30m',
      rejectedWindow: '20m',
    });
    for (const alert of kubeAlerts) {
      expect(alert.annotations?.['runbook_url']).toBe(
        `https://wiki.example.com/runbooks/exotel#${alert.alert?.toLowerCase() ?? ''}`,
      );
    }
  });

  test('merged alerts fire labelled by job and namespace, never by pod or instance', () => {
    const firing = kubeAlertTests.filter((t) => (t.exp_alerts ?? []).length > 0);
    expect(new Set(firing.map((t) => t.alertname)).size).toBeGreaterThanOrEqual(7);
    for (const t of firing) {
      for (const alert of t.exp_alerts ?? []) {
        expect(alert.exp_labels).toMatchObject({ job: 'exotel-exporter', namespace: 'monitoring' });
        if (!PER_REPLICA_ALERTS.includes(t.alertname)) {
          expect(alert.exp_labels, t.alertname).not.toHaveProperty('pod');
          expect(alert.exp_labels, t.alertname).not.toHaveProperty('instance');
        }
      }
    }
  });
});

describe('a _config override', () => {
  test('changes every `for` and threshold it names, and nothing else', () => {
    const short = renderMixin({
      heartbeatMissingSeconds: 60,
      heartbeatNeverReceivedFor: '1m',
      statusWarningFor: '30s',
      exporterDownFor: '20s',
    });
    const byName = new Map(short.alertGroups.flatMap((g) => g.rules).map((r) => [r.alert, r]));
    expect(byName.get('ExotelHeartbeatMissing')?.expr).toMatch(/> 60\n/);
    expect(byName.get('ExotelHeartbeatNeverReceived')?.for).toBe('1m');
    expect(byName.get('ExotelStatusWarning')?.for).toBe('30s');
    expect(byName.get('ExotelExporterDown')?.for).toBe('20s');
    expect(byName.get('ExotelStatusCritical')?.for).toBe('0m');
  });

  test('every `for` of every alert comes from _config', () => {
    const config = renderMixin().config;
    const durations = new Set(Object.values(config).filter((v) => typeof v === 'string'));
    for (const alert of alerts) {
      expect(alert.for, alert.alert).toBeDefined();
      expect(durations.has(alert.for ?? ''), `${alert.alert ?? ''} for: ${alert.for ?? ''}`).toBe(
        true,
      );
    }
    // The proof: all of them overridden to one odd value.
    const forFields = Object.keys(config).filter((k) => k.endsWith('For'));
    const odd = renderMixin(Object.fromEntries(forFields.map((k) => [k, '17s'])));
    for (const alert of odd.alertGroups.flatMap((g) => g.rules)) {
      expect(alert.for, alert.alert).toBe('17s');
    }
  });

  test.each([
    [{ heartbeatIntervalSeconds: 12.5 }, /_config\.heartbeatIntervalSeconds/],
    [{ exotelSelector: '{job="x"}' }, /_config\.exotelSelector/],
    [{ exotelSelector: '' }, /_config\.exotelSelector/],
    [{ groupLabels: 'job' }, /_config\.groupLabels/],
    [{ instanceLabels: ['job'] }, /_config\.instanceLabels and _config\.groupLabels/],
    [{ runbookURLPattern: 'https://wiki.example.com/runbooks' }, /_config\.runbookURLPattern/],
    [{ statusWarningFor: '15 minutes' }, /statusWarningFor/],
  ])('a wrong setting %j is refused, naming it', (overrides, message) => {
    expect(() => renderMixin(overrides)).toThrow(message);
  });
});

describe('rules file', () => {
  test('says it is generated, and has no sed/THRESHOLD instructions left', () => {
    expect(rulesText.split('\n')[0]).toBe(
      '# generated from mixin/ by npm run generate — do not edit.',
    );
    expect(rulesText).not.toContain('THRESHOLD');
    expect(rulesText).not.toContain('sed -i');
  });

  test('contains the alerts the runbook and README describe, each once', () => {
    const names = alerts.map((a) => a.alert);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        ...PER_ACCOUNT_ALERTS,
        ...PER_REPLICA_ALERTS,
        'ExotelExporterDown',
        'ExotelExporterAbsent',
        'ExotelHeartbeatsRejected',
      ]),
    );
  });

  test('recording rules are named level:metric:operations, each once, and listed in the README', () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(records.length).toBeGreaterThan(0);
    expect(recordNames.size).toBe(records.length);
    for (const { record } of records) {
      expect(record).toMatch(/^[a-z_]+:exotel_[a-z_]+:[a-z_]+$/);
      expect(readme).toContain(`| \`${record ?? ''}\``);
    }
  });

  test('every name an expression reads is a raw series carrying the selector, or recorded before', () => {
    const seen = new Set<string>();
    for (const rule of [...records, ...alerts]) {
      const names = selectedNames(rule.expr);
      expect(names.length, rule.expr).toBeGreaterThan(0);
      for (const { name, matchers } of names) {
        if (name.includes(':')) {
          expect(seen.has(name) || recordNames.has(name), `${name} is not recorded`).toBe(true);
        } else {
          expect(matchers, `${name} in ${rule.expr}`).toContain('job="exotel-heartbeat-exporter"');
        }
      }
      if (rule.record !== undefined) seen.add(rule.record);
    }
  });
});

describe.each(alerts.map((a) => [a.alert ?? '', a] as const))('%s', (name, rule) => {
  test('name is CamelCase and starts with Exotel', () => {
    expect(name).toMatch(/^Exotel[A-Z][A-Za-z0-9]*$/);
  });

  test('severity is critical, warning or info', () => {
    expect(SEVERITIES.has(rule.labels?.['severity'] ?? '')).toBe(true);
  });

  test('summary is static and ends with a period', () => {
    const summary = rule.annotations?.['summary'] ?? '';
    expect(summary.length).toBeGreaterThan(0);
    expect(summary).not.toContain('{{');
    expect(summary.endsWith('.')).toBe(true);
  });

  test('description is templated', () => {
    const description = rule.annotations?.['description'] ?? '';
    expect(description).toMatch(/\{\{.+\}\}/s);
  });

  test('runbook_url points at its own section of docs/runbook.md, which exists', () => {
    const anchor = name.toLowerCase();
    expect(rule.annotations?.['runbook_url']).toBe(DEFAULT_RUNBOOK_PATTERN.replace('%s', anchor));
    expect(runbookAnchors.has(anchor)).toBe(true);
  });

  test('its runbook section covers meaning, impact, diagnosis and mitigation', () => {
    const section = runbookSection(name);
    for (const part of ['**Meaning.**', '**Impact.**', '**Diagnosis.**', '**Mitigation.**']) {
      expect(section).toContain(part);
    }
  });

  test('is unit-tested firing (with exact labels and annotations) and quiet', () => {
    const cases = alertTests.filter((t) => t.alertname === name);
    const firing = cases.filter((t) => (t.exp_alerts ?? []).length > 0);
    const quiet = cases.filter((t) => (t.exp_alerts ?? []).length === 0);
    expect(firing.length).toBeGreaterThan(0);
    expect(quiet.length).toBeGreaterThan(0);
    for (const expected of firing.flatMap((t) => t.exp_alerts ?? [])) {
      expect(expected.exp_labels?.['severity']).toBe(rule.labels?.['severity']);
      expect(Object.keys(expected.exp_annotations ?? {}).sort()).toEqual([
        'description',
        'runbook_url',
        'summary',
      ]);
    }
  });

  test('names a replica exactly when it is about one replica', () => {
    const perReplica = PER_REPLICA_ALERTS.includes(name);
    const expected = alertTests
      .filter((t) => t.alertname === name)
      .flatMap((t) => t.exp_alerts ?? []);
    for (const alert of expected) {
      expect(alert.exp_labels?.['instance'] !== undefined, JSON.stringify(alert.exp_labels)).toBe(
        perReplica,
      );
    }
    // No aggregation of a merged alert keeps the replica label.
    if (!perReplica) {
      for (const [, labels] of rule.expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
        expect(labels?.split(',').map((l) => l.trim())).not.toContain('instance');
      }
    }
  });

  test('is listed in the README alerts table', () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(readme).toContain(`| \`${name}\``);
  });
});

describe.each(PER_ACCOUNT_ALERTS)('per-account alert %s', (name) => {
  const rule = alerts.find((a) => a.alert === name);

  test('keeps `account`: no aggregation drops it', () => {
    expect(rule).toBeDefined();
    const expr = rule?.expr ?? '';
    for (const [, labels] of expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
      expect(labels?.split(',').map((l) => l.trim())).toContain('account');
    }
    for (const [, labels] of expr.matchAll(/\bwithout\s*\(([^)]*)\)/g)) {
      expect(labels?.split(',').map((l) => l.trim())).not.toContain('account');
    }
  });

  test('names the account in its description', () => {
    expect(rule?.annotations?.['description']).toContain('{{ $labels.account }}');
  });

  test('fires with an account label in every unit test', () => {
    const expected = alertTests
      .filter((t) => t.alertname === name)
      .flatMap((t) => t.exp_alerts ?? []);
    expect(expected.length).toBeGreaterThan(0);
    for (const alert of expected) expect(alert.exp_labels?.['account']).toMatch(/^[a-z0-9_-]+$/);
  });
});

test('alerts that do not name an account in their description are exactly the non-per-account ones', () => {
  const naming = alerts
    .filter((a) => a.annotations?.['description']?.includes('$labels.account'))
    .map((a) => a.alert);
  expect(naming.sort()).toEqual([...PER_ACCOUNT_ALERTS].sort());
});

test('every `## Exotel…` runbook section belongs to an alert', () => {
  const names = new Set(alerts.map((a) => a.alert));
  const sections = runbookHeadings.filter((h) => h.startsWith('Exotel'));
  expect(sections.filter((s) => !names.has(s))).toEqual([]);
});
