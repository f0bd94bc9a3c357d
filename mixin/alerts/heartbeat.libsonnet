// Alerts on the heartbeats themselves and on the ExoPhones they report. Every one reads the
// merged recording rules (rules/merge.libsonnet), so N replicas of one exporter give one alert
// per incident, labelled by groupLabels and `account` (never by a replica's labels).
local p = import '../lib/promql.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local g(more=[]) = p.group(c, more),
    local runbook(name) = c.runbookURLPattern % std.asciiLower(name),
    groups+: [
      {
        name: 'exotel-heartbeat',
        rules: [
          {
            alert: 'ExotelHeartbeatMissing',
            // The exporter's own receive clock, not Exotel's: it moves on retries and duplicates
            // too, and does not depend on Exotel's clock being right. The latest over the
            // replicas: missing only when no replica received one. 0 means "never" and is left
            // to ExotelHeartbeatNeverReceived.
            expr: |||
              (
                time() - account:exotel_heartbeat_last_received_timestamp_seconds:max
              )
                > %(threshold)d
              and
              account:exotel_heartbeat_last_received_timestamp_seconds:max > 0
            ||| % { threshold: c.heartbeatMissingSeconds },
            'for': c.heartbeatMissingFor,
            labels: { severity: 'critical' },
            annotations: {
              summary: 'No Exotel heartbeat has arrived for several heartbeat intervals.',
              description: 'No valid heartbeat for Exotel account {{ $labels.account }} has reached the exporter (%s, any replica) for {{ $value | humanizeDuration }}. ExoPhone health for this account is unknown until one arrives; its ExoPhone alerts show the last state received.' % p.groupDescription(c),
              runbook_url: runbook('ExotelHeartbeatMissing'),
            },
          },
          {
            alert: 'ExotelHeartbeatNeverReceived',
            // `default` always exists and stays 0 when Exotel posts to /heartbeat/<account>
            // instead, so only alert when no account on any replica of the exporter has ever
            // received a heartbeat. The `for` also covers a restart without a state file
            // (accounts come back with the next heartbeat).
            expr: |||
              account:exotel_heartbeat_last_received_timestamp_seconds:max == 0
              unless on (%(g)s)
              account:exotel_heartbeat_last_received_timestamp_seconds:max > 0
            ||| % { g: g() },
            'for': c.heartbeatNeverReceivedFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'The exporter has never received an Exotel heartbeat.',
              description: "The exporter (%s) is being scraped but none of its replicas has received a single valid Exotel heartbeat (account {{ $labels.account }}, and no other account either). Exotel is probably not configured to send to it, or cannot reach it: check the heartbeat URL in Exotel's Notification Settings and the reverse proxy in front of the exporter." % p.groupDescription(c),
              runbook_url: runbook('ExotelHeartbeatNeverReceived'),
            },
          },
        ],
      },
      {
        name: 'exotel-exophones',
        rules: [
          {
            alert: 'ExotelStatusCritical',
            // CRITICAL means every ExoPhone of the account is affected. Exotel already needs two
            // failed test calls in a row before it marks an ExoPhone down, so this pages at once.
            expr: 'account:exotel_heartbeat_status:freshest{status="CRITICAL"} == 1\n',
            'for': c.statusCriticalFor,
            labels: { severity: 'critical' },
            annotations: {
              summary: 'Exotel reports all ExoPhones of an account affected.',
              description: "Exotel's latest heartbeat for account {{ $labels.account }} has status CRITICAL: every ExoPhone of the account has lost incoming or outgoing call connectivity. Calls to or from these numbers are failing.",
              runbook_url: runbook('ExotelStatusCritical'),
            },
          },
          {
            alert: 'ExotelStatusWarning',
            expr: 'account:exotel_heartbeat_status:freshest{status="WARNING"} == 1\n',
            'for': c.statusWarningFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'Exotel has reported some ExoPhones of an account affected for a while.',
              description: "Exotel's heartbeats for account {{ $labels.account }} have had status WARNING for a while: one or more of its ExoPhones cannot receive or place calls. The ExotelExoPhoneIncomingAffected and ExotelExoPhoneOutgoingAffected alerts name them.",
              runbook_url: runbook('ExotelStatusWarning'),
            },
          },
        ] + [
          {
            local d = spec.direction,
            alert: spec.alert,
            // One alert per ExoPhone and direction. The value is how long it has been affected,
            // measured from the first heartbeat that listed it on any replica that still lists
            // it (Exotel's clock, which may run a little ahead: clamped).
            expr: |||
              clamp_min(
                time()
                - account_sid:exotel_exophone_affected_since_timestamp_seconds:min{direction="%(d)s"},
                0
              )
                >= %(threshold)d
            ||| % { d: d, threshold: c.exophoneAffectedSeconds },
            'for': c.exophoneAffectedFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: spec.summary,
              description: 'ExoPhone {{ if $labels.phone_number }}{{ $labels.phone_number }}{{ else }}with unknown number{{ end }} (SID {{ $labels.sid }}) of Exotel account {{ $labels.account }} has had its %s calls affected for {{ $value | humanizeDuration }}: %s' % [d, spec.impact],
              runbook_url: runbook(spec.alert),
            },
          }
          for spec in [
            {
              alert: 'ExotelExoPhoneIncomingAffected',
              direction: 'incoming',
              summary: 'An ExoPhone cannot receive calls.',
              impact: 'callers to this number cannot reach you.',
            },
            {
              alert: 'ExotelExoPhoneOutgoingAffected',
              direction: 'outgoing',
              summary: 'An ExoPhone cannot place calls.',
              impact: 'calls placed from this number fail.',
            },
          ]
        ] + [
          {
            alert: 'ExotelPayloadTooLarge',
            // The value is when the per-ExoPhone detail still shown was current (0 = never had
            // any), over the replicas.
            expr: |||
              account:exotel_exophone_details_timestamp_seconds:max
              and on (%(g)s)
              account:exotel_heartbeat_status:freshest{status="PAYLOAD_TOO_LARGE"} == 1
            ||| % { g: g(['account']) },
            'for': c.payloadTooLargeFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'Exotel heartbeats are too large to carry per-ExoPhone detail.',
              description: "Exotel sends status PAYLOAD_TOO_LARGE for account {{ $labels.account }}: its list of affected ExoPhones exceeds 10 MB, so the heartbeats carry no per-ExoPhone detail. The per-ExoPhone series and alerts keep the last detail known, {{ if eq $value 0.0 }}and there is none: no heartbeat with detail has been received{{ else }}from {{ $value | humanizeTimestamp }}{{ end }} (exotel_exophone_details_timestamp_seconds); ExoPhones that failed or recovered since are not shown. Use Exotel's Get ExoPhone Details API, or the exporter's API fallback when it is configured, for current health.",
              runbook_url: runbook('ExotelPayloadTooLarge'),
            },
          },
          {
            alert: 'ExotelSidSeriesDropped',
            expr: 'account:exotel_exophone_series_dropped:max > 0\n',
            'for': c.seriesDroppedFor,
            labels: { severity: 'info' },
            annotations: {
              summary: 'Some affected ExoPhones have no per-ExoPhone series.',
              description: '{{ $value | humanize }} affected (SID, direction) pairs of Exotel account {{ $labels.account }} are left out of the per-ExoPhone series by MAX_SID_SERIES or the total budget MAX_TOTAL_SID_SERIES, so they get no ExotelExoPhoneIncomingAffected or ExotelExoPhoneOutgoingAffected alert. exotel_exophones_affected still counts them.',
              runbook_url: runbook('ExotelSidSeriesDropped'),
            },
          },
        ],
      },
    ],
  },
}
