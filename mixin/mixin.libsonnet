// The exotel-heartbeat-exporter monitoring mixin (https://monitoring.mixins.dev layout):
//   prometheusRules     recording rules that merge the replicas of one exporter
//   prometheusAlerts    the alerts (docs/runbook.md has a section per alert)
//   grafanaDashboards   { 'exotel-heartbeat.json': … }
// Override settings with `+ { _config+:: { … } }` (config.libsonnet lists them all).
local validate = import 'lib/validate.libsonnet';

(import 'config.libsonnet') +
(import 'rules/rules.libsonnet') +
(import 'alerts/alerts.libsonnet') +
(import 'dashboards/dashboards.libsonnet') +
{
  // Each output is refused, with the setting named, when _config is wrong.
  local valid = validate(self._config),
  prometheusRules+:: (assert valid; {}),
  prometheusAlerts+:: (assert valid; {}),
  grafanaDashboards+:: (assert valid; {}),
}
