// Settings of the exotel-heartbeat-exporter mixin. Override any of them with
//   (import 'exotel-heartbeat-exporter-mixin/mixin.libsonnet') + { _config+:: { ... } }
// Thresholds derived from heartbeatIntervalSeconds follow it when only the interval is overridden
// (jsonnet binds `self` late), unless they are overridden themselves.
local duration = (import 'lib/duration.libsonnet').fromSeconds;

{
  _config+:: {
    // Selects the exporter's series: goes into every vector selector of every rule and panel.
    // Under prometheus-operator the job is the Service's name (a PodMonitor's is
    // `<namespace>/<name>`): e.g. 'job="exotel-exporter",namespace="monitoring"'.
    exotelSelector: 'job="exotel-heartbeat-exporter"',

    // Labels that differ between replicas of one exporter (a pod, a target). Replica-merging
    // rules aggregate them away, so two replicas give one alert per incident.
    instanceLabels: ['instance'],
    // Labels the replicas of one exporter share and every aggregation keeps: what tells one
    // exporter (deployment) from another in the same Prometheus. Add 'namespace', 'cluster', …
    groupLabels: ['job'],

    // Exotel's heartbeat frequency (Notification Settings): 5 minutes unless changed there.
    heartbeatIntervalSeconds: 300,

    // ExotelHeartbeatMissing: no valid heartbeat on any replica for longer than this (3 intervals).
    heartbeatMissingSeconds: 3 * self.heartbeatIntervalSeconds,
    // The `for` of ExotelHeartbeatMissing (its threshold is already a duration).
    heartbeatMissingFor: '0m',
    // ExotelHeartbeatNeverReceived: no heartbeat at all on any replica of the exporter for this long.
    heartbeatNeverReceivedFor: duration(3 * self.heartbeatIntervalSeconds, '3 × _config.heartbeatIntervalSeconds (the default of heartbeatNeverReceivedFor)'),
    // ExotelExporterDown (critical): every replica's scrapes failing for this long.
    exporterDownFor: '5m',
    // ExotelExporterReplicaDown (warning): one replica's scrapes failing, others up, for this long.
    exporterReplicaDownFor: '5m',
    // ExotelExporterAbsent: no scrape target matching exotelSelector for this long.
    exporterAbsentFor: '15m',
    // ExotelStatusCritical: status CRITICAL for this long (0m pages at once: Exotel already needs
    // two failed test calls in a row).
    statusCriticalFor: '0m',
    // ExotelStatusWarning: status WARNING for this long.
    statusWarningFor: '15m',
    // ExotelExoPhone{Incoming,Outgoing}Affected: an ExoPhone affected for at least this many
    // seconds, by the time of the first heartbeat listing it.
    exophoneAffectedSeconds: 600,
    // The `for` of the per-ExoPhone alerts (their threshold is already a duration).
    exophoneAffectedFor: '0m',
    // ExotelPayloadTooLarge: status PAYLOAD_TOO_LARGE for this long.
    payloadTooLargeFor: '15m',
    // ExotelHeartbeatsRejected: window of refused heartbeat requests (2 intervals) …
    rejectedWindow: duration(2 * self.heartbeatIntervalSeconds, '2 × _config.heartbeatIntervalSeconds (the default of rejectedWindow)'),
    // … and refusals seen in every window for this long.
    rejectedFor: '15m',
    // ExotelStatePersistenceFailing: last successful save older than the last heartbeat by more
    // than this many seconds …
    persistStaleSeconds: 900,
    // … with failed saves within this window (or an earlier success in this process).
    persistErrorsWindow: '15m',
    // The `for` of ExotelStatePersistenceFailing (its threshold is already a duration).
    persistFailingFor: '0m',
    // ExotelSidSeriesDropped: per-ExoPhone series left out by the series cap for this long.
    seriesDroppedFor: '15m',
    // ExotelApiPollFailing: window of failed API fallback polls, and failures in every window
    // for this long.
    apiPollFailedWindow: '30m',
    apiPollFailingFor: '30m',
    // ExotelApiThrottled: share of time (%) the fallback waits on Exotel's 429s, over this window,
    // for this long.
    apiThrottledPercent: 25,
    apiThrottledWindow: '15m',
    apiThrottledFor: '30m',

    // Every alert's runbook_url: `%s` is the alert name in lower case (the anchor of its section
    // in docs/runbook.md, as GitHub renders it and as the exporter's own /runbook serves it).
    // The default is the exporter's /runbook at its default address, which resolves for a reader
    // on the machine that runs it (npm start, the compose stack); this project has no public
    // site a default could point at. Point it at your exporter's public https://…/runbook#%s or
    // at your wiki.
    runbookURLPattern: 'http://localhost:8747/runbook#%s',

    // The Grafana dashboard.
    dashboardUid: 'exotel-heartbeat',
    dashboardTitle: 'Exotel heartbeat',
    dashboardTags: ['exotel', 'exophone', 'heartbeat', 'prometheus'],
    dashboardRefresh: '1m',
    dashboardTimezone: 'browser',
    dashboardPeriod: 'now-24h',
  },
}
