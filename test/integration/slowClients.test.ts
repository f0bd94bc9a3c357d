/**
 * Slow clients, floods and bursts of large bodies against whole exporters (in process, real sockets): slow-loris on
 * headers and on bodies is cut off within the configured timeouts while normal requests are
 * served; a flood of small posts is rate-limited per source while a real heartbeat from another
 * source gets through; large bodies beyond MAX_CONCURRENT_LARGE_INGESTS get 503 before a body
 * byte is read.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOutcome, onlyStatus, statusSet } from '../helpers/domain.js';
import {
  startExporterInProcess,
  stopAllInProcess,
  type ExporterInProcess,
} from '../helpers/exporterInProcess.js';
import {
  heartbeat,
  iso,
  postHeartbeat,
  rawExchange,
  request,
  scrape,
  T0,
  type RawResponse,
  waitFor,
} from '../helpers/http.js';
import { sourceClient } from '../helpers/sourceHttp.js';

const HEADERS_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 3_000;
/** Node sweeps for timed-out connections once a second (serverLimits.ts), plus scheduling slack. */
const SWEEP_SLACK_MS = 2_500;

let slow: ExporterInProcess;
let flood: ExporterInProcess;
let gated: ExporterInProcess;

beforeAll(async () => {
  [slow, flood, gated] = await Promise.all([
    startExporterInProcess({
      HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    }),
    // The default rate limit (600/min, burst 200): the flood test checks the defaults themselves.
    startExporterInProcess({}),
    startExporterInProcess({ MAX_CONCURRENT_LARGE_INGESTS: '2' }),
  ]);
});

afterAll(async () => {
  await stopAllInProcess();
});

const hb = (t: number, status: 'OK' | 'WARNING' = 'OK') =>
  JSON.stringify(heartbeat({ timestamp: iso(t), status }));

/** Writes `text` one byte every `everyMs` until the socket closes; returns a stop function. */
function dribble(socket: Socket, text: string, everyMs: number): () => void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) {
      clearInterval(timer);
      return;
    }
    socket.write(text[i++] ?? '');
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
  return () => clearInterval(timer);
}

async function timed(p: Promise<RawResponse>): Promise<RawResponse & { elapsedMs: number }> {
  const started = Date.now();
  const answer = await p;
  return { ...answer, elapsedMs: Date.now() - started };
}

/** A normal heartbeat (for an account of the test's own) and a scrape are served. */
async function expectServing(
  exporter: ExporterInProcess,
  account: string,
  t: number,
): Promise<void> {
  expectOutcome(await postHeartbeat(`${exporter.url}/heartbeat/${account}`, hb(t)), 'applied');
  expect((await scrape(exporter.url)).status).toBe(200);
}

describe.concurrent('slow-loris', { timeout: 20_000 }, () => {
  it('closes sockets whose headers trickle in, within HEADERS_TIMEOUT_MS, while serving others', async () => {
    const head =
      'POST /heartbeat/loris HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      'X-Padding: '.padEnd(200, 'a');
    // Ten sockets, each a byte every 100 ms: never idle, never finished.
    const lorises = Array.from({ length: 10 }, () =>
      timed(
        rawExchange(slow.port, (socket) => dribble(socket, head, 100), {
          timeoutMs: 15_000,
          untilClose: true,
        }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expectServing(slow, 'normal-h', T0 + 1);
    for (const answer of await Promise.all(lorises)) {
      expect(answer.closedByServer).toBe(true);
      expect(answer.elapsedMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 200);
      expect(answer.elapsedMs).toBeLessThan(HEADERS_TIMEOUT_MS + SWEEP_SLACK_MS);
      // Node answers 408 when it can; a bare close is fine too. Never a 2xx.
      if (answer.status !== null) expect(answer.status).toBe(408);
    }
    await expectServing(slow, 'normal-h', T0 + 2);
  });

  it('closes sockets whose body trickles in, within REQUEST_TIMEOUT_MS, while serving others', async () => {
    const head =
      'POST /heartbeat/loris HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      'Content-Length: 100000\r\n\r\n';
    const lorises = Array.from({ length: 5 }, () =>
      timed(
        rawExchange(
          slow.port,
          (socket) => {
            socket.write(head);
            dribble(socket, ' '.repeat(100_000), 50);
          },
          { timeoutMs: 15_000, untilClose: true },
        ),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expectServing(slow, 'normal-b', T0 + 3);
    const before = await scrape(slow.url);
    for (const answer of await Promise.all(lorises)) {
      expect(answer.closedByServer).toBe(true);
      expect(answer.elapsedMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 200);
      expect(answer.elapsedMs).toBeLessThan(REQUEST_TIMEOUT_MS + SWEEP_SLACK_MS);
      if (answer.status !== null) expect([400, 408]).toContain(answer.status);
    }
    // Nothing of the slow bodies was applied.
    expect(statusSet((await scrape(slow.url)).metrics, 'normal-b')).toEqual(
      statusSet(before.metrics, 'normal-b'),
    );
    expect(
      (await scrape(slow.url)).metrics.select('exotel_heartbeat_status', { account: 'loris' }),
    ).toEqual([]);
    await expectServing(slow, 'normal-b', T0 + 4);
  });

  it('answers 431 to headers over MAX_HEADER_BYTES and keeps serving', async () => {
    const answer = await rawExchange(
      slow.port,
      (socket) =>
        socket.write(
          `POST /heartbeat/loris HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        ),
      { timeoutMs: 5_000, untilClose: true },
    );
    expect(answer.status).toBe(431);
    expect(answer.closedByServer).toBe(true);
    await expectServing(slow, 'normal-s', T0 + 5);
  });
});

describe('flood of small posts', { timeout: 30_000 }, () => {
  it('rate-limits each flooding source with 429 + Retry-After, while a real heartbeat from another source gets through', async () => {
    const sources = ['127.0.0.1', '127.0.0.3', '127.0.0.4'].map(sourceClient);
    const real = sourceClient('127.0.0.2');
    const [first] = sources;
    if (first === undefined) throw new Error('no source');
    try {
      // The default burst lets at least 100 requests from one source through at once.
      const burst = await Promise.all(
        Array.from({ length: 100 }, () => first.post(`${flood.url}/heartbeat/flood`, hb(T0))),
      );
      expect(burst.map((a) => a.status)).toEqual(Array<number>(100).fill(200));

      const statuses = new Map<number, number>();
      let rateLimited = 0;
      let sent = 0;
      const TOTAL = 2_000;
      // A bounded loop: 3 sources × 16 in flight until 2,000 posts are answered.
      const worker = async (client: ReturnType<typeof sourceClient>) => {
        while (sent < TOTAL) {
          sent++;
          const answer = await client.post(`${flood.url}/heartbeat/flood`, hb(T0));
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status === 429) {
            rateLimited++;
            expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
            expect(JSON.parse(answer.text)).toEqual({
              error: 'rate_limited',
              detail: expect.any(String) as unknown,
            });
          }
        }
      };
      const workers = sources.flatMap((client) => Array.from({ length: 16 }, () => worker(client)));
      // Meanwhile, the real heartbeat from a quiet source.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const answer = await real.post(`${flood.url}/heartbeat/real`, hb(T0 + 60, 'WARNING'));
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({ result: 'applied' });
      await Promise.all(workers);

      expect([...statuses.keys()].sort()).toEqual([200, 429]);
      expect(rateLimited).toBeGreaterThan(TOTAL / 2);
      const { metrics } = await scrape(flood.url);
      expect(metrics.value('exotel_heartbeats_rejected_total', { reason: 'rate_limited' })).toBe(
        rateLimited,
      );
      expect(statusSet(metrics, 'real')).toEqual(onlyStatus('WARNING'));
      expect((await request(`${flood.url}/-/healthy`)).status).toBe(200);
      // /metrics is not rate-limited: Prometheus shares no budget with the webhook.
      expect((await request(`${flood.url}/metrics`)).status).toBe(200);
    } finally {
      for (const client of [...sources, real]) client.close();
    }
  });
});

describe('concurrent large ingests', { timeout: 20_000 }, () => {
  const largeHead = (framing: string) =>
    `POST /heartbeat/large HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${framing}\r\n`;

  it('answers 503 + Retry-After beyond MAX_CONCURRENT_LARGE_INGESTS, before reading a body byte', async () => {
    // Two large bodies in flight: one declared 5 MB, one chunked (unknown length); both stall.
    const holders: Socket[] = [];
    const hold = (framing: string) =>
      rawExchange(
        gated.port,
        (socket) => {
          holders.push(socket);
          socket.write(largeHead(framing));
          socket.write(
            framing.includes('chunked') ? '10\r\n{"timestamp":   \r\n' : '{"timestamp":',
          );
        },
        { timeoutMs: 15_000, untilClose: true },
      );
    const held = [hold('Content-Length: 5000000\r\n'), hold('Transfer-Encoding: chunked\r\n')];
    await new Promise((resolve) => setTimeout(resolve, 300));

    // A third large one: refused from its headers alone (no body is ever sent).
    const before = await scrape(gated.url);
    for (const framing of ['Content-Length: 10000000\r\n', 'Transfer-Encoding: chunked\r\n']) {
      const refused = await rawExchange(gated.port, (socket) => socket.write(largeHead(framing)), {
        timeoutMs: 5_000,
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(JSON.parse(refused.body)).toEqual({
        error: 'overloaded',
        detail: expect.any(String) as unknown,
      });
    }
    // Small heartbeats are never held up by the gate.
    expectOutcome(await postHeartbeat(`${gated.url}/heartbeat/small`, hb(T0)), 'applied');
    const after = await scrape(gated.url);
    expect(
      after.metrics.value('exotel_heartbeats_rejected_total', { reason: 'overloaded' }) -
        before.metrics.value('exotel_heartbeats_rejected_total', { reason: 'overloaded' }),
    ).toBe(2);

    // The holders go away: their slots are released and a real 2 MB heartbeat is accepted.
    for (const socket of holders) socket.destroy();
    await Promise.all(held);
    const body = hb(T0 + 60, 'WARNING');
    const padded = `${body.slice(0, -1)}${' '.repeat(2_000_000)}}`;
    // The server frees a slot when it sees its connection close, which can come just after a
    // request on a kept-alive connection: in process they share one event loop, so a 503 here
    // only means "not yet". The slots must be free within a few seconds, then it is applied.
    let answer = await postHeartbeat(`${gated.url}/heartbeat/large`, padded);
    await waitFor('the held slots to be released', async () => {
      if (answer.status !== 503) return true;
      answer = await postHeartbeat(`${gated.url}/heartbeat/large`, padded);
      return false;
    });
    expectOutcome(answer, 'applied');
    expect(statusSet((await scrape(gated.url)).metrics, 'large')).toEqual(onlyStatus('WARNING'));
  });
});
