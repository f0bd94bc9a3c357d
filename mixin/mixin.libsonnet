// The exotel-heartbeat-exporter monitoring mixin (https://monitoring.mixins.dev layout):
//   prometheusRules     recording rules that merge the replicas of one exporter
//   prometheusAlerts    the alerts (docs/runbook.md has a section per alert)
//   grafanaDashboards   { 'exotel-heartbeat.json': … }
// Override settings with `+ { _config+:: { … } }` (config.libsonnet lists them all).
(import 'config.libsonnet') +
(import 'rules/rules.libsonnet') +
(import 'alerts/alerts.libsonnet') +
(import 'dashboards/dashboards.libsonnet') +
(import 'lib/validate.libsonnet')
