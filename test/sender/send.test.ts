import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileHeartbeatValidator } from '../../src/heartbeat/schema.js';
import { validateHeartbeat } from '../../src/heartbeat/validate.js';
import { buildHeartbeat } from '../../src/sender/buildHeartbeat.js';
import { runSend } from '../../src/sender/send.js';
import { parseSendArgs } from '../../src/sender/sendOptions.js';

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 600);
const clock = { now: () => NOW };

describe('parseSendArgs', () => {
  it.each([
    [['--status', 'nope'], '--status must be one of'],
    [['--sids', 'a"b'], 'not a valid SID'],
    [['--timestamp', '2026-02-30T00:00:00Z'], '--timestamp must be RFC 3339'],
    [['--url', 'not a url'], '--url is not a URL'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('refuses %j', (args, message) => {
    const result = parseSendArgs(args);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(message);
  });

  it('defaults to an OK heartbeat to the local exporter on the default port', () => {
    expect(parseSendArgs([])).toEqual({
      ok: true,
      options: {
        url: 'http://localhost:8747/heartbeat',
        status: 'OK',
        incoming: [],
        outgoing: [],
        timestamp: null,
        token: null,
      },
    });
  });

  it('puts --sids in both directions and adds the direction-specific lists', () => {
    const result = parseSendArgs([
      '--status',
      'critical',
      '--sids',
      'a,b',
      '--incoming',
      'c',
      '--outgoing',
      'd',
    ]);
    expect(result.ok && result.options).toMatchObject({
      status: 'CRITICAL',
      incoming: ['a', 'b', 'c'],
      outgoing: ['a', 'b', 'd'],
    });
  });
});

describe('buildHeartbeat', () => {
  const validator = compileHeartbeatValidator(false);

  it('builds a body the exporter accepts in strict mode, with vendor-style phone numbers', () => {
    const options = parseSendArgs([
      '--status',
      'warning',
      '--incoming',
      '07930061010,x-1',
      '--outgoing',
      '07930061010',
    ]);
    if (!options.ok) throw new Error(options.message);
    const body = JSON.parse(buildHeartbeat(options.options, NOW)) as unknown;
    expect(body).toEqual({
      timestamp: '2026-01-02T03:04:05.6Z',
      status_type: 'WARNING',
      incoming_affected: ['07930061010', 'x-1'],
      outgoing_affected: ['07930061010'],
      data: { '07930061010': { phone_number: '+917930061010' }, 'x-1': {} },
    });
    expect(validateHeartbeat(body, validator, false).ok).toBe(true);
  });

  it('sends null arrays and no data for an OK heartbeat, and no data for PAYLOAD_TOO_LARGE', () => {
    const ok = JSON.parse(
      buildHeartbeat(
        { url: 'http://x', status: 'OK', incoming: [], outgoing: [], timestamp: null, token: null },
        NOW,
      ),
    ) as Record<string, unknown>;
    expect(ok).toMatchObject({ incoming_affected: null, outgoing_affected: null, data: {} });
    const large = JSON.parse(
      buildHeartbeat(
        {
          url: 'http://x',
          status: 'PAYLOAD_TOO_LARGE',
          incoming: ['a'],
          outgoing: [],
          timestamp: '2026-01-01T00:00:00Z',
          token: null,
        },
        NOW,
      ),
    ) as Record<string, unknown>;
    expect(large).toMatchObject({ timestamp: '2026-01-01T00:00:00Z', data: {} });
  });
});

describe('runSend against a real HTTP server', () => {
  let server: Server;
  let url = '';
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  let answer = 200;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(answer, { 'content-type': 'application/json' }).end('{"result":"applied"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/heartbeat/acme`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('posts JSON and exits 0 on 2xx, 1 otherwise, printing the answer', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const deps = { fetch, clock, out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    expect(await runSend(['--url', url, '--status', 'critical', '--sids', 'a'], deps)).toBe(0);
    expect(received.at(-1)?.headers['content-type']).toBe('application/json');
    expect(received.at(-1)?.headers.authorization).toBeUndefined();
    expect(JSON.parse(received.at(-1)?.body ?? '')).toMatchObject({
      status_type: 'CRITICAL',
      incoming_affected: ['a'],
    });
    expect(out).toEqual(['200 {"result":"applied"}']);
    answer = 400;
    expect(await runSend(['--url', url], deps)).toBe(1);
    expect(err).toEqual(['400 {"result":"applied"}']);
  });

  it('sends --token as a Bearer token', async () => {
    answer = 200;
    const deps = { fetch, clock, out: () => undefined, err: () => undefined };
    expect(await runSend(['--url', url, '--token', 'abcdefghijklmnop-1'], deps)).toBe(0);
    expect(received.at(-1)?.headers.authorization).toBe('Bearer abcdefghijklmnop-1');
    // User info in the URL (Exotel's form) becomes basic auth, as Exotel sends it.
    const withUser = url.replace('http://', 'http://exotel:abcdefghijklmnop-2@');
    expect(await runSend(['--url', withUser], deps)).toBe(0);
    expect(received.at(-1)?.headers.authorization).toBe(
      `Basic ${Buffer.from('exotel:abcdefghijklmnop-2').toString('base64')}`,
    );
  });

  it.each([
    'http://127.0.0.1:1/heartbeat/t/secret-token',
    'http://127.0.0.1:1/heartbeat/acme/t/secret-token',
    'http://127.0.0.1:1/heartbeat?token=secret-token',
    'http://user:secret-token@127.0.0.1:1/heartbeat',
  ])('never prints a token carried by the URL (%s)', async (target) => {
    const err: string[] = [];
    const code = await runSend(['--url', target, '--token', 'secret-token'], {
      fetch,
      clock,
      out: () => undefined,
      err: (l) => err.push(l),
    });
    expect(code).toBe(1);
    expect(err.join('\n')).toContain('could not reach http://127.0.0.1:1/heartbeat');
    expect(err.join('\n')).not.toContain('secret-token');
  });

  it('exits 1 with a message when nothing listens, without printing the account path', async () => {
    const err: string[] = [];
    const code = await runSend(['--url', 'http://127.0.0.1:1/heartbeat/secret-token'], {
      fetch,
      clock,
      out: () => undefined,
      err: (l) => err.push(l),
    });
    expect(code).toBe(1);
    expect(err.join('\n')).toContain('could not reach http://127.0.0.1:1/heartbeat/…');
    expect(err.join('\n')).not.toContain('secret-token');
  });
});
