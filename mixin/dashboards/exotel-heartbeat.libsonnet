// The "Exotel heartbeat" dashboard. Every query selects raw series by the mixin's exotelSelector
// and the dashboard's $job and $instance variables (grafana/dashboard-linter's target rules), so
// it also works where the recording rules are not loaded. Per-account panels merge the selected
// replicas in the query, exactly as rules/merge.libsonnet does ("freshest wins"); one panel shows
// how far each replica's applied heartbeat is behind the freshest.
local g = import 'grafana.libsonnet';
local p = import '../lib/promql.libsonnet';

{
  grafanaDashboards+:: {
    local c = $._config,
    local G = p.group(c),
    local GA = p.group(c, ['account']),
    local RA = p.labels(c.groupLabels + ['instance', 'account']),
    local missingMinutes = std.floor(c.heartbeatMissingSeconds / 60),
    local intervalMinutes = std.floor(c.heartbeatIntervalSeconds / 60),

    // A raw series of the exporter, filtered by the selector and the dashboard's variables.
    local s(metric, extra='') = metric + p.selector(c, std.join(',', std.filter(
      function(m) m != '',
      ['job=~"$job"', 'instance=~"$instance"', extra]
    ))),
    local a(metric, extra='') = s(metric, std.join(',', std.filter(function(m) m != '', ['account=~"$account"', extra]))),

    // The replica(s) holding the newest applied heartbeat / the newest per-ExoPhone detail of
    // each account: `X and on (…) <freshest>` keeps X from those replicas only.
    local freshest(metric) = |||
      (
        %(m)s
        == on (%(ga)s) group_left ()
        max by (%(ga)s) (%(m)s)
      )
    ||| % { m: a(metric), ga: GA },
    local freshestHeartbeat = freshest('exotel_heartbeat_timestamp_seconds'),
    local freshestDetail = freshest('exotel_exophone_details_timestamp_seconds'),

    local statusValue = |||
      max by (%(ga)s) (
        (
            0 * (%(ok)s == 1)
          or
            1 * (%(warning)s == 1)
          or
            2 * (%(ptl)s == 1)
          or
            3 * (%(critical)s == 1)
        )
        and on (%(ra)s)
        %(freshest)s
        or
        (%(received)s == 0) - 1
      )
    ||| % {
      ga: GA,
      ra: RA,
      ok: a('exotel_heartbeat_status', 'status="OK"'),
      warning: a('exotel_heartbeat_status', 'status="WARNING"'),
      ptl: a('exotel_heartbeat_status', 'status="PAYLOAD_TOO_LARGE"'),
      critical: a('exotel_heartbeat_status', 'status="CRITICAL"'),
      freshest: std.rstripChars(freshestHeartbeat, '\n'),
      received: a('exotel_heartbeat_last_received_timestamp_seconds'),
    },
    local lastReceived = 'max by (%s) (%s)' % [GA, a('exotel_heartbeat_last_received_timestamp_seconds')],
    local affectedCounts = |||
      max by (%(gad)s) (
        %(counts)s
        and on (%(ra)s)
        %(freshest)s
      )
    ||| % {
      gad: p.group(c, ['account', 'direction']),
      counts: a('exotel_exophones_affected'),
      ra: RA,
      freshest: std.rstripChars(freshestDetail, '\n'),
    },
    local pair = p.group(c, ['account', 'sid', 'phone_number', 'direction']),
    local affectedSince = |||
      (
        min by (%(pair)s) (%(since)s)
        and on (%(pair)s)
        (
          %(since)s
          and on (%(ra)s)
          %(freshest)s
        )
      )
    ||| % {
      pair: pair,
      since: a('exotel_exophone_affected_since_timestamp_seconds'),
      ra: RA,
      freshest: std.rstripChars(freshestDetail, '\n'),
    },
    local rate(metric, by, extra='', account=true) =
      '60 * sum by (%s) (rate(%s[$__rate_interval]))' % [by, (if account then a else s)(metric, extra)],

    local statusMappings = g.valueMappings({
      '0': { text: 'OK', color: 'green', index: 1 },
      '1': { text: 'WARNING', color: 'yellow', index: 2 },
      '2': { text: 'PAYLOAD_TOO_LARGE', color: 'purple', index: 3 },
      '3': { text: 'CRITICAL', color: 'red', index: 4 },
      '-1': { text: 'NO HEARTBEAT YET', color: 'blue', index: 0 },
    }),
    local statusDescription = "Computed from exotel_heartbeat_status (a state set: 1 for the applied heartbeat's status_type) of the replica(s) holding the newest applied heartbeat (exotel_heartbeat_timestamp_seconds), and, for accounts that no replica has ever received a heartbeat for, exotel_heartbeat_last_received_timestamp_seconds == 0 (shown as NO HEARTBEAT YET; the account `default` always exists and stays there when Exotel posts to /heartbeat/<account>). PAYLOAD_TOO_LARGE means Exotel's list of affected ExoPhones exceeded 10 MB: treat it as a large outage, and see the detail-age panel.",

    'exotel-heartbeat.json': {
      uid: c.dashboardUid,
      title: c.dashboardTitle,
      description: "ExoPhone health from Exotel heartbeats, as exposed by exotel-heartbeat-exporter (its replicas merged: the freshest wins), and the exporter's own health.",
      tags: c.dashboardTags,
      editable: false,
      graphTooltip: 1,
      liveNow: false,
      refresh: c.dashboardRefresh,
      schemaVersion: 39,
      version: 1,
      time: { from: c.dashboardPeriod, to: 'now' },
      timepicker: {},
      timezone: c.dashboardTimezone,
      fiscalYearStartMonth: 0,
      weekStart: '',
      id: null,
      links: [],
      annotations: {
        list: [{
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        }],
      },
      templating: {
        list: [
          g.datasourceVariable,
          g.queryVariable(
            'job',
            'Job',
            'The Prometheus job(s) that scrape the exporter, among the targets the mixin selects (%s).' % c.exotelSelector,
            'label_values(up%s, job)' % p.selector(c),
          ),
          g.queryVariable(
            'instance',
            'Instance',
            'The exporter replicas (scrape targets) to show. Per-account panels merge the selected replicas: the one with the newest heartbeat wins.',
            'label_values(up%s, instance)' % p.selector(c, 'job=~"$job"'),
          ),
          g.queryVariable(
            'account',
            'Account',
            'Exotel accounts (the path segment of POST /heartbeat/<account>).',
            'label_values(%s, account)' % s('exotel_heartbeat_status'),
          ),
        ],
      },
      panels: g.withIds([
        g.row('Status', 0),
        g.stat(
          'Current status',
          'The status_type of the latest applied Exotel heartbeat, per account. ' + statusDescription,
          { h: 7, w: 6, x: 0, y: 1 },
          g.targets([[statusValue, '{{account}}']], instant=true),
          'none',
          [['text', null]],
          statusMappings,
        ),
        g.panel('state-timeline', 'Status over time', 'The status_type of the applied Exotel heartbeat over time, one row per account. ' + statusDescription + ' Gaps mean Prometheus had no data (exporter down or not scraped).', { h: 7, w: 18, x: 6, y: 1 }, g.targets([[statusValue, '{{account}}']])) {
          fieldConfig: {
            defaults: {
              unit: 'none',
              color: { mode: 'thresholds' },
              thresholds: g.thresholds([['text', null]]),
              mappings: statusMappings,
              custom: {
                fillOpacity: 80,
                lineWidth: 0,
                spanNulls: false,
                hideFrom: { legend: false, tooltip: false, viz: false },
              },
            },
            overrides: [],
          },
          options: {
            mergeValues: true,
            showValue: 'auto',
            alignValue: 'left',
            rowHeight: 0.9,
            legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
            tooltip: { mode: 'single', sort: 'none' },
          },
        },
        g.stat(
          'Time since the last heartbeat',
          'How long ago any selected replica last received a valid heartbeat for the account (its own clock; duplicates and late arrivals count, as they prove Exotel reaches it). Red from %d minutes: the ExotelHeartbeatMissing threshold. "never" means no heartbeat since the state began.' % missingMinutes,
          { h: 7, w: 6, x: 0, y: 8 },
          g.targets([['(time() - (%s > 0))\nor\n(%s == 0) - 1' % [lastReceived, lastReceived], '{{account}}']], instant=true),
          's',
          [['green', null], ['red', c.heartbeatMissingSeconds]],
          g.valueMappings({ '-1': { text: 'never', color: 'blue', index: 0 } }),
          decimals=0,
        ),
        g.timeseries(
          'Heartbeat age',
          'Seconds since any selected replica last received a valid heartbeat for the account, by the exporter\'s clock (time() - exotel_heartbeat_last_received_timestamp_seconds, the latest over the replicas; accounts that never received one are left out). With a %d-minute Exotel interval it saw-tooths between 0 and %d minutes. The red line is the ExotelHeartbeatMissing threshold: %d minutes.' % [intervalMinutes, intervalMinutes, missingMinutes],
          { h: 7, w: 18, x: 6, y: 8 },
          g.targets([['time() - (%s > 0)' % lastReceived, '{{account}}']]),
          's',
          fill=0,
          steps=[['transparent', null], ['red', c.heartbeatMissingSeconds]],
          thresholdsStyle='line+area',
        ),
        g.row('Affected ExoPhones', 15),
        g.stat(
          'Affected ExoPhones now',
          'How many ExoPhones the latest per-ExoPhone detail lists as affected, per direction, summed over the selected accounts (exotel_exophones_affected of the replica(s) with the newest detail; exact even when per-ExoPhone series are capped). Incoming: the number cannot receive calls; outgoing: it cannot place them.',
          { h: 8, w: 6, x: 0, y: 16 },
          g.targets([['sum by (direction) (\n%s)' % affectedCounts, '{{direction}}']], instant=true),
          'short',
          [['green', null], ['red', 1]],
          decimals=0,
        ),
        g.timeseries(
          'Affected ExoPhones over time',
          'Affected ExoPhones per account and direction (exotel_exophones_affected of the replica(s) with the newest detail). The dashed series, when present, count affected (SID, direction) pairs left out of the per-ExoPhone series and the table below by the series cap (exotel_exophone_series_dropped).',
          { h: 8, w: 18, x: 6, y: 16 },
          g.targets([
            [affectedCounts, '{{account}} {{direction}}'],
            ['max by (%s) (%s) > 0' % [GA, a('exotel_exophone_series_dropped')], '{{account}} left out of per-ExoPhone series'],
          ]),
          'short',
          interpolation='stepAfter',
          decimals=0,
          overrides=[{
            matcher: { id: 'byFrameRefID', options: 'B' },
            properties: [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }],
          }],
        ),
        g.panel('table', 'ExoPhones affected now', "Every ExoPhone the latest per-ExoPhone detail lists as affected, per direction, with how long it has been affected: time() - exotel_exophone_affected_since_timestamp_seconds (at least 0, in case Exotel's clock runs ahead), where the streak starts at the first heartbeat listing it (Exotel's clock): the earliest over the replicas that list it, so a replica that restarted empty does not restart the clock. An empty phone number means Exotel listed the SID without its details. During PAYLOAD_TOO_LARGE this is the last detail known. Only pairs within the exporter's per-ExoPhone series cap.", { h: 10, w: 24, x: 0, y: 24 }, g.targets([
          ['clamp_min(time() - %s, 0)' % std.rstripChars(affectedSince, '\n'), ''],
          ['1000 * %s' % std.rstripChars(affectedSince, '\n'), ''],
        ], instant=true, format='table')) {
          fieldConfig: {
            defaults: {
              unit: 's',
              decimals: 0,
              color: { mode: 'thresholds' },
              thresholds: g.thresholds([['green', null]]),
              mappings: [],
              custom: { align: 'auto', cellOptions: { type: 'auto' }, inspect: false, filterable: true },
            },
            overrides: [
              { matcher: { id: 'byName', options: 'Affected since' }, properties: [{ id: 'unit', value: 'dateTimeAsIso' }] },
              { matcher: { id: 'byName', options: 'Affected for' }, properties: [{ id: 'unit', value: 's' }] },
            ],
          },
          options: {
            showHeader: true,
            cellHeight: 'sm',
            footer: { show: false, reducer: ['sum'], countRows: false, fields: '' },
            sortBy: [{ displayName: 'Affected for', desc: true }],
          },
          transformations: [
            { id: 'merge', options: {} },
            {
              id: 'organize',
              options: {
                excludeByName: { Time: true, __name__: true } + { [l]: true for l in c.groupLabels + ['instance'] },
                indexByName: { account: 0, sid: 1, phone_number: 2, direction: 3, 'Value #A': 4, 'Value #B': 5 },
                renameByName: {
                  account: 'Account',
                  sid: 'SID',
                  phone_number: 'Phone number',
                  direction: 'Direction',
                  'Value #A': 'Affected for',
                  'Value #B': 'Affected since',
                },
              },
            },
          ],
        },
        g.timeseries(
          'Age of the applied heartbeat and of the per-ExoPhone detail',
          "By Exotel's clock, the freshest over the selected replicas: time() - exotel_heartbeat_timestamp_seconds (the applied heartbeat) and time() - exotel_exophone_details_timestamp_seconds (the heartbeat the per-ExoPhone series and counts come from). They move together until Exotel sends PAYLOAD_TOO_LARGE, which carries no detail: then the detail age keeps growing. Zero timestamps (never) are left out.",
          { h: 7, w: 12, x: 0, y: 34 },
          g.targets([
            ['time() - (max by (%s) (%s) > 0)' % [GA, a('exotel_heartbeat_timestamp_seconds')], '{{account}} applied heartbeat'],
            ['time() - (max by (%s) (%s) > 0)' % [GA, a('exotel_exophone_details_timestamp_seconds')], '{{account}} per-ExoPhone detail'],
          ]),
          's',
        ),
        g.timeseries(
          'Replicas behind the freshest',
          "How far each replica's applied heartbeat (exotel_heartbeat_timestamp_seconds, Exotel's clock) is behind the freshest replica's, per account: 0 on the replica(s) holding the newest heartbeat. A replica that stays behind is not receiving heartbeats (round-robin balancing gives each replica only some: it catches up at its next one); the merged panels and alerts follow the freshest replica.",
          { h: 7, w: 12, x: 12, y: 34 },
          g.targets([[
            'max by (%(ga)s) (%(ts)s)\n- on (%(ga)s) group_right ()\n%(ts)s' % { ga: GA, ts: a('exotel_heartbeat_timestamp_seconds') },
            '{{instance}} {{account}}',
          ]]),
          's',
        ),
        g.row('Heartbeat traffic', 41),
        g.timeseries(
          'Heartbeats received',
          'Valid heartbeats received per minute, by replica, account and status_type (exotel_heartbeats_received_total), including retries and late arrivals. A %d-minute Exotel interval is about %g per minute per account on a replica that receives every heartbeat.' % [intervalMinutes, 60 / c.heartbeatIntervalSeconds],
          { h: 8, w: 12, x: 0, y: 42 },
          g.targets([[rate('exotel_heartbeats_received_total', 'instance, account, status'), '{{instance}} {{account}} {{status}}']]),
          'cpm',
        ),
        g.timeseries(
          'Duplicates, conflicts and out-of-order heartbeats',
          'Per minute, by replica and account. Duplicate: a retry of the applied heartbeat (same timestamp and content), ignored. Conflict: same timestamp, different content, applied (the later arrival wins). Out of order: older than the applied heartbeat, ignored. All are answered 200.',
          { h: 8, w: 12, x: 12, y: 42 },
          g.targets([
            [rate('exotel_heartbeats_duplicate_total', 'instance, account'), '{{instance}} {{account}} duplicate'],
            [rate('exotel_heartbeats_conflict_total', 'instance, account'), '{{instance}} {{account}} conflict'],
            [rate('exotel_heartbeats_out_of_order_total', 'instance, account'), '{{instance}} {{account}} out of order'],
          ]),
          'cpm',
        ),
        g.timeseries(
          'Rejected heartbeat requests',
          "Refused heartbeat requests per minute, by replica and reason (exotel_heartbeats_rejected_total; not per account, since a refused request may not name a valid one). Refused heartbeats never change ExoPhone health; see the README's Answers table for each reason.",
          { h: 8, w: 12, x: 0, y: 50 },
          g.targets([[rate('exotel_heartbeats_rejected_total', 'instance, reason', account=false), '{{instance}} {{reason}}']]),
          'cpm',
        ),
        g.timeseries(
          'Vendor-quirk repairs and state file errors',
          'Per minute and replica: heartbeats accepted only after repairing a documented Exotel quirk, by kind (exotel_heartbeat_repairs_total), and failed saves of the state file (exotel_state_persist_errors_total; a failed save is retried with the next change, but a restart would lose the state since the last good save).',
          { h: 8, w: 12, x: 12, y: 50 },
          g.targets([
            [rate('exotel_heartbeat_repairs_total', 'instance, kind', account=false), '{{instance}} repair: {{kind}}'],
            [rate('exotel_state_persist_errors_total', 'instance', account=false), '{{instance}} state file save errors'],
          ]),
          'cpm',
          overrides=[{
            matcher: { id: 'byFrameRefID', options: 'B' },
            properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }],
          }],
        ),
        g.row('Exporter health', 58),
        g.stat(
          'Scrape target up',
          "Whether Prometheus's last scrape of each exporter replica succeeded (Prometheus's own `up` series). While every replica is DOWN, no ExoPhone alert can fire; one replica DOWN is survivable while another receives the heartbeats.",
          { h: 7, w: 4, x: 0, y: 59 },
          g.targets([[s('up'), '{{instance}}']], instant=true),
          'none',
          [['red', null], ['green', 1]],
          g.valueMappings({
            '0': { text: 'DOWN', color: 'red', index: 0 },
            '1': { text: 'UP', color: 'green', index: 1 },
          }),
        ),
        g.timeseries(
          'Memory',
          'Resident set size of each exporter process (process_resident_memory_bytes) and the V8 heap in use and allocated (nodejs_heap_size_used_bytes, nodejs_heap_size_total_bytes). A 10 MB heartbeat briefly costs a few times its size while it is parsed.',
          { h: 7, w: 10, x: 4, y: 59 },
          g.targets([
            [s('process_resident_memory_bytes'), '{{instance}} resident'],
            [s('nodejs_heap_size_used_bytes'), '{{instance}} heap used'],
            [s('nodejs_heap_size_total_bytes'), '{{instance}} heap total'],
          ]),
          'bytes',
        ),
        g.timeseries(
          'Event-loop lag',
          'Node.js event-loop delay of each exporter process, p50 and p99 (nodejs_eventloop_lag_p50_seconds, nodejs_eventloop_lag_p99_seconds). Exotel gives the receiver 15 s to answer; sustained lag in the hundreds of milliseconds means requests queue.',
          { h: 7, w: 10, x: 14, y: 59 },
          g.targets([
            [s('nodejs_eventloop_lag_p50_seconds'), '{{instance}} p50'],
            [s('nodejs_eventloop_lag_p99_seconds'), '{{instance}} p99'],
          ]),
          's',
        ),
        g.timeseries(
          'CPU',
          'CPU time used by each exporter process per second of wall time (rate of process_cpu_seconds_total): 100% is one core.',
          { h: 7, w: 8, x: 0, y: 66 },
          g.targets([['rate(%s[$__rate_interval])' % s('process_cpu_seconds_total'), '{{instance}}']]),
          'percentunit',
        ),
        g.timeseries(
          'Scrape duration',
          "How long Prometheus takes to scrape /metrics of each replica (Prometheus's own scrape_duration_seconds). It grows with the number of per-ExoPhone series; it must stay well under the scrape timeout.",
          { h: 7, w: 8, x: 8, y: 66 },
          g.targets([[s('scrape_duration_seconds'), '{{instance}}']]),
          's',
        ),
        g.timeseries(
          'Samples per scrape',
          "Samples Prometheus took from each scrape of /metrics (Prometheus's own scrape_samples_scraped): mostly two per affected (ExoPhone, direction) pair, bounded by the exporter's per-ExoPhone series cap. Over the scrape config's sample_limit the whole scrape fails.",
          { h: 7, w: 8, x: 16, y: 66 },
          g.targets([[s('scrape_samples_scraped'), '{{instance}}']]),
          'short',
          decimals=0,
        ),
      ]),
    },
  },
}
