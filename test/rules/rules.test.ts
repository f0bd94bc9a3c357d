import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';

/**
 * The bundled alerting rules: promtool validates and unit-tests them (exotel.rules.test.yml), and
 * this file re-checks the monitoring-mixin conventions (mixtool lint) on every rule, the runbook
 * they link to, and the adjustment instructions at the top of the rules file.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RULES_PATH = join(ROOT, 'alerts/exotel.rules.yml');
const RULE_TESTS_PATH = join(ROOT, 'test/rules/exotel.rules.test.yml');
const RUNBOOK_PATH = join(ROOT, 'docs/runbook.md');
const README_PATH = join(ROOT, 'README.md');

const RUNBOOK_BASE =
  'https://github.com/exotel-heartbeat-exporter/exotel-heartbeat-exporter/blob/main/docs/runbook.md#';
const JOB_SELECTOR = 'job="exotel-heartbeat-exporter"';
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

interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RuleFile {
  groups: { name: string; rules: (AlertingRule | { record: string; expr: string })[] }[];
}

interface ExpAlert {
  exp_labels?: Record<string, string>;
  exp_annotations?: Record<string, string>;
}

interface RuleTestFile {
  rule_files: string[];
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
const ruleFile = parse(rulesText) as RuleFile;
const alerts = ruleFile.groups.flatMap((group) =>
  group.rules.filter((rule): rule is AlertingRule => 'alert' in rule),
);
const ruleTests = parse(readFileSync(RULE_TESTS_PATH, 'utf8')) as RuleTestFile;
const alertTests = ruleTests.tests.flatMap((t) => t.alert_rule_test ?? []);
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

describe('promtool', () => {
  test('check rules accepts alerts/exotel.rules.yml', () => {
    const result = run('promtool', ['check', 'rules', 'alerts/exotel.rules.yml']);
    expect(result, result.output).toMatchObject({ status: 0 });
    expect(result.output).toContain(`SUCCESS: ${alerts.length} rules found`);
  });

  test('test rules passes every unit test in test/rules/exotel.rules.test.yml', () => {
    const result = run('promtool', ['test', 'rules', 'test/rules/exotel.rules.test.yml']);
    expect(result, result.output).toMatchObject({ status: 0 });
    expect(result.output).toContain('SUCCESS');
    expect(result.output).not.toContain('FAILED');
  });

  test('the unit tests load the rules file under test', () => {
    expect(ruleTests.rule_files).toEqual(['../../alerts/exotel.rules.yml']);
  });
});

describe('rules file', () => {
  test('contains the alerts the runbook and README describe, each once', () => {
    const names = alerts.map((a) => a.alert);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        ...PER_ACCOUNT_ALERTS,
        'ExotelExporterDown',
        'ExotelExporterAbsent',
        'ExotelHeartbeatsRejected',
        'ExotelStatePersistenceFailing',
      ]),
    );
  });

  test('has only alerting rules', () => {
    const all = ruleFile.groups.flatMap((g) => g.rules);
    expect(all.length).toBe(alerts.length);
  });
});

describe.each(alerts.map((a) => [a.alert, a] as const))('%s', (name, rule) => {
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
    expect(rule.annotations?.['runbook_url']).toBe(`${RUNBOOK_BASE}${anchor}`);
    expect(runbookAnchors.has(anchor)).toBe(true);
  });

  test('its runbook section covers meaning, impact, diagnosis and mitigation', () => {
    const section = runbookSection(name);
    for (const part of ['**Meaning.**', '**Impact.**', '**Diagnosis.**', '**Mitigation.**']) {
      expect(section).toContain(part);
    }
  });

  test('every vector selector carries the job selector', () => {
    // Metric names followed by a selector, and metric names not followed by one.
    const selectors = [...rule.expr.matchAll(/\b(exotel_[a-z_]+|up)\s*\{([^}]*)\}/g)];
    expect(selectors.length).toBeGreaterThan(0);
    for (const [, , matchers] of selectors) expect(matchers).toContain(JOB_SELECTOR);
    expect(rule.expr).not.toMatch(/\b(exotel_[a-z_]+|up)\b(?!\s*\{)/);
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

describe('adjustment instructions at the top of the rules file', () => {
  const header = rulesText.slice(0, rulesText.indexOf('\ngroups:'));
  const documented = new Map(
    [...header.matchAll(/^# {3}([a-z_]+) +(\d+m?) +\S/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
  const markers = [...rulesText.matchAll(/(\S+) # THRESHOLD:([a-z_]+)$/gm)].map((m) => ({
    value: m[1] ?? '',
    name: m[2] ?? '',
  }));

  test('every threshold marker is documented with its current value, and only those', () => {
    expect(markers.length).toBeGreaterThan(0);
    for (const { name, value } of markers)
      expect({ name, value: documented.get(name) }).toEqual({
        name,
        value,
      });
    expect([...documented.keys()].sort()).toEqual([...new Set(markers.map((m) => m.name))].sort());
  });

  test('the documented sed commands change the job selector and a threshold, and the result is valid', () => {
    const commands = [...header.matchAll(/^# +(sed -i .+) alerts\/exotel\.rules\.yml$/gm)].map(
      (m) => m[1] ?? '',
    );
    expect(commands.length).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), 'exotel-rules-'));
    try {
      const copy = join(dir, 'exotel.rules.yml');
      writeFileSync(copy, rulesText);
      for (const command of commands) {
        const result = spawnSync('sh', ['-c', `${command} "$1"`, 'sh', copy], { encoding: 'utf8' });
        expect(result.status, result.stderr).toBe(0);
      }
      const edited = readFileSync(copy, 'utf8');
      const editedRules = (parse(edited) as RuleFile).groups.flatMap((g) => g.rules);
      for (const rule of editedRules) {
        expect(rule.expr).not.toContain(JOB_SELECTOR);
        expect(rule.expr).toContain('job="my-job"');
      }
      expect(edited).toContain('> 1800 # THRESHOLD:heartbeat_missing_seconds');
      expect(edited).not.toContain('> 900 # THRESHOLD:heartbeat_missing_seconds');
      const check = run('promtool', ['check', 'rules', copy]);
      expect(check, check.output).toMatchObject({ status: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
