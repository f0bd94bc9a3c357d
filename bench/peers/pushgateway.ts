import type { Agent } from 'node:http';
import { expectOk, request, type HttpResult } from '../http.js';
import { findBinary, freePort, spawnTracked, waitReady, type Child } from '../processes.js';

/**
 * Prometheus's Pushgateway (Debian `prometheus-pushgateway`) as the peer: it holds pushed series
 * and serves them on its /metrics, which is what a "push the state somewhere" design would give.
 * No persistence file: nothing but the pushed series in memory.
 */
export const PUSHGATEWAY = 'prometheus-pushgateway';

export interface Pushgateway {
  readonly url: string;
  readonly child: Child;
  /** PUT replaces everything under the group, like a new heartbeat replaces the old state. */
  push(text: string, agent: Agent): Promise<HttpResult>;
  stop(): Promise<void>;
}

export async function startPushgateway(): Promise<Pushgateway | null> {
  const binary = findBinary(PUSHGATEWAY);
  if (binary === null) return null;
  const port = await freePort();
  const child = spawnTracked('pushgateway', binary, [
    `--web.listen-address=127.0.0.1:${port}`,
    '--persistence.interval=5m',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(child, `${url}/-/ready`);
  return {
    url,
    child,
    push: async (text, agent) =>
      expectOk(
        await request(`${url}/metrics/job/bench`, {
          method: 'PUT',
          agent,
          headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
          body: Buffer.from(text, 'utf8'),
        }),
        'push to the Pushgateway',
      ),
    stop: () => child.stop(),
  };
}
