// Just enough of Grafana's dashboard JSON model (schemaVersion 39) to build this dashboard in
// plain jsonnet (grafonnet is not a dependency). Every panel uses the `$datasource` variable.
{
  datasource:: { type: 'prometheus', uid: '${datasource}' },

  target(refId, expr, legend='', instant=false, format=null):: {
    refId: refId,
    datasource: $.datasource,
    editorMode: 'code',
    expr: expr,
    legendFormat: legend,
    range: !instant,
    instant: instant,
  } + (if format == null then {} else { format: format }),

  // Targets from [expr, legend] pairs, refIds A, B, C…
  targets(pairs, instant=false, format=null)::
    [
      $.target(std.char(65 + i), pairs[i][0], pairs[i][1], instant, format)
      for i in std.range(0, std.length(pairs) - 1)
    ],

  thresholds(steps):: {
    mode: 'absolute',
    steps: [{ color: s[0], value: s[1] } for s in steps],
  },

  valueMappings(options):: [{ type: 'value', options: options }],

  row(title, y):: {
    type: 'row',
    title: title,
    collapsed: false,
    gridPos: { h: 1, w: 24, x: 0, y: y },
    panels: [],
  },

  panel(type, title, description, gridPos, targets):: {
    type: type,
    title: title,
    description: description,
    datasource: $.datasource,
    gridPos: gridPos,
    targets: targets,
  },

  stat(title, description, gridPos, targets, unit, steps, mappings=[], decimals=null)::
    $.panel('stat', title, description, gridPos, targets) {
      fieldConfig: {
        defaults: {
          unit: unit,
          color: { mode: 'thresholds' },
          thresholds: $.thresholds(steps),
          mappings: mappings,
        } + (if decimals == null then {} else { decimals: decimals }),
        overrides: [],
      },
      options: {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        orientation: 'auto',
        textMode: 'value_and_name',
        colorMode: 'background',
        graphMode: 'none',
        justifyMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    },

  timeseries(title, description, gridPos, targets, unit, interpolation='linear', fill=10,
             steps=[['green', null]], thresholdsStyle='off', decimals=null, overrides=[])::
    $.panel('timeseries', title, description, gridPos, targets) {
      fieldConfig: {
        defaults: {
          unit: unit,
          min: 0,
          color: { mode: 'palette-classic' },
          custom: {
            drawStyle: 'line',
            lineInterpolation: interpolation,
            lineWidth: 1,
            fillOpacity: fill,
            gradientMode: 'none',
            showPoints: 'never',
            pointSize: 4,
            spanNulls: false,
            stacking: { mode: 'none', group: 'A' },
            axisPlacement: 'auto',
            axisLabel: '',
            axisSoftMin: 0,
            scaleDistribution: { type: 'linear' },
            thresholdsStyle: { mode: thresholdsStyle },
            hideFrom: { legend: false, tooltip: false, viz: false },
          },
          thresholds: $.thresholds(steps),
          mappings: [],
        } + (if decimals == null then {} else { decimals: decimals }),
        overrides: overrides,
      },
      options: {
        legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] },
        tooltip: { mode: 'multi', sort: 'desc' },
      },
    },

  // A query variable as grafana/dashboard-linter wants it: multi-select, "All" = `.+`,
  // refreshed on every time range change, from the `$datasource`.
  queryVariable(name, label, description, query):: {
    name: name,
    label: label,
    description: description,
    type: 'query',
    datasource: $.datasource,
    definition: query,
    query: { query: query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    current: { selected: true, text: ['All'], value: ['$__all'] },
    hide: 0,
    includeAll: true,
    allValue: '.+',
    multi: true,
    options: [],
    refresh: 2,
    regex: '',
    skipUrlSync: false,
    sort: 1,
  },

  datasourceVariable:: {
    name: 'datasource',
    label: 'Data source',
    type: 'datasource',
    query: 'prometheus',
    current: {},
    hide: 0,
    includeAll: false,
    multi: false,
    options: [],
    refresh: 1,
    regex: '',
    skipUrlSync: false,
  },

  // Numbers panels 1, 2, 3… in order (rows included).
  withIds(panels):: [panels[i] { id: i + 1 } for i in std.range(0, std.length(panels) - 1)],
}
