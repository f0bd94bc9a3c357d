// Alerts on the exporter's own health. Scrape health distinguishes one replica down (warning,
// labelled by the replica) from all replicas down (critical, labelled by groupLabels). Refused
// heartbeats and the API fallback merge the replicas (mirrored replicas see the same requests);
// the state file is each replica's own, so its alert names the replica.
local p = import '../lib/promql.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local sel(extra='') = p.selector(c, extra),
    local g(more=[]) = p.group(c, more),
    local r(more=[]) = p.replica(c, more),
    local runbook(name) = c.runbookURLPattern % std.asciiLower(name),
    groups+: [
      {
        name: 'exotel-exporter',
        rules: [
          {
            alert: 'ExotelExporterDown',
            // No replica of the exporter can be scraped (with one replica: it cannot). Also what
            // a scrape over sample_limit looks like (the whole scrape fails).
            expr: 'max by (%s) (up%s) == 0\n' % [g(), sel()],
            'for': c.exporterDownFor,
            labels: { severity: 'critical' },
            annotations: {
              summary: 'Prometheus cannot scrape the Exotel heartbeat exporter.',
              description: 'Prometheus has failed to scrape every replica of the exporter (%s) for a while. No ExoPhone alert can fire for the accounts it serves until one is back.' % p.groupDescription(c),
              runbook_url: runbook('ExotelExporterDown'),
            },
          },
          {
            alert: 'ExotelExporterReplicaDown',
            // One replica cannot be scraped while another can: the others still carry the
            // heartbeats and the alerts, so this is a ticket, not a page.
            expr: |||
              up%(sel)s == 0
              and on (%(g)s)
              max by (%(g)s) (up%(sel)s) == 1
            ||| % { g: g(), sel: sel() },
            'for': c.exporterReplicaDownFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'Prometheus cannot scrape one replica of the Exotel heartbeat exporter.',
              description: 'Prometheus has failed to scrape the replica %s of the exporter (%s) for a while; other replicas are up and keep the alerts working. Heartbeats the load balancer sends only to this replica are lost.' % [p.replicaDescription(c), p.groupDescription(c)],
              runbook_url: runbook('ExotelExporterReplicaDown'),
            },
          },
          {
            alert: 'ExotelExporterAbsent',
            expr: 'absent(up%s)\n' % sel(),
            'for': c.exporterAbsentFor,
            labels: { severity: 'critical' },
            annotations: {
              summary: 'Prometheus has no Exotel heartbeat exporter to scrape.',
              description: 'Prometheus has no scrape target matching %s (%s): the exporter is not configured, not discovered, or named differently. No Exotel alert can fire.' % [c.exotelSelector, p.groupDescription(c)],
              runbook_url: runbook('ExotelExporterAbsent'),
            },
          },
          {
            alert: 'ExotelHeartbeatsRejected',
            // The most refusals any one replica saw: mirrored replicas refuse the same requests,
            // so a sum would count them twice.
            expr: |||
              max by (%(g)s) (
                increase(exotel_heartbeats_rejected_total%(sel)s[%(window)s])
              )
                > 0
            ||| % { g: g(['reason']), sel: sel(), window: c.rejectedWindow },
            'for': c.rejectedFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'The exporter keeps refusing heartbeat requests.',
              description: "The exporter (%s) keeps refusing heartbeat requests with reason {{ $labels.reason }} ({{ $value | humanize }} in the last window, on the replica that refused most). If these are Exotel's heartbeats, their ExoPhone health is lost." % p.groupDescription(c),
              runbook_url: runbook('ExotelHeartbeatsRejected'),
            },
          },
          {
            alert: 'ExotelStatePersistenceFailing',
            // Saves happen after every valid heartbeat, so a last success much older than the
            // last heartbeat means saves are not happening. Require either failed saves in the
            // window, or a success earlier in this process (a hung save): with STATE_FILE empty
            // (persistence disabled) neither holds, and the rule stays quiet. Per replica: each
            // has its own state file.
            expr: |||
              (
                max by (%(r)s) (
                  exotel_heartbeat_last_received_timestamp_seconds%(sel)s
                )
                - on (%(r)s)
                exotel_state_persist_last_success_timestamp_seconds%(sel)s
              )
                > %(threshold)d
              and on (%(r)s)
              (
                increase(exotel_state_persist_errors_total%(sel)s[%(window)s]) > 0
                or on (%(r)s)
                exotel_state_persist_last_success_timestamp_seconds%(sel)s > 0
              )
            ||| % { r: r(), sel: sel(), threshold: c.persistStaleSeconds, window: c.persistErrorsWindow },
            'for': c.persistFailingFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'The exporter cannot save its state file.',
              description: 'The exporter replica %s (%s) has not saved its state file since well before its last heartbeats (exotel_state_persist_errors_total is increasing, or saves have stopped succeeding). If it restarts now, it loses the state received since, and alerts may resolve or fire again wrongly.' % [p.replicaDescription(c), p.groupDescription(c)],
              runbook_url: runbook('ExotelStatePersistenceFailing'),
            },
          },
        ],
      },
      {
        name: 'exotel-api-fallback',
        rules: [
          {
            alert: 'ExotelApiPollFailing',
            // Only accounts with API credentials poll, and only while PAYLOAD_TOO_LARGE (or
            // heartbeats are stale). A failed poll is retried after
            // EXOTEL_API_POLL_INTERVAL_SECONDS, so failures in every window mean the
            // per-ExoPhone detail is not being refreshed at all. Every replica polls: the one
            // that failed most.
            expr: |||
              max by (%(g)s) (
                increase(exotel_api_polls_total%(sel)s[%(window)s])
              )
                > 0
            ||| % { g: g(['account']), sel: sel('result="failed"'), window: c.apiPollFailedWindow },
            'for': c.apiPollFailingFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'The Exotel API fallback keeps failing to poll ExoPhone health.',
              description: 'The exporter (%s) has failed {{ $value | humanize }} API polls of Exotel account {{ $labels.account }} in the last window, for a while. Its heartbeats carry no per-ExoPhone detail (PAYLOAD_TOO_LARGE), so the per-ExoPhone series and alerts show the last detail known (exotel_exophone_details_timestamp_seconds).' % p.groupDescription(c),
              runbook_url: runbook('ExotelApiPollFailing'),
            },
          },
          {
            alert: 'ExotelApiThrottled',
            // Seconds spent waiting on 429s per second: 0.25 means a quarter of the time. The
            // budget (EXOTEL_API_REQUESTS_PER_MINUTE) is meant to stay below Exotel's limit, so
            // sustained throttling means the limit is lower than assumed or someone else spends
            // it (replicas polling the same account share it).
            expr: |||
              max by (%(g)s) (
                rate(exotel_api_throttled_seconds_total%(sel)s[%(window)s])
              ) * 100
                > %(percent)g
            ||| % { g: g(['account']), sel: sel(), window: c.apiThrottledWindow, percent: c.apiThrottledPercent },
            'for': c.apiThrottledFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: "Exotel's API keeps throttling the exporter's fallback polls.",
              description: "Exotel answers 429 to the exporter (%s) for account {{ $labels.account }}: its fallback polls spend {{ $value | humanize }}%% of the time waiting (Retry-After or backoff), so a full poll takes longer and the per-ExoPhone detail is older than usual." % p.groupDescription(c),
              runbook_url: runbook('ExotelApiThrottled'),
            },
          },
        ],
      },
    ],
  },
}
