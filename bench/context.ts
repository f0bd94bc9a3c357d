import type { Agent } from 'node:http';
import type { BenchConfig, PairKey, SizeKey } from './config.js';
import type { StartCommand } from './exporter.js';
import { stamp, type Heartbeat, type Outage, type TimestampSource } from './generate.js';
import { expectOk, request, type HttpResult } from './http.js';
import type { TempRoot } from './processes.js';

/** What every measurement gets from the runner. */
export interface BenchContext {
  readonly config: BenchConfig;
  readonly start: StartCommand;
  readonly temp: TempRoot;
  readonly timestamps: TimestampSource;
  /** Heartbeats by SID count (ingest, memory) and by pair count (render); built once. */
  readonly bySize: Readonly<Record<SizeKey, Outage>>;
  readonly byPairs: Readonly<Record<PairKey, Outage>>;
  /** URL of the ingest floor (a bare node:http server in its own process). */
  readonly floorUrl: string;
  /** Things worth knowing about this run's numbers; they end up under the table. */
  readonly notes: string[];
  log(message: string): void;
}

export interface Posted {
  readonly result: HttpResult;
  readonly timestamp: number;
}

/**
 * Posts a heartbeat with a fresh timestamp. For the exporter, anything but `applied` fails the
 * run: a duplicate or out-of-order answer would mean the harness measured no work.
 */
export async function postHeartbeat(
  url: string,
  agent: Agent,
  heartbeat: Heartbeat,
  ctx: BenchContext,
): Promise<Posted> {
  const timestamp = ctx.timestamps.take();
  const result = await request(url, {
    method: 'POST',
    agent,
    headers: { 'content-type': 'application/json' },
    body: stamp(heartbeat, timestamp),
  });
  expectOk(result, `POST ${url} (${heartbeat.sids} SIDs)`);
  const answer = result.body.toString('utf8');
  if (!answer.includes('"applied"')) {
    throw new Error(`POST ${url} (${heartbeat.sids} SIDs) was not applied: ${answer}`);
  }
  return { result, timestamp };
}

/** Human-friendly numbers for progress lines. */
export function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}
