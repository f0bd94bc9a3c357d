(import 'merge.libsonnet')
