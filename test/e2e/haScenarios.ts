/**
 * The high-availability failure table: one source for what test/e2e/ha.test.ts asserts and for
 * the table in README "High availability" (test/stack/haReadme.test.ts keeps them equal).
 *
 * The e2e plays the steps in this order against one incident per account (an ExoPhone outage:
 * status CRITICAL, two ExoPhones affected), on two accounts at once: `mirrored` reaches the
 * replicas through deploy/nginx/exotel-mirror.conf, `balanced` through exotel-balance.conf
 * (round-robin). After each step it asserts, per account, the exact number of page notifications
 * the receiver has counted since the start: `pages` firing, `resolves` resolved. Exactly one of
 * each per incident means none missed and none duplicated, which is what the README states.
 */
export interface HaStep {
  readonly id: string;
  /** README column "failure". */
  readonly failure: string;
  /** README column "what happens" (what the test checks besides the counts). */
  readonly happens: string;
  /** Cumulative page notifications per account (ExotelStatusCritical, firing) after the step. */
  readonly pages: number;
  /** Cumulative resolved notifications per account after the step. */
  readonly resolves: number;
}

export const HA_STEPS: readonly HaStep[] = [
  {
    id: 'outage',
    failure: 'An outage (CRITICAL) while both replicas are up',
    happens:
      'Both Alertmanagers get the alert; one notifies, the other sees it in the gossiped log',
    pages: 1,
    resolves: 0,
  },
  {
    id: 'replica-killed',
    failure: 'One replica killed (`kill -9`) during the outage',
    happens:
      'nginx sends every heartbeat to the other replica (all answered 200); the merged status stays CRITICAL; `ExotelExporterReplicaDown` (warning) opens a ticket',
    pages: 1,
    resolves: 0,
  },
  {
    id: 'replica-restarted-empty',
    failure: 'That replica restarted with its state file removed',
    happens:
      'It starts empty and is never the freshest by accident; once it lists the ExoPhones again, the merged affected-since keeps the other replica’s earlier start, so per-ExoPhone alerts keep theirs',
    pages: 1,
    resolves: 0,
  },
  {
    id: 'round-robin',
    failure:
      'Round-robin instead of mirroring (each replica sees some heartbeats), through all of the above',
    happens:
      'The same: the rules take status from the replica with the newest heartbeat and affected-since from the earliest replica still listing the ExoPhone (one heartbeat later at most when the replica that saw the first one is lost; the alerts keep firing)',
    pages: 1,
    resolves: 0,
  },
  {
    id: 'alertmanager-killed',
    failure: 'The Alertmanager that sent the page killed',
    happens: 'The other holds the notification log: no repeat; it sends the resolve',
    pages: 1,
    resolves: 0,
  },
  {
    id: 'outage-ends',
    failure: 'The outage ends (status OK)',
    happens: 'One resolve per incident, from the surviving Alertmanager',
    pages: 1,
    resolves: 1,
  },
];
