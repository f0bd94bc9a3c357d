// Refuses a _config that would render rules that silently match nothing or break, naming the
// setting. A function of the effective _config, true when it is valid; mixin.libsonnet checks it
// once per output (object-level assertions would be re-checked on every field access).
local all(list) = std.foldl(function(a, b) a && b, list, true);
local isStringList(v) = std.isArray(v) && std.length(v) > 0 && all([std.isString(x) && x != '' for x in v]);
local isDuration(v) = std.isString(v) && std.length(v) > 1 &&
                      std.member(['s', 'm', 'h', 'd'], v[std.length(v) - 1]) &&
                      all([std.member('0123456789', c) for c in std.stringChars(v[:std.length(v) - 1])]);

function(c)
  assert std.isString(c.exotelSelector) && c.exotelSelector != '' &&
         std.length(std.findSubstr('{', c.exotelSelector)) == 0 && std.length(std.findSubstr('}', c.exotelSelector)) == 0 :
         '_config.exotelSelector must be label matchers without braces, e.g. job="exotel-exporter",namespace="monitoring"; got %s' % [std.toString(c.exotelSelector)];
  assert isStringList(c.groupLabels) : '_config.groupLabels must be a non-empty list of label names, e.g. ["job"]; got %s' % [std.toString(c.groupLabels)];
  assert isStringList(c.instanceLabels) : '_config.instanceLabels must be a non-empty list of label names, e.g. ["instance"]; got %s' % [std.toString(c.instanceLabels)];
  assert std.length([l for l in c.instanceLabels if std.member(c.groupLabels, l)]) == 0 :
         '_config.instanceLabels and _config.groupLabels must not share a label (replicas differ in one, share the other)';
  assert std.isString(c.runbookURLPattern) && std.length(std.findSubstr('%s', c.runbookURLPattern)) == 1 :
         '_config.runbookURLPattern must contain %%s exactly once (the alert name in lower case); got %s' % [std.toString(c.runbookURLPattern)];
  assert std.isNumber(c.heartbeatIntervalSeconds) && c.heartbeatIntervalSeconds > 0 :
         '_config.heartbeatIntervalSeconds must be a positive number of seconds; got %s' % [std.toString(c.heartbeatIntervalSeconds)];
  assert all([isDuration(c[k]) for k in std.objectFields(c) if std.endsWith(k, 'For') || std.endsWith(k, 'Window')]) :
         '_config: every *For and *Window must be a Prometheus duration like "15m"; got %s' % [std.toString({ [k]: c[k] for k in std.objectFields(c) if (std.endsWith(k, 'For') || std.endsWith(k, 'Window')) && !isDuration(c[k]) })];
  true
