(import 'exotel-heartbeat.libsonnet')
