(import 'heartbeat.libsonnet') + (import 'exporter.libsonnet')
