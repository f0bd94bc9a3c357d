/**
 * Webhook tokens on the whole exporter (in process): every accepted form, every refusal the same 401
 * before a body byte is read, and no token in any log line or on the status page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startExporterInProcess,
  stopAllInProcess,
  type ExporterInProcess,
} from '../helpers/exporterInProcess.js';
import {
  heartbeat,
  iso,
  json,
  postHeartbeat,
  rawExchange,
  request,
  scrape,
  JSON_HEADERS,
} from '../helpers/http.js';

const TOKEN_A = 'tok-AAAAAAAAAAAAAAAAAAAAAAAA';
const TOKEN_B = 'tok-BBBBBBBBBBBBBBBBBBBBBBBB';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const UNAUTHORIZED = { error: 'unauthorized', detail: 'a valid webhook token is required' };

let exporter: ExporterInProcess;
let seconds = Math.floor(Date.now() / 1000) - 3_600;
/** A fresh valid heartbeat each time, so "accepted" means applied, not a duplicate. */
const body = () => heartbeat({ timestamp: iso(++seconds), status: 'OK' });

beforeAll(async () => {
  exporter = await startExporterInProcess({ WEBHOOK_TOKENS: `${TOKEN_A},${TOKEN_B}` });
});
afterAll(async () => {
  await stopAllInProcess();
});

describe('accepted token forms', () => {
  it.each([
    ['path, default account', '/heartbeat/t/TOKEN_A', {}],
    ['path, named account', '/heartbeat/acme/t/TOKEN_B', {}],
    ['path with a trailing slash', '/heartbeat/acme/t/TOKEN_A/', {}],
    ['query, default account', '/heartbeat?token=TOKEN_A', {}],
    ['query, named account', '/heartbeat/acme?token=TOKEN_B', {}],
    ['Bearer', '/heartbeat/acme', { authorization: `Bearer ${TOKEN_A}` }],
    [
      'basic auth password (any user)',
      '/heartbeat/acme',
      { authorization: basic('exotel', TOKEN_B) },
    ],
    ['basic auth password, empty user', '/heartbeat', { authorization: basic('', TOKEN_A) }],
    ['the same token in two forms', '/heartbeat/t/TOKEN_A', { authorization: `Bearer ${TOKEN_A}` }],
    [
      'both tokens in two forms',
      '/heartbeat?token=TOKEN_B',
      { authorization: `Bearer ${TOKEN_A}` },
    ],
  ])('%s', async (_name, path, headers: Record<string, string>) => {
    const url = exporter.url + path.replace('TOKEN_A', TOKEN_A).replace('TOKEN_B', TOKEN_B);
    const answer = await postHeartbeat(url, body(), { ...JSON_HEADERS, ...headers });
    expect({ status: answer.status, body: json(answer) }).toEqual({
      status: 200,
      body: { result: 'applied' },
    });
  });
});

/** Each hostile request, and whether it sends a valid heartbeat body (the answer must not care). */
const REFUSED: readonly [string, string, Record<string, string>, boolean][] = [
  ['no token at all', '/heartbeat/acme', {}, true],
  ['no token, bad JSON', '/heartbeat/acme', {}, false],
  ['no token, wrong content type', '/heartbeat/acme', { 'content-type': 'text/plain' }, true],
  ['no token, invalid account', '/heartbeat/NOT%20VALID', {}, true],
  ['no token, bad percent-encoding in the account', '/heartbeat/%E0%A4%A', {}, true],
  ['wrong token in the path', '/heartbeat/acme/t/tok-CCCCCCCCCCCCCCCCCCCCCCCC', {}, true],
  ['token with one character less', `/heartbeat/acme/t/${TOKEN_A.slice(0, -1)}`, {}, true],
  ['token in the wrong case', `/heartbeat/acme/t/${TOKEN_A.toLowerCase()}`, {}, true],
  ['empty path token', '/heartbeat/acme/t/', {}, true],
  ['bad percent-encoding in the path token', '/heartbeat/t/%E0%A4%A', {}, true],
  ['wrong query token', '/heartbeat?token=nope', {}, true],
  ['empty query token', '/heartbeat?token=', {}, true],
  ['two query tokens, both good', `/heartbeat?token=${TOKEN_A}&token=${TOKEN_B}`, {}, true],
  ['two query tokens, one good', `/heartbeat?token=${TOKEN_A}&token=x`, {}, true],
  ['wrong Bearer', '/heartbeat', { authorization: 'Bearer nope' }, true],
  ['empty Bearer', '/heartbeat', { authorization: 'Bearer ' }, true],
  ['Bearer with two values', '/heartbeat', { authorization: `Bearer ${TOKEN_A} x` }, true],
  ['unknown scheme', '/heartbeat', { authorization: `Token ${TOKEN_A}` }, true],
  ['wrong basic password', '/heartbeat', { authorization: basic('exotel', 'nope') }, true],
  ['token as the basic user name', '/heartbeat', { authorization: basic(TOKEN_A, '') }, true],
  [
    'good path token, wrong Bearer',
    `/heartbeat/t/${TOKEN_A}`,
    { authorization: 'Bearer nope' },
    true,
  ],
  [
    'good Bearer, wrong query token',
    '/heartbeat?token=nope',
    { authorization: `Bearer ${TOKEN_A}` },
    true,
  ],
  [
    'token as the account name',
    `/heartbeat/${TOKEN_A}`,
    { authorization: `Bearer ${TOKEN_A}` },
    true,
  ],
  ['token as the account name, no auth', `/heartbeat/${TOKEN_A}`, {}, true],
];

describe('refused requests', () => {
  it.each(REFUSED)('%s → the same 401', async (_name, path, headers, validBody) => {
    const before = (await scrape(exporter.url)).metrics.get('exotel_heartbeats_rejected_total', {
      reason: 'unauthorized',
    });
    const answer = await postHeartbeat(exporter.url + path, validBody ? body() : '{"timestamp":', {
      ...JSON_HEADERS,
      ...headers,
    });
    expect(answer.status).toBe(401);
    expect(json(answer)).toEqual(UNAUTHORIZED);
    expect(answer.headers.get('www-authenticate')).toBe(
      'Bearer realm="exotel-heartbeat-exporter", Basic realm="exotel-heartbeat-exporter", charset="UTF-8"',
    );
    const after = (await scrape(exporter.url)).metrics.value('exotel_heartbeats_rejected_total', {
      reason: 'unauthorized',
    });
    expect(after).toBe((before ?? 0) + 1);
  });

  it.each([
    '/HEARTBEAT/acme',
    '/Heartbeat',
    '/heartbeat/',
    '/heartbeat/acme/',
    '/HEARTBEAT/acme/T/nope',
    '//heartbeat/acme',
    '/./heartbeat/acme',
    '/heartbeat/./acme',
    '/nothing/../heartbeat/acme',
    '/heartbeat%2Facme',
    '/heartbeat;x/acme',
  ])('no path spelling reaches the handler without a token: %s', async (path) => {
    const before = await scrape(exporter.url);
    const answer = await rawExchange(exporter.port, (socket) => {
      const payload = JSON.stringify(body());
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
      );
    });
    expect([401, 404]).toContain(answer.status);
    const after = await scrape(exporter.url);
    expect(after.metrics.select('exotel_heartbeats_received_total')).toEqual(
      before.metrics.select('exotel_heartbeats_received_total'),
    );
  });

  it('guards an absolute-form request target the same way', async () => {
    const payload = JSON.stringify(body());
    const send = (target: string, auth = '') =>
      rawExchange(exporter.port, (socket) =>
        socket.write(
          `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${auth}` +
            `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
        ),
      );
    expect((await send('http://x/heartbeat/acme')).status).toBe(401);
    expect((await send('http://x/HEARTBEAT/acme')).status).toBe(401);
    expect(
      (await send('http://x/heartbeat/acme', `Authorization: Bearer ${TOKEN_A}\r\n`)).status,
    ).toBe(200);
  });

  it('refuses other methods on the webhook with the same 401, not a 405', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const answer = await request(`${exporter.url}/heartbeat/acme`, { method });
      expect([answer.status, json(answer)]).toEqual([401, UNAUTHORIZED]);
    }
  });

  it('answers the 401 before reading the body: 10 MB declared, a few bytes sent', async () => {
    const started = performance.now();
    const answer = await rawExchange(
      exporter.port,
      (socket) =>
        socket.write(
          'POST /heartbeat/acme HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
            'Content-Length: 10000000\r\n\r\n{"timest',
        ),
      { timeoutMs: 3_000, untilClose: true },
    );
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toEqual(UNAUTHORIZED);
    expect(answer.headers.get('connection')).toBe('close');
    // Closed by the server right after the answer, not after a body timeout.
    expect(answer.closedByServer).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('keeps the metrics and status page open: tokens guard the webhook only', async () => {
    expect((await request(`${exporter.url}/metrics`)).status).toBe(200);
    expect((await request(`${exporter.url}/api/v1/status`)).status).toBe(200);
  });
});

describe('secrecy', () => {
  it('puts no token in any log line, on the status page or in /api/v1/status', async () => {
    // A few more attempts that carry tokens everywhere, good and bad.
    await postHeartbeat(`${exporter.url}/heartbeat/acme/t/${TOKEN_B}?token=${TOKEN_A}`, body());
    await postHeartbeat(`${exporter.url}/heartbeat/t/${TOKEN_A}`, '{bad json', JSON_HEADERS);
    await postHeartbeat(`${exporter.url}/heartbeat/BAD%20ACCOUNT/t/${TOKEN_A}`, body());
    // The `t/` forgotten: no route, and no credentials either.
    await postHeartbeat(`${exporter.url}/heartbeat/acme/${TOKEN_A}`, body());
    const page = await request(`${exporter.url}/`);
    const api = await request(`${exporter.url}/api/v1/status`);
    const metrics = await request(`${exporter.url}/metrics`);
    const logs = JSON.stringify(exporter.logs) + exporter.otherOutput.join('\n');
    for (const token of [TOKEN_A, TOKEN_B, TOKEN_A.slice(4), TOKEN_B.slice(4)]) {
      expect(logs).not.toContain(token);
      expect(page.text).not.toContain(token);
      expect(api.text).not.toContain(token);
      expect(metrics.text).not.toContain(token);
    }
    // The redaction is visible, and the refusals were logged (so the check above saw them).
    expect(logs).toContain('/heartbeat/BAD%20ACCOUNT/t/[redacted]');
    expect(logs).toContain('"path":"/heartbeat/[redacted]"');
    expect(exporter.logs.filter((l) => l.reason === 'unauthorized').length).toBeGreaterThan(10);
    expect(exporter.logs.find((l) => l.msg === 'starting')).toMatchObject({
      config: { security: { webhookTokens: { configured: 2 } } },
    });
    expect(exporter.logs.some((l) => l.msg.includes('no webhook token is configured'))).toBe(false);
  });
});

describe('without tokens', () => {
  it('warns at start-up, and the webhook accepts anyone', async () => {
    const open = await startExporterInProcess();
    expect(open.logs.find((l) => l.msg.includes('no webhook token is configured'))).toMatchObject({
      level: 'warn',
    });
    expect((await postHeartbeat(`${open.url}/heartbeat/acme`, body())).status).toBe(200);
    // A token-form URL still routes (Exotel can be given it before the tokens are set).
    expect((await postHeartbeat(`${open.url}/heartbeat/acme/t/${TOKEN_A}`, body())).status).toBe(
      200,
    );
    await open.stop();
  });

  it('refuses a weak token at start-up, naming the variable but not the value', async () => {
    await expect(
      startExporterInProcess({ WEBHOOK_TOKENS: `${TOKEN_A},short-secret` }),
    ).rejects.toThrow(
      /invalid configuration: --webhook.tokens\/WEBHOOK_TOKENS token 2 of 2 must be/,
    );
    await expect(
      startExporterInProcess({ WEBHOOK_TOKENS: `${TOKEN_A},short-secret` }),
    ).rejects.not.toThrow(/short-secret/);
  });
});
