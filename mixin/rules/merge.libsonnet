// Recording rules that merge the replicas of one exporter ("freshest wins").
//
// Each account's state is a register ordered by the heartbeat's own timestamp, so any replica
// holding the newest applied heartbeat is right about the account's status, and any replica
// holding the newest per-ExoPhone detail is right about which ExoPhones are affected. One
// replica is the special case where the freshest replica is the only one: the same rules serve
// both. Rules in a group run in order at the same evaluation time, so later rules read the
// samples earlier ones just recorded.
//
// Cost: the per-account rules touch a handful of series per account and replica. The per-SID
// rule reads each per-SID series twice (one `min by` aggregation, one `and` against a
// per-account series) and does one hash join per-SID against per-SID: linear in the number of
// per-SID series, which the exporter's series budget bounds.
local p = import '../lib/promql.libsonnet';

{
  prometheusRules+:: {
    local c = $._config,
    local sel(extra='') = p.selector(c, extra),
    local g(more=[]) = p.group(c, more),
    local r(more=[]) = p.replica(c, more),
    groups+: [
      {
        name: 'exotel-heartbeat-merge',
        rules: [
          {
            // The newest applied heartbeat timestamp of each account, over the replicas.
            record: 'account:exotel_heartbeat_timestamp_seconds:max',
            expr: 'max by (%s) (exotel_heartbeat_timestamp_seconds%s)' % [g(['account']), sel()],
          },
          {
            // Per replica and account: how far its applied heartbeat is behind the freshest
            // replica's (0 on the freshest). The dashboard's "replica behind" panel; the status
            // rule below keeps the replicas where it is 0.
            record: 'instance_account:exotel_heartbeat_timestamp_seconds:behind_freshest',
            expr: |||
              account:exotel_heartbeat_timestamp_seconds:max
              - on (%(g)s) group_right ()
              exotel_heartbeat_timestamp_seconds%(sel)s
            ||| % { g: g(['account']), sel: sel() },
          },
          {
            // Status (state set) of each account, from the replica(s) with the newest applied
            // heartbeat.
            record: 'account:exotel_heartbeat_status:freshest',
            expr: |||
              max by (%(gs)s) (
                exotel_heartbeat_status%(sel)s
                and on (%(r)s)
                instance_account:exotel_heartbeat_timestamp_seconds:behind_freshest == 0
              )
            ||| % { gs: g(['account', 'status']), r: r(['account']), sel: sel() },
          },
          {
            // When the freshest per-ExoPhone detail of each account was current (0 = none yet).
            record: 'account:exotel_exophone_details_timestamp_seconds:max',
            expr: 'max by (%s) (exotel_exophone_details_timestamp_seconds%s)' % [g(['account']), sel()],
          },
          {
            // Per replica and account: how far its per-ExoPhone detail is behind the freshest.
            record: 'instance_account:exotel_exophone_details_timestamp_seconds:behind_freshest',
            expr: |||
              account:exotel_exophone_details_timestamp_seconds:max
              - on (%(g)s) group_right ()
              exotel_exophone_details_timestamp_seconds%(sel)s
            ||| % { g: g(['account']), sel: sel() },
          },
          {
            // Affected counts per direction. They describe the per-ExoPhone detail (and keep the
            // last detail known through PAYLOAD_TOO_LARGE), so they come from the replica(s)
            // with the newest detail, not merely the newest heartbeat.
            record: 'account:exotel_exophones_affected:freshest',
            expr: |||
              max by (%(gd)s) (
                exotel_exophones_affected%(sel)s
                and on (%(r)s)
                instance_account:exotel_exophone_details_timestamp_seconds:behind_freshest == 0
              )
            ||| % { gd: g(['account', 'direction']), r: r(['account']), sel: sel() },
          },
          {
            // Affected ExoPhones: the pairs the replica(s) with the newest detail list, each with
            // the earliest affected-since of the replicas that currently list it. A replica that
            // restarted empty, or saw only every other heartbeat, starts a streak late; the
            // others remember its real start, so an outage's clock never restarts while any
            // replica remembers it.
            record: 'account_sid:exotel_exophone_affected_since_timestamp_seconds:min',
            expr: |||
              min by (%(gp)s) (
                exotel_exophone_affected_since_timestamp_seconds%(sel)s
              )
              and on (%(gp)s)
              (
                exotel_exophone_affected_since_timestamp_seconds%(sel)s
                and on (%(r)s)
                instance_account:exotel_exophone_details_timestamp_seconds:behind_freshest == 0
              )
            ||| % {
              gp: g(['account', 'sid', 'phone_number', 'direction']),
              r: r(['account']),
              sel: sel(),
            },
          },
          {
            // The last time any replica received a valid heartbeat for the account (0 = none
            // ever did).
            record: 'account:exotel_heartbeat_last_received_timestamp_seconds:max',
            expr: 'max by (%s) (exotel_heartbeat_last_received_timestamp_seconds%s)' % [g(['account']), sel()],
          },
          {
            // Affected (SID, direction) pairs left out of the per-ExoPhone series, per account.
            record: 'account:exotel_exophone_series_dropped:max',
            expr: 'max by (%s) (exotel_exophone_series_dropped%s)' % [g(['account']), sel()],
          },
        ],
      },
    ],
  },
}
