import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { DEFAULTS } from '../../src/config.js';
import { startExporterInProcess, stopAllInProcess } from '../helpers/exporterInProcess.js';

/**
 * The bundled Prometheus and Alertmanager configurations (deploy/): valid for promtool and
 * amtool, routed and inhibited as the README says, and with scrape limits that fit what the
 * exporter really exposes at its per-ExoPhone cap.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROMETHEUS_PATH = join(ROOT, 'deploy/prometheus/prometheus.yml');
const ALERTMANAGER_PATH = join(ROOT, 'deploy/alertmanager/alertmanager.yml');
const JOB = 'exotel-heartbeat-exporter';

function run(
  command: string,
  args: readonly string[],
): { status: number | null; stdout: string; output: string } {
  const result = spawnSync(command, [...args], { cwd: ROOT, encoding: 'utf8' });
  // A missing binary is a failure, never a skip: `.ci/run` installs promtool and amtool.
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
  return {
    status: result.status,
    stdout: result.stdout,
    output: `${result.stdout}${result.stderr}`,
  };
}

interface ScrapeConfig {
  job_name: string;
  static_configs: { targets: string[] }[];
  sample_limit: number;
  label_limit: number;
  label_name_length_limit: number;
  label_value_length_limit: number;
}

interface PrometheusConfig {
  global: Record<string, string>;
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: ScrapeConfig[];
}

interface AlertmanagerConfig {
  route: { group_by: string[]; receiver: string };
  inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
  receivers: { name: string; webhook_configs?: { url: string }[] }[];
}

const prometheusText = readFileSync(PROMETHEUS_PATH, 'utf8');
const prometheus = parse(prometheusText) as PrometheusConfig;
const alertmanager = parse(readFileSync(ALERTMANAGER_PATH, 'utf8')) as AlertmanagerConfig;
const exporterJob = prometheus.scrape_configs.find((c) => c.job_name === JOB);

afterAll(stopAllInProcess);

describe('deploy/prometheus/prometheus.yml', () => {
  test('promtool check config accepts it, with the repository rules in place of the mount', () => {
    // rule_files names /etc/prometheus/rules/*.yml, where docker-compose.yml mounts alerts/.
    // promtool check config loads and checks the rule files too, so check a temporary copy in
    // which only rule_files is rewritten to this repository's alerts/ directory.
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/rules/*.yml']);
    const document = parseDocument(prometheusText);
    document.set('rule_files', [join(ROOT, 'alerts', '*.yml')]);
    const rewritten = document.toString();
    const { rule_files: originalRules, ...originalRest } = prometheus;
    const { rule_files: rewrittenRules, ...rewrittenRest } = parse(rewritten) as PrometheusConfig;
    expect(rewrittenRest).toEqual(originalRest);
    expect(rewrittenRules).not.toEqual(originalRules);

    const dir = mkdtempSync(join(tmpdir(), 'exotel-prometheus-'));
    try {
      const copy = join(dir, 'prometheus.yml');
      writeFileSync(copy, rewritten);
      const result = run('promtool', ['check', 'config', copy]);
      expect(result, result.output).toMatchObject({ status: 0 });
      // The rules were really loaded and checked, not skipped.
      expect(result.output).toContain(join(ROOT, 'alerts', 'exotel.rules.yml'));
      expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('scrapes the exporter as the job the rules select, and sends alerts to Alertmanager', () => {
    expect(exporterJob?.static_configs).toEqual([{ targets: ['exporter:9747'] }]);
    expect(prometheus.alerting.alertmanagers).toEqual([
      { static_configs: [{ targets: ['alertmanager:9093'] }] },
    ]);
    const rules = readFileSync(join(ROOT, 'alerts/exotel.rules.yml'), 'utf8');
    expect(rules).toContain(`job="${JOB}"`);
  });

  test('the limits fit a real exposition with one account at the per-ExoPhone cap', async () => {
    // Longest values the exporter accepts: a 63-character account, 64-character SIDs, 16-character
    // phone numbers. One more SID than the cap, so the cap is reached.
    const account = 'a'.repeat(63);
    const sids = Array.from({ length: DEFAULTS.maxSidSeries + 1 }, (_, i) =>
      String(i).padStart(64, 'S'),
    );
    const data = Object.fromEntries(
      sids.map((sid, i) => [sid, { phone_number: `+9${String(i).padStart(14, '1')}` }]),
    );
    const heartbeat = {
      timestamp: '2026-01-01T10:00:00Z',
      status_type: 'WARNING',
      incoming_affected: sids,
      outgoing_affected: [],
      data,
    };
    const exporter = await startExporterInProcess({ BUILD_REVISION: 'f'.repeat(40) });
    try {
      const posted = await fetch(`${exporter.url}/heartbeat/${account}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(heartbeat),
      });
      expect(posted.status).toBe(200);

      for (const accept of ['text/plain', 'application/openmetrics-text; version=1.0.0']) {
        const response = await fetch(`${exporter.url}/metrics`, { headers: { accept } });
        const samples = (await response.text())
          .split('\n')
          .filter((line) => line !== '' && !line.startsWith('#'));
        expect(
          samples.filter((s) => s.startsWith('exotel_exophone_affected{')).length,
          'the exposition is at the cap',
        ).toBe(DEFAULTS.maxSidSeries);

        const limits = measure(samples);
        // Prometheus adds job and instance, and counts __name__ among the labels.
        expect(exporterJob?.sample_limit).toBeGreaterThanOrEqual(Math.ceil(samples.length * 1.1));
        expect(exporterJob?.label_limit).toBeGreaterThanOrEqual(limits.labels + 1 + 2);
        expect(exporterJob?.label_name_length_limit).toBeGreaterThanOrEqual(
          Math.max(limits.nameLength, 'instance'.length),
        );
        expect(exporterJob?.label_value_length_limit).toBeGreaterThanOrEqual(
          Math.max(limits.valueLength, limits.metricNameLength, JOB.length),
        );
      }
    } finally {
      await exporter.stop();
    }
  });
});

/** Label count, longest label name and value, and longest metric name in exposition lines. */
function measure(samples: readonly string[]): {
  labels: number;
  nameLength: number;
  valueLength: number;
  metricNameLength: number;
} {
  const result = { labels: 0, nameLength: 0, valueLength: 0, metricNameLength: 0 };
  for (const sample of samples) {
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(sample)?.[0] ?? '';
    result.metricNameLength = Math.max(result.metricNameLength, name.length);
    // Label values here never contain `"` (SIDs, accounts and phone numbers cannot).
    const pairs = [...sample.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)];
    result.labels = Math.max(result.labels, pairs.length);
    for (const [, labelName, value] of pairs) {
      result.nameLength = Math.max(result.nameLength, labelName?.length ?? 0);
      result.valueLength = Math.max(result.valueLength, value?.length ?? 0);
    }
  }
  return result;
}

describe('deploy/alertmanager/alertmanager.yml', () => {
  test('amtool check-config accepts it', () => {
    const result = run('amtool', ['check-config', 'deploy/alertmanager/alertmanager.yml']);
    expect(result, result.output).toMatchObject({ status: 0 });
    expect(result.output).toContain('SUCCESS');
  });

  test.each([
    ['critical', 'pager'],
    ['warning', 'ticket'],
    ['info', 'null'],
  ])('routes severity=%s to %s', (severity, receiver) => {
    const result = run('amtool', [
      'config',
      'routes',
      'test',
      '--config.file=deploy/alertmanager/alertmanager.yml',
      `severity=${severity}`,
      'alertname=ExotelStatusWarning',
      'account=acme',
    ]);
    expect(result.status, result.output).toBe(0);
    // stdout is the receiver list, one per line (stderr has a warning about --alertmanager.url).
    expect(result.stdout.trim().split('\n')).toEqual([receiver]);
  });

  test('groups by alert name and account', () => {
    expect(alertmanager.route.group_by).toEqual(['alertname', 'account']);
  });

  test('a critical alert inhibits the warnings of the same account only', () => {
    expect(alertmanager.inhibit_rules).toHaveLength(1);
    const [rule] = alertmanager.inhibit_rules;
    expect(rule?.equal).toEqual(['account']);
    expect(rule?.source_matchers).toContain('severity="critical"');
    expect(rule?.target_matchers).toContain('severity="warning"');
    // The source must carry an account, so the exporter's own alerts (no account) never mute
    // anything through an "equal because both empty" match.
    expect(rule?.source_matchers).toContain('account=~".+"');
  });

  test('webhook receivers are placeholders to replace', () => {
    const urls = alertmanager.receivers.flatMap((r) => r.webhook_configs ?? []).map((w) => w.url);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(new URL(url).hostname).toBe('example.invalid');
  });
});
