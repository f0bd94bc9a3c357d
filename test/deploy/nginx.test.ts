/**
 * The shipped nginx examples (deploy/nginx/), run by Debian's real nginx in front of two real
 * exporter replicas on loopback: what each mode promises in the README's "High availability".
 * A "hung" replica is a SIGSTOPped process: the kernel still accepts its connections, nothing
 * answers — the case that only timeouts can handle.
 */
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, stopAllBinaries } from '../helpers/binaries.js';
import { startExporterProcess, stopAll, type ExporterProcess } from '../helpers/exporterProcess.js';
import { heartbeat, iso, request, scrape } from '../helpers/http.js';
import {
  NGINX_FILES,
  nginxCheck,
  startNginx,
  writeNginxConfig,
  type NginxMode,
  type RunningNginx,
} from '../helpers/nginx.js';

/** Exotel's deadline for the 200 (exotel/NOTES.md); every answer through nginx must beat it. */
const EXOTEL_DEADLINE_MS = 15_000;

let clock = Math.floor(Date.now() / 1000) - 600;
/** A heartbeat newer than every one before it. */
function next(status: 'OK' | 'CRITICAL' = 'OK', padding = 0): string {
  clock += 1;
  const body = heartbeat({
    timestamp: iso(clock),
    status,
    incoming: status === 'OK' ? [] : ['s1'],
  });
  // Unknown keys are accepted and ignored (exotel/NOTES.md): a cheap way to a 10 MB body.
  return JSON.stringify(padding > 0 ? { ...body, padding: 'x'.repeat(padding) } : body);
}

interface Answer {
  readonly status: number;
  readonly ms: number;
}

/** POST through nginx on `agent` (a keep-alive agent keeps one connection across posts). */
function post(url: string, body: string, agent?: Agent): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        ...(agent === undefined ? {} : { agent }),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Date.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function received(exporter: ExporterProcess, account: string): Promise<number> {
  const metrics = (await scrape(exporter.url)).metrics;
  return metrics
    .select('exotel_heartbeats_received_total', { account })
    .reduce((sum, s) => sum + s.value, 0);
}

async function appliedTimestamp(exporter: ExporterProcess, account: string): Promise<number> {
  const metrics = (await scrape(exporter.url)).metrics;
  return metrics.get('exotel_heartbeat_timestamp_seconds', { account }) ?? 0;
}

async function startReplica(port: number): Promise<ExporterProcess> {
  return startExporterProcess({ PORT: String(port) });
}

/** The i-th element, which the test knows is there. */
function nth<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`no element ${i}`);
  return item;
}

afterAll(() => {
  stopAllBinaries();
  stopAll();
});

describe('deploy/nginx', () => {
  it.each(Object.keys(NGINX_FILES) as NginxMode[])(
    '%s: the shipped file passes nginx -t',
    (mode) => {
      const written = writeNginxConfig(mode, ['127.0.0.1:1', '127.0.0.1:2'], 8080);
      try {
        const check = nginxCheck(written.prefix, written.config);
        expect(check.out).toContain('test is successful');
        expect(check.status).toBe(0);
      } finally {
        written.cleanup();
      }
    },
  );
});

describe('deploy/nginx/exotel-balance.conf: round-robin with failover', () => {
  const ports: number[] = [];
  let replicas: ExporterProcess[] = [];
  let nginx: RunningNginx;

  beforeAll(async () => {
    ports.push(await freePort(), await freePort());
    replicas = await Promise.all(ports.map(startReplica));
    nginx = await startNginx(
      'balance',
      ports.map((p) => `127.0.0.1:${p}`),
    );
  });
  afterAll(async () => {
    await nginx.stop();
    await Promise.all(replicas.map((r) => r.stop()));
  });

  it('publishes only the webhook, and only POST', async () => {
    expect((await request(`${nginx.url}/metrics`)).status).toBe(404);
    expect((await request(`${nginx.url}/`)).status).toBe(404);
    expect((await request(`${nginx.url}/api/v1/status`)).status).toBe(404);
    expect((await request(`${nginx.url}/heartbeat/acme`)).status).toBe(403);
    expect((await post(`${nginx.url}/heartbeat/acme`, next())).status).toBe(200);
    expect((await post(`${nginx.url}/heartbeat`, next())).status).toBe(200);
  });

  it('spreads heartbeats over both replicas, a 10 MB one included', async () => {
    for (let i = 0; i < 4; i++)
      expect((await post(`${nginx.url}/heartbeat/spread`, next())).status).toBe(200);
    const big = next('OK', 10_000_000);
    expect(Buffer.byteLength(big)).toBeGreaterThan(10_000_000);
    expect((await post(`${nginx.url}/heartbeat/spread`, big)).status).toBe(200);
    const counts = await Promise.all(replicas.map((r) => received(r, 'spread')));
    expect(nth(counts, 0) + nth(counts, 1)).toBe(5);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
  });

  it('a hung replica: 200 from the other one well within Exotel’s 15 s', async () => {
    nth(replicas, 0).child.kill('SIGSTOP');
    try {
      // Round-robin sends one of the two to the hung replica first: it costs one read timeout.
      const answers = [
        await post(`${nginx.url}/heartbeat/hung`, next()),
        await post(`${nginx.url}/heartbeat/hung`, next()),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.ms).toBeLessThan(EXOTEL_DEADLINE_MS);
      }
    } finally {
      nth(replicas, 0).child.kill('SIGCONT');
    }
    expect(await received(nth(replicas, 1), 'hung')).toBe(2);
  });

  it('a killed replica: every heartbeat still gets 200, from the other one', async () => {
    await nth(replicas, 1).kill9();
    for (let i = 0; i < 4; i++)
      expect((await post(`${nginx.url}/heartbeat/killed`, next())).status).toBe(200);
    expect(await received(nth(replicas, 0), 'killed')).toBe(4);
    replicas[1] = await startReplica(nth(ports, 1));
  });

  it('both down, then both back: the next heartbeat gets 200, not 502 "no live upstreams"', async () => {
    await Promise.all(replicas.map((r) => r.kill9()));
    // Both attempts fail: 502, and both primaries are now marked down for 10 s.
    expect((await post(`${nginx.url}/heartbeat/back`, next())).status).toBe(502);
    replicas = await Promise.all(ports.map(startReplica));
    // The never-marked backups (max_fails=0) are tried at once.
    expect((await post(`${nginx.url}/heartbeat/back`, next())).status).toBe(200);
  });
});

describe('deploy/nginx/exotel-mirror.conf: every replica gets every heartbeat', () => {
  const ports: number[] = [];
  let replicas: ExporterProcess[] = [];
  let nginx: RunningNginx;

  beforeAll(async () => {
    ports.push(await freePort(), await freePort());
    replicas = await Promise.all(ports.map(startReplica));
    nginx = await startNginx(
      'mirror',
      ports.map((p) => `127.0.0.1:${p}`),
    );
  });
  afterAll(async () => {
    await nginx.stop();
    await Promise.all(replicas.map((r) => r.stop()));
  });

  it('both replicas apply every heartbeat, a 10 MB one included', async () => {
    for (let i = 0; i < 3; i++)
      expect((await post(`${nginx.url}/heartbeat/all`, next())).status).toBe(200);
    expect((await post(`${nginx.url}/heartbeat/all`, next('OK', 10_000_000))).status).toBe(200);
    for (const replica of replicas) {
      // The copy may still be in flight when the client has its answer.
      await expect.poll(() => received(replica, 'all'), { timeout: 10_000 }).toBe(4);
      expect(await appliedTimestamp(replica, 'all')).toBe(clock);
    }
  });

  it('a hung copy stalls no heartbeat on a keep-alive connection past its short timeouts', async () => {
    nth(replicas, 1).child.kill('SIGSTOP');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answers = [];
      for (let i = 0; i < 3; i++)
        answers.push(await post(`${nginx.url}/heartbeat/stall`, next(), agent));
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.ms).toBeLessThan(EXOTEL_DEADLINE_MS);
      }
    } finally {
      agent.destroy();
      nth(replicas, 1).child.kill('SIGCONT');
    }
    expect(await received(nth(replicas, 0), 'stall')).toBe(3);
  });

  it('the primary killed: the backup answers, and gets the copy too (a counted duplicate)', async () => {
    await nth(replicas, 0).kill9();
    for (let i = 0; i < 2; i++)
      expect((await post(`${nginx.url}/heartbeat/failover`, next())).status).toBe(200);
    await expect
      .poll(
        async () =>
          (await scrape(nth(replicas, 1).url)).metrics.value('exotel_heartbeats_duplicate_total', {
            account: 'failover',
          }),
        { timeout: 10_000 },
      )
      .toBe(2);
    expect(await appliedTimestamp(nth(replicas, 1), 'failover')).toBe(clock);
    replicas[0] = await startReplica(nth(ports, 0));
  });
});
