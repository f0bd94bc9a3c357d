// Small PromQL builders shared by the rules, the alerts and the dashboard.
{
  // `{<exotelSelector>,<extra>}`: the selector of every raw series of the exporter.
  selector(config, extra=''):: '{%s}' % std.join(',', std.filter(function(s) s != '', [config.exotelSelector, extra])),

  // A comma-separated label list for by (…) / on (…).
  labels(list):: std.join(', ', list),

  // The labels of one exporter (its replicas merged) plus `more`.
  group(config, more=[]):: self.labels(config.groupLabels + more),

  // The labels of one replica plus `more`.
  replica(config, more=[]):: self.labels(config.groupLabels + config.instanceLabels + more),

  // "job exotel-heartbeat-exporter, namespace monitoring": the group labels of an alert, for
  // annotations.
  groupDescription(config):: std.join(', ', ['%s {{ $labels.%s }}' % [l, l] for l in config.groupLabels]),

  // "exporter:8747": the replica labels of an alert, for annotations.
  replicaDescription(config):: std.join(' ', ['{{ $labels.%s }}' % l for l in config.instanceLabels]),
}
