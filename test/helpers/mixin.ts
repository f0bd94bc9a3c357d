/**
 * Rendering the monitoring mixin (mixin/) for tests: the committed files use the default
 * `_config`; tests that need another one (short `for` durations in an end-to-end test, another
 * job, a runbook URL pointing at a live exporter) render their own with these.
 *
 *   renderMixin({ statusCriticalFor: '0m', exporterDownFor: '30s' })  → groups and dashboards
 *   writeRulesFile(dir, overrides)                                    → <dir>/exotel.rules.yml
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMixin, rulesYaml, type MixinConfig } from '../../scripts/mixin.js';

export {
  OUTPUTS,
  ROOT,
  renderMixin,
  renderOutputs,
  rulesYaml,
  type MixinConfig,
  type RenderedMixin,
  type Rule,
  type RuleGroup,
} from '../../scripts/mixin.js';

/**
 * Renders the recording and alerting rules for `overrides` into `<dir>/exotel.rules.yml` (one
 * file, as Prometheus loads the committed one) and returns its path.
 */
export function writeRulesFile(dir: string, overrides: MixinConfig = {}): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'exotel.rules.yml');
  writeFileSync(path, rulesYaml(renderMixin(overrides)));
  return path;
}

/**
 * A kube-prometheus deployment: a ServiceMonitor for the Service `exotel-exporter` in namespace
 * `monitoring` (so that is the job), pods as replicas, Exotel sending every 10 minutes, runbooks
 * on a wiki. README "Alerts" shows the same overrides; test/rules/kube-prometheus.rules.test.yml
 * tests the rules they render.
 */
export const KUBE_PROMETHEUS_CONFIG: MixinConfig = {
  exotelSelector: 'job="exotel-exporter",namespace="monitoring"',
  groupLabels: ['job', 'namespace'],
  instanceLabels: ['instance', 'pod'],
  heartbeatIntervalSeconds: 600,
  runbookURLPattern: 'https://wiki.example.com/runbooks/exotel#%s',
};
