/**
 * Malformed and hostile requests against one long-lived exporter with a state file. Each must get
 * its intended 4xx with a `{"error", "detail"}` body that echoes nothing of the request, and leave
 * every ExoPhone metric and the state file byte for byte as they were. Framing attacks that only
 * a raw socket can express get Node's own 400/431 and a closed connection, with the same checks.
 * At the end the exporter (in process, as main.ts starts it) must still be alive and healthy.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOutcome, onlyStatus, perSid, statusSet } from '../helpers/domain.js';
import {
  startExporterInProcess,
  stopAllInProcess,
  uncaughtErrors,
  type ExporterInProcess,
} from '../helpers/exporterInProcess.js';
import { tempDir } from '../helpers/exporterProcess.js';
import {
  domainLines,
  familyLines,
  heartbeat,
  iso,
  postHeartbeat,
  rawExchange,
  request,
  scrape,
  T0,
  waitFor,
  type Exposition,
} from '../helpers/http.js';

/** Put into every hostile body; it must never come back in an answer or a log line. */
const BODY_MARKER = 'zq-canary-5821';
/** Put into paths and query strings; it must never come back in an answer. */
const PATH_MARKER = 'zqpathcanary';

const REJECT_REASONS = [
  'unauthorized',
  'invalid_account',
  'unsupported_media_type',
  'body_too_large',
  'invalid_body',
  'invalid_json',
  'invalid_payload',
  'future_timestamp',
  'too_many_accounts',
  'not_ready',
  'rate_limited',
  'overloaded',
];

const SID = '07930061010';
const PHONE = '+917930061010';
const MAX_BODY = 12_000_000;

let exporter: ExporterInProcess;
const dir = tempDir('exotel-hostile-');
const stateFile = join(dir.path, 'state.json');

/** The state file's bytes and modification time: a refusal must not even rewrite it. */
function stateFileNow(): { bytes: string; mtimeMs: number } {
  return { bytes: readFileSync(stateFile, 'utf8'), mtimeMs: statSync(stateFile).mtimeMs };
}

beforeAll(async () => {
  // default, `hostile` and `control`: three accounts, so a fourth is over the limit.
  exporter = await startExporterInProcess({ MAX_ACCOUNTS: '3', STATE_FILE: stateFile });
  const critical = heartbeat({
    timestamp: iso(T0),
    status: 'CRITICAL',
    incoming: [SID, '08030752522'],
    outgoing: [SID],
    phones: { [SID]: PHONE, '08030752522': '+918030752522' },
  });
  for (const account of ['hostile', 'control']) {
    expectOutcome(await postHeartbeat(`${exporter.url}/heartbeat/${account}`, critical), 'applied');
  }
  expectOutcome(await postHeartbeat(`${exporter.url}/heartbeat`, critical), 'applied');
  await waitFor('the baseline on disk', () => {
    try {
      return (
        (JSON.parse(readFileSync(stateFile, 'utf8')) as { accounts: unknown[] }).accounts.length ===
        3
      );
    } catch {
      return false;
    }
  });
  // …and quiet: the saves' own gauges (exotel_state_persist_*) must not move under a refusal.
  let last = '';
  await waitFor('the saves to settle', async () => {
    const now = familyLines((await scrape(exporter.url)).text, [
      'exotel_state_persist_last_success_timestamp_seconds',
    ]);
    const settled = now === last;
    last = now;
    if (!settled) await new Promise((resolve) => setTimeout(resolve, 300));
    return settled;
  });
});

afterAll(async () => {
  await stopAllInProcess();
  dir.cleanup();
});

/**
 * A body that would be applied (newer than the baseline, a different status) if it got through:
 * so a refusal that secretly applied something shows up as a metric change.
 */
function valid(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    note: BODY_MARKER,
    timestamp: iso(T0 + 3600),
    status_type: 'WARNING',
    incoming_affected: [SID],
    outgoing_affected: null,
    data: { [SID]: { phone_number: PHONE } },
    ...overrides,
  };
}
const text = (overrides: Record<string, unknown> = {}) => JSON.stringify(valid(overrides));
const withSid = (sid: string) => text({ incoming_affected: [SID, sid] });
const withTimestamp = (timestamp: unknown) => text({ timestamp });
const withPhone = (phone: unknown) => text({ data: { [SID]: { phone_number: phone } } });

interface Answer {
  readonly status: number | null;
  readonly contentType: string | null;
  readonly allow: string | null;
  readonly text: string;
}

interface Case {
  readonly name: string;
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  readonly status: number;
  /** The `error` field; undefined: any string (for answers whose name the design leaves open). */
  readonly error?: string;
  readonly allow?: string;
}

const JSON_TYPE = { 'content-type': 'application/json' };

const mediaType = (
  name: string,
  headers: Record<string, string>,
  body: Case['body'] = text(),
): Case => ({
  name,
  headers,
  body,
  status: 415,
  error: 'unsupported_media_type',
});
const notJson = (name: string, body: string | Uint8Array): Case => ({
  name,
  body,
  status: 400,
  error: 'invalid_json',
});
const badPayload = (name: string, body: string): Case => ({
  name,
  body,
  status: 400,
  error: 'invalid_payload',
});
const badAccount = (name: string, account: string): Case => ({
  name,
  path: `/heartbeat/${account}`,
  body: text(),
  status: 400,
  error: 'invalid_account',
});
const wrongMethod = (method: string, path: string, allow: string): Case => ({
  name: `${method} ${path}`,
  method,
  path,
  ...(method === 'GET' || method === 'DELETE' ? {} : { body: text() }),
  status: 405,
  error: 'method_not_allowed',
  allow,
});
const utf8With = (bytes: number[]) =>
  Buffer.concat([
    Buffer.from(`{"note":"${BODY_MARKER}`),
    Buffer.from(bytes),
    Buffer.from(`",${text().slice(1)}`),
  ]);

const CASES: readonly Case[] = [
  // Headers: decided before a body byte is read.
  mediaType('Content-Type text/plain', { 'content-type': 'text/plain' }),
  mediaType('no Content-Type', {}, new TextEncoder().encode(text())),
  mediaType('charset=latin1', { 'content-type': 'application/json; charset=latin1' }),
  mediaType(
    'form-encoded',
    { 'content-type': 'application/x-www-form-urlencoded' },
    `p=${BODY_MARKER}`,
  ),
  mediaType('a list of media types', { 'content-type': 'application/json, text/plain' }),
  mediaType(
    'Content-Encoding gzip',
    { ...JSON_TYPE, 'content-encoding': 'gzip' },
    gzipSync(text()),
  ),
  // Bytes and JSON.
  notJson('invalid UTF-8', utf8With([0xff, 0xfe, 0xc3])),
  notJson('a UTF-8-encoded lone surrogate', utf8With([0xed, 0xa0, 0x80])),
  notJson('empty body', ''),
  notJson('truncated JSON', text().slice(0, 60)),
  notJson('trailing garbage', `${text()} ${BODY_MARKER}`),
  notJson('a comment', `{/* ${BODY_MARKER} */${text().slice(1)}`),
  notJson('NaN', text().replace('"note"', '"n": NaN, "note"')),
  notJson('unterminated deep nesting', `{"note":"${BODY_MARKER}","x":${'['.repeat(200_000)}`),
  // Shape.
  badPayload('an array as root', JSON.stringify([valid()])),
  badPayload('null as root', 'null'),
  badPayload('a string as root', JSON.stringify(BODY_MARKER)),
  badPayload('a number as root', '1e308'),
  badPayload('missing timestamp', JSON.stringify({ ...valid(), timestamp: undefined })),
  // Timestamps.
  badPayload('timestamp as epoch seconds', withTimestamp(T0 + 3600)),
  badPayload('timestamp without zone', withTimestamp('2024-01-01T01:00:00')),
  badPayload(
    'timestamp with an RFC 9557 [zone]',
    withTimestamp('2024-01-01T01:00:00Z[Asia/Kolkata]'),
  ),
  badPayload('timestamp Feb 30', withTimestamp('2024-02-30T01:00:00Z')),
  badPayload('timestamp month 13', withTimestamp('2024-13-01T01:00:00Z')),
  badPayload('timestamp hour 24', withTimestamp('2024-01-01T24:00:00Z')),
  badPayload('timestamp with `>>`', withTimestamp('2024-01-01T01:00:00Z>>')),
  badPayload('timestamp with a space for T', withTimestamp('2024-01-01 01:00:00Z')),
  badPayload('a leap second mid-day', withTimestamp('2024-01-01T12:00:60Z')),
  // Status.
  badPayload('unknown status_type', text({ status_type: 'DEGRADED' })),
  badPayload('lower-case status_type', text({ status_type: 'warning' })),
  badPayload('status_type null', text({ status_type: null })),
  // Affected arrays.
  badPayload('incoming_affected as a string', text({ incoming_affected: SID })),
  badPayload('incoming_affected as an object', text({ incoming_affected: { [SID]: true } })),
  badPayload('incoming_affected of numbers', text({ incoming_affected: [7930061010] })),
  badPayload('incoming_affected with null', text({ incoming_affected: [SID, null] })),
  // SIDs: label values and HTML cells, so a conservative ASCII set only.
  badPayload('SID with a quote', withSid(`a"${BODY_MARKER}`)),
  badPayload('SID with a backslash', withSid(`a\\${BODY_MARKER}`)),
  badPayload('SID with a newline', withSid(`a\n${BODY_MARKER}`)),
  badPayload('SID with a comma', withSid(`a,${BODY_MARKER}`)),
  badPayload('SID with a space', withSid(`a ${BODY_MARKER}`)),
  badPayload('SID with a Cyrillic о', withSid(`07930\u043e61010${BODY_MARKER}`)),
  badPayload('SID with HTML', withSid(`<b>${BODY_MARKER}</b>`)),
  badPayload(
    'SID that is a lone surrogate escape',
    withSid('LONE').replace('"LONE"', `"${BODY_MARKER}\\ud800"`),
  ),
  badPayload('SID of 65 characters', withSid(BODY_MARKER.padEnd(65, 'x'))),
  badPayload('SID of 1 MB', withSid(BODY_MARKER.padEnd(1_000_000, '7'))),
  badPayload('empty SID', withSid('')),
  badPayload(
    'data key that is not a safe SID',
    text({ data: { [`x"${BODY_MARKER}`]: { phone_number: PHONE } } }),
  ),
  // Phone numbers: E.164 only.
  badPayload('phone number with letters', withPhone(`+91${BODY_MARKER}`)),
  badPayload('phone number without +', withPhone('917930061010')),
  badPayload('phone number too long', withPhone('+9179300610101234')),
  badPayload('phone number as a number', withPhone(917930061010)),
  // data.
  badPayload('data as an array', text({ data: [{ [SID]: { phone_number: PHONE } }] })),
  badPayload('data entry as a string', text({ data: { [SID]: BODY_MARKER } })),
  // Accounts (path segment).
  badAccount('upper-case account', PATH_MARKER.toUpperCase()),
  badAccount('account of 64 characters', PATH_MARKER.padEnd(64, 'a')),
  badAccount('account with a dot', `${PATH_MARKER}.example`),
  badAccount('account with an encoded slash', `${PATH_MARKER}%2Fx`),
  // The design leaves the error name open here; a 400 it must be (not a 500).
  {
    name: 'account with broken percent-encoding',
    path: `/heartbeat/${PATH_MARKER}%zz`,
    body: text(),
    status: 400,
  },
  {
    // Express routes are case-insensitive: the upper-case path reaches the webhook too, and its
    // refusal must be the same, counted one.
    name: 'upper-case webhook path with broken percent-encoding',
    path: `/HEARTBEAT/${PATH_MARKER}%zz`,
    body: text(),
    status: 400,
    error: 'invalid_account',
  },
  // Routes and methods.
  { ...wrongMethod('GET', '/heartbeat', 'POST'), path: `/heartbeat?${PATH_MARKER}=1` },
  wrongMethod('PUT', '/heartbeat/hostile', 'POST'),
  wrongMethod('DELETE', '/heartbeat', 'POST'),
  wrongMethod('PUT', '/metrics', 'GET, HEAD'),
  wrongMethod('POST', '/metrics', 'GET, HEAD'),
  wrongMethod('POST', '/-/ready', 'GET, HEAD'),
  { name: 'unknown path', path: `/${PATH_MARKER}`, body: text(), status: 404, error: 'not_found' },
  {
    name: 'a path below an account',
    path: `/heartbeat/hostile/${PATH_MARKER}`,
    body: text(),
    status: 404,
    error: 'not_found',
  },
  // Valid, but not acceptable.
  {
    name: 'a timestamp an hour ahead',
    body: withTimestamp(iso(Math.floor(Date.now() / 1000) + 3600)),
    status: 422,
    error: 'future_timestamp',
  },
  {
    name: 'a fourth account',
    path: '/heartbeat/newcomer',
    body: text(),
    status: 429,
    error: 'too_many_accounts',
  },
  // --- Added with the hardening issue (#4): the rest of its list. ---
  // Encodings and charsets.
  mediaType('charset=utf-16', { 'content-type': 'application/json; charset=utf-16' }),
  mediaType('Content-Type text/json', { 'content-type': 'text/json' }),
  mediaType('Content-Type application/json-patch+json', {
    'content-type': 'application/json-patch+json',
  }),
  mediaType('an empty Content-Type', { 'content-type': '' }),
  mediaType('multipart/form-data', { 'content-type': 'multipart/form-data; boundary=x' }),
  mediaType('Content-Encoding br', { ...JSON_TYPE, 'content-encoding': 'br' }),
  mediaType('Content-Encoding deflate', { ...JSON_TYPE, 'content-encoding': 'deflate' }),
  mediaType('Content-Encoding "gzip, identity"', {
    ...JSON_TYPE,
    'content-encoding': 'gzip, identity',
  }),
  notJson('a UTF-16LE body with BOM', Buffer.from(`\ufeff${text()}`, 'utf16le')),
  notJson('an overlong UTF-8 encoding of "/"', utf8With([0xc0, 0xaf])),
  // JSON syntax and nesting depth.
  notJson('single-quoted strings', text().replace(/"/g, "'")),
  notJson('unquoted keys', text().replace('"timestamp"', 'timestamp')),
  notJson('Infinity', text().replace('"note"', '"n": Infinity, "note"')),
  notJson('a hex number', text().replace('"note"', '"n": 0x10, "note"')),
  notJson(
    'a raw control character in a string',
    text().replace(BODY_MARKER, `${BODY_MARKER}\u0001`),
  ),
  notJson('two JSON documents', `${text()}${text()}`),
  notJson('an unterminated string', `{"note":"${BODY_MARKER}`),
  notJson(
    'unterminated deep object nesting',
    `{"note":"${BODY_MARKER}","x":${'{"x":'.repeat(100_000)}`,
  ),
  // Wrong types in every field.
  badPayload('an empty object', '{}'),
  badPayload('true as root', 'true'),
  badPayload('timestamp null', withTimestamp(null)),
  badPayload('timestamp an array', withTimestamp([iso(T0 + 3600)])),
  badPayload('timestamp an object', withTimestamp({ seconds: T0 + 3600 })),
  badPayload('timestamp empty', withTimestamp('')),
  badPayload('status_type a number', text({ status_type: 1 })),
  badPayload('status_type an array', text({ status_type: ['WARNING'] })),
  badPayload('outgoing_affected a string', text({ outgoing_affected: SID })),
  badPayload('outgoing_affected a number', text({ outgoing_affected: 7 })),
  badPayload('outgoing_affected with an object', text({ outgoing_affected: [{ sid: SID }] })),
  badPayload('data a string', text({ data: BODY_MARKER })),
  badPayload('data a number', text({ data: 1 })),
  badPayload('data entry an array', text({ data: { [SID]: [PHONE] } })),
  badPayload('phone_number null', withPhone(null)),
  badPayload('phone_number an object', withPhone({ e164: PHONE })),
  badPayload(
    'a duplicate key whose last value is invalid',
    `${text().slice(0, -1)},"status_type":"BOGUS"}`,
  ),
  badPayload(
    'a SID as a number too large for a double',
    text({ incoming_affected: [SID] }).replace(`["${SID}"]`, '[1e400]'),
  ),
  // Label-unsafe SIDs and look-alikes.
  badPayload('SID with fullwidth digits', withSid('\uff10\uff17\uff19')),
  badPayload('SID with a zero-width space', withSid(`0793\u200b0061010`)),
  badPayload('SID with a NUL', withSid('0793\u00000061010')),
  badPayload('SID with a tab', withSid('0793\t0061010')),
  badPayload('SID with a right-to-left override', withSid('\u202e0101600397')),
  badPayload('SID with a combining mark', withSid('07930061010\u0301')),
  badPayload('SID with braces and =', withSid('a}{b="c"')),
  badPayload('SID that is an emoji', withSid('\u{1F4DE}')),
  badPayload(
    'outgoing SID that is a lone low surrogate escape',
    text({ outgoing_affected: ['LONE'] }).replace('"LONE"', '"\\udc00"'),
  ),
  // Prototype keys at every level, where they must still be validated as data.
  badPayload(
    'data.__proto__ as a string',
    text().replace('"data":{', `"data":{"__proto__":"${BODY_MARKER}",`),
  ),
  badPayload(
    'incoming_affected as {"__proto__": []}',
    text().replace(`"incoming_affected":["${SID}"]`, '"incoming_affected":{"__proto__":[]}'),
  ),
  badPayload('only a __proto__ key at the root', `{"__proto__":${text()}}`),
  {
    name: 'account __proto__ (a fourth account)',
    path: '/heartbeat/__proto__',
    body: text(),
    status: 429,
    error: 'too_many_accounts',
  },
  {
    name: 'account constructor (a fourth account)',
    path: '/heartbeat/constructor',
    body: text(),
    status: 429,
    error: 'too_many_accounts',
  },
  // Timestamp edges.
  badPayload('timestamp offset +24:00', withTimestamp('2024-01-01T01:00:00+24:00')),
  badPayload('timestamp offset without a colon', withTimestamp('2024-01-01T06:30:00+0530')),
  badPayload('timestamp Feb 29 in a common year', withTimestamp('2023-02-29T01:00:00Z')),
  badPayload('timestamp year 10000', withTimestamp('+010000-01-01T00:00:00Z')),
  badPayload(
    'timestamp with a [zone] after an offset',
    withTimestamp('2024-01-01T06:30:00+05:30[Asia/Kolkata]'),
  ),
  {
    name: 'a timestamp in year 9999',
    body: withTimestamp('9999-12-31T23:59:59Z'),
    status: 422,
    error: 'future_timestamp',
  },
  // Methods.
  wrongMethod('PATCH', '/heartbeat', 'POST'),
  wrongMethod('DELETE', '/metrics', 'GET, HEAD'),
];

function rejectedCounts(metrics: Exposition): Record<string, number> {
  return Object.fromEntries(
    REJECT_REASONS.map((reason) => [
      reason,
      metrics.value('exotel_heartbeats_rejected_total', { reason }),
    ]),
  );
}

/**
 * Sends one request and checks every invariant of a refusal: status, error shape, no echo, no
 * change to any ExoPhone metric, and exactly one count under its reason.
 */
async function expectRefusal(
  send: () => Promise<Answer>,
  expected: { status: number; error?: string | undefined; allow?: string | undefined },
): Promise<void> {
  const before = await scrape(exporter.url);
  const fileBefore = stateFileNow();
  const answer = await send();
  const after = await scrape(exporter.url);

  expect(answer.status).toBe(expected.status);
  expect(stateFileNow()).toEqual(fileBefore);
  expect(answer.contentType).toMatch(/^application\/json; charset=utf-8$/);
  const body = JSON.parse(answer.text) as unknown;
  expect(body).toEqual({
    error: expected.error ?? (expect.any(String) as unknown),
    detail: expect.any(String) as unknown,
  });
  expect(Object.keys(body as object)).toEqual(['error', 'detail']);
  expect(answer.text.toLowerCase()).not.toContain(BODY_MARKER);
  expect(answer.text.toLowerCase()).not.toContain(PATH_MARKER);
  if (expected.allow !== undefined) expect(answer.allow).toBe(expected.allow);

  expect(domainLines(after.text)).toBe(domainLines(before.text));
  const counted = rejectedCounts(before.metrics);
  const error = (body as { error: string }).error;
  if (REJECT_REASONS.includes(error)) counted[error] = (counted[error] ?? 0) + 1;
  expect(rejectedCounts(after.metrics)).toEqual(counted);
}

describe('malformed and hostile requests', () => {
  it.each(CASES)('$name → $status', async (c) => {
    await expectRefusal(async () => {
      const headers = c.headers ?? JSON_TYPE;
      const init: RequestInit = { method: c.method ?? 'POST', headers };
      if (c.body !== undefined) init.body = c.body;
      const result = await request(`${exporter.url}${c.path ?? '/heartbeat/hostile'}`, init);
      return {
        status: result.status,
        contentType: result.headers.get('content-type'),
        allow: result.headers.get('allow'),
        text: result.text,
      };
    }, c);
  });

  it('has at least 50 distinct cases', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(50);
  });
});

describe('oversized and broken bodies over a raw socket', () => {
  const head = (framing: string) =>
    `POST /heartbeat/hostile HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${framing}\r\n`;

  async function raw(
    drive: (socket: Socket) => void,
  ): Promise<Answer & { closedByServer: boolean }> {
    const response = await rawExchange(exporter.port, drive, {
      timeoutMs: 10_000,
      untilClose: true,
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? null,
      allow: response.headers.get('allow') ?? null,
      text: response.body,
      closedByServer: response.closedByServer,
    };
  }

  /**
   * Writes `total` bytes of whitespace in 1 MB pieces, honouring backpressure and stopping as soon
   * as the server answers: writing into a connection the server has given up on only provokes a
   * reset that can swallow the answer.
   */
  function writeSpaces(socket: Socket, total: number, chunked = false): void {
    const piece = Buffer.alloc(1 << 20, 0x20);
    let left = total;
    let answered = false;
    socket.once('data', () => (answered = true));
    const pump = () => {
      while (left > 0 && !answered && !socket.destroyed) {
        const size = Math.min(left, piece.length);
        left -= size;
        const data = chunked
          ? Buffer.concat([
              Buffer.from(`${size.toString(16)}\r\n`),
              piece.subarray(0, size),
              Buffer.from('\r\n'),
            ])
          : piece.subarray(0, size);
        if (!socket.write(data)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  }

  it('answers 413 to Content-Length 12,000,001 from the header alone and closes the connection', async () => {
    let closed = false;
    await expectRefusal(
      async () => {
        const answer = await raw((socket) => {
          socket.write(head(`Content-Length: ${MAX_BODY + 1}\r\n`));
          // A first slice of the body; the rest is never needed for the answer.
          socket.write(Buffer.alloc(64 * 1024, 0x20));
        });
        closed = answer.closedByServer;
        return answer;
      },
      { status: 413, error: 'body_too_large' },
    );
    expect(closed).toBe(true);
  });

  it('lets a client that sends a whole 12,000,001-byte body read its 413 every time', async () => {
    // The rest of a modestly oversized body is discarded, not buffered, so the client is not
    // reset mid-upload and sees the answer (a plain fetch got EPIPE about 1 time in 4 before).
    const body = Buffer.alloc(MAX_BODY + 1, 0x20);
    for (let attempt = 0; attempt < 3; attempt++) {
      await expectRefusal(
        async () => {
          const result = await postHeartbeat(`${exporter.url}/heartbeat/hostile`, body);
          return {
            status: result.status,
            contentType: result.headers.get('content-type'),
            allow: result.headers.get('allow'),
            text: result.text,
          };
        },
        { status: 413, error: 'body_too_large' },
      );
    }
  });

  it('answers 413 to a declared 50 MB body after only 64 KB, without waiting for the rest', async () => {
    let closed = false;
    const started = Date.now();
    await expectRefusal(
      async () => {
        const answer = await raw((socket) => {
          socket.write(head('Content-Length: 50000000\r\n'));
          socket.write(Buffer.alloc(64 * 1024, 0x20));
          // Nothing more is ever sent: only an answer that does not wait for the body arrives.
        });
        closed = answer.closedByServer;
        return answer;
      },
      { status: 413, error: 'body_too_large' },
    );
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('answers 413 to a chunked body once it passes the limit, before it ends', async () => {
    let closed = false;
    await expectRefusal(
      async () => {
        const answer = await raw((socket) => {
          socket.write(head('Transfer-Encoding: chunked\r\n'));
          // One byte over the limit in 1 MB chunks, and never the terminating zero-length chunk.
          writeSpaces(socket, MAX_BODY + 1, true);
        });
        closed = answer.closedByServer;
        return answer;
      },
      { status: 413, error: 'body_too_large' },
    );
    expect(closed).toBe(true);
  });

  it('survives a body shorter than its Content-Length followed by a half-close', async () => {
    const before = await scrape(exporter.url);
    const answer = await raw((socket) => {
      socket.write(head('Content-Length: 1000\r\n'));
      socket.write(`{"note":"${BODY_MARKER}","timestamp":`);
      socket.end();
    });
    const after = await scrape(exporter.url);
    expect(answer.closedByServer).toBe(true);
    // Our JSON 400, Node's bare 400 (its parser sees the early end first), or a plain close;
    // never a 5xx, never a crash.
    if (answer.status !== null) expect(answer.status).toBe(400);
    if (answer.text !== '') {
      expect(JSON.parse(answer.text)).toEqual({
        error: 'invalid_body',
        detail: expect.any(String) as unknown,
      });
    }
    expect(answer.text).not.toContain(BODY_MARKER);
    expect(domainLines(after.text)).toBe(domainLines(before.text));
    expect((await request(`${exporter.url}/-/healthy`)).status).toBe(200);
  });
});

describe('framing attacks over a raw socket', () => {
  const BODY = text();
  const head = (framing: string, path = '/heartbeat/hostile') =>
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${framing}\r\n`;
  const chunked = (body: string) =>
    `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;

  /** [name, bytes, the status expected; null: closed without an answer]. Node answers 400/431 itself; 415 is ours. */
  const FRAMING: readonly [string, string, number | null][] = [
    [
      'Content-Length with Transfer-Encoding',
      head(`Content-Length: ${BODY.length}\r\nTransfer-Encoding: chunked\r\n`) + chunked(BODY),
      400,
    ],
    [
      'Transfer-Encoding then a smuggling Content-Length',
      head('Transfer-Encoding: chunked\r\nContent-Length: 4\r\n') + '0\r\n\r\n' + BODY,
      400,
    ],
    [
      'two differing Content-Lengths',
      head('Content-Length: 5\r\nContent-Length: 6\r\n') + BODY,
      400,
    ],
    ['a negative Content-Length', head('Content-Length: -1\r\n') + BODY, 400],
    ['a Content-Length with a plus sign', head(`Content-Length: +${BODY.length}\r\n`) + BODY, 400],
    ['a hexadecimal Content-Length', head('Content-Length: 0x10\r\n') + BODY, 400],
    ['a Content-Length shorter than the body', head('Content-Length: 10\r\n') + BODY, 400],
    [
      'Transfer-Encoding "gzip, chunked"',
      head('Transfer-Encoding: gzip, chunked\r\n') + chunked(BODY),
      415,
    ],
    ['Transfer-Encoding identity', head('Transfer-Encoding: identity\r\n') + BODY, 415],
    ['Transfer-Encoding xchunked', head('Transfer-Encoding: xchunked\r\n') + BODY, 415],
    [
      'a chunk size that is not hex',
      head('Transfer-Encoding: chunked\r\n') + `zz\r\n${BODY}\r\n0\r\n\r\n`,
      400,
    ],
    [
      'a space before the colon of Transfer-Encoding',
      head('Transfer-Encoding : chunked\r\n') + chunked(BODY),
      400,
    ],
    [
      'an obsolete folded header line',
      head(` X-Folded: ${BODY_MARKER}\r\nContent-Length: ${BODY.length}\r\n`) + BODY,
      400,
    ],
    [
      'bare LF line endings',
      head(`Content-Length: ${BODY.length}\r\n`).replace(/\r\n/g, '\n') + BODY,
      400,
    ],
    [
      'a NUL in a header value',
      head(`X-A: a\u0000${BODY_MARKER}\r\nContent-Length: ${BODY.length}\r\n`) + BODY,
      400,
    ],
    [
      'no Host header in HTTP/1.1',
      head(`Content-Length: ${BODY.length}\r\n`).replace('Host: 127.0.0.1\r\n', '') + BODY,
      400,
    ],
    ['an HTTP/2 preface on the HTTP/1.1 port', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400],
    [
      'a 20 KB header (over MAX_HEADER_BYTES)',
      head(`X-Big: ${'a'.repeat(20_000)}\r\nContent-Length: ${BODY.length}\r\n`) + BODY,
      431,
    ],
    [
      '3,000 small headers',
      head(
        `${Array.from({ length: 3000 }, (_, i) => `X-${i}: v`).join('\r\n')}\r\nContent-Length: ${BODY.length}\r\n`,
      ) + BODY,
      431,
    ],
    [
      'a 20 KB URL',
      head(
        `Content-Length: ${BODY.length}\r\n`,
        `/heartbeat/hostile?${PATH_MARKER}${'a'.repeat(20_000)}`,
      ) + BODY,
      431,
    ],
    ['CONNECT to another port', 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', null],
  ];

  it.each(FRAMING)('%s → %s', async (_name, bytes, status) => {
    const before = await scrape(exporter.url);
    const fileBefore = stateFileNow();
    const answer = await rawExchange(exporter.port, (socket) => socket.write(bytes), {
      timeoutMs: 10_000,
      untilClose: true,
    });
    const after = await scrape(exporter.url);
    expect(answer.status).toBe(status);
    expect(answer.closedByServer).toBe(true);
    expect(answer.raw).not.toContain(BODY_MARKER);
    expect(answer.raw).not.toContain(PATH_MARKER);
    expect(domainLines(after.text)).toBe(domainLines(before.text));
    expect(stateFileNow()).toEqual(fileBefore);
  });

  it('has at least 20 distinct framing cases', () => {
    expect(new Set(FRAMING.map(([name]) => name)).size).toBe(FRAMING.length);
    expect(FRAMING.length).toBeGreaterThanOrEqual(20);
  });
});

describe('big but acceptable bodies', () => {
  const padded = (timestamp: number, size: number): string => {
    const body = JSON.stringify(
      heartbeat({
        timestamp: iso(timestamp),
        status: 'WARNING',
        incoming: [SID],
        phones: { [SID]: PHONE },
      }),
    );
    return `${body.slice(0, -1)}${' '.repeat(size - body.length)}}`;
  };

  it('accepts 1,000,000 bytes of valid JSON padded with whitespace', async () => {
    const body = padded(T0 + 60, 1_000_000);
    expect(Buffer.byteLength(body)).toBe(1_000_000);
    expectOutcome(await postHeartbeat(`${exporter.url}/heartbeat/control`, body), 'applied');
  });

  it('accepts exactly 12,000,000 bytes', async () => {
    const body = padded(T0 + 120, MAX_BODY);
    expect(Buffer.byteLength(body)).toBe(MAX_BODY);
    expectOutcome(await postHeartbeat(`${exporter.url}/heartbeat/control`, body), 'applied');
    const { metrics } = await scrape(exporter.url);
    expect(statusSet(metrics, 'control')).toEqual(onlyStatus('WARNING'));
    expect(metrics.value('exotel_heartbeat_timestamp_seconds', { account: 'control' })).toBe(
      T0 + 120,
    );
  });

  it('accepts a UTF-8 charset spelled in other ways, and Content-Encoding identity', async () => {
    const url = `${exporter.url}/heartbeat/control`;
    const body = (t: number) => heartbeat({ timestamp: iso(t), status: 'OK' });
    expectOutcome(
      await postHeartbeat(url, body(T0 + 180), {
        'content-type': 'application/json; charset=UTF-8',
      }),
      'applied',
    );
    expectOutcome(
      await postHeartbeat(url, body(T0 + 240), {
        'content-type': 'Application/JSON;charset="utf8"',
      }),
      'applied',
    );
    expectOutcome(
      await postHeartbeat(url, body(T0 + 300), { ...JSON_TYPE, 'content-encoding': 'identity' }),
      'applied',
    );
  });
});

describe('prototype-looking keys', () => {
  it('treats __proto__ and constructor as plain data and pollutes nothing', async () => {
    const body = `{
      "__proto__": {"status_type": "OK", "polluted": true},
      "constructor": {"prototype": {"polluted": true}},
      "timestamp": "${iso(T0 + 600)}",
      "status_type": "WARNING",
      "incoming_affected": ["__proto__", "constructor"],
      "outgoing_affected": null,
      "data": {
        "__proto__": {"phone_number": "+919999999999"},
        "constructor": {"phone_number": "+918888888888", "__proto__": {"phone_number": "+917777777777"}}
      }
    }`;
    expectOutcome(await postHeartbeat(`${exporter.url}/heartbeat/control`, body), 'applied');

    // Had `data.__proto__` been assigned rather than defined, every object would now inherit
    // phone_number, and a SID without a data entry would show it.
    expectOutcome(
      await postHeartbeat(
        `${exporter.url}/heartbeat/hostile`,
        heartbeat({ timestamp: iso(T0 + 600), status: 'WARNING', incoming: ['plain'] }),
      ),
      'applied',
    );
    const { metrics, text: exposition } = await scrape(exporter.url);
    expect(statusSet(metrics, 'control')).toEqual(onlyStatus('WARNING'));
    expect(perSid(metrics, 'exotel_exophone_affected', 'control')).toEqual({
      'incoming __proto__ +919999999999': 1,
      'incoming constructor +918888888888': 1,
    });
    expect(perSid(metrics, 'exotel_exophone_affected', 'hostile')).toEqual({
      'incoming plain ': 1,
    });
    expect(exposition).not.toContain('polluted');
    expect(exposition).not.toContain('+917777777777');
  });
});

describe('edges that are accepted, answered as intended', () => {
  const url = () => `${exporter.url}/heartbeat/control`;
  const at = (timestamp: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ ...heartbeat({ timestamp, status: 'OK' }), ...extra });
  const base = iso(T0 + 7200).replace('Z', ''); // 2024-01-01T02:00:00

  it('the same instant with Z, +05:30 and -00:00 is one heartbeat', async () => {
    expectOutcome(await postHeartbeat(url(), at(`${base}Z`)), 'applied');
    expectOutcome(await postHeartbeat(url(), at('2024-01-01T07:30:00+05:30')), 'duplicate');
    expectOutcome(await postHeartbeat(url(), at(`${base}-00:00`)), 'duplicate');
    expectOutcome(await postHeartbeat(url(), at('2024-01-01T01:00:00-01:00')), 'duplicate');
  });

  it('orders sub-millisecond differences and ties exactly', async () => {
    expectOutcome(await postHeartbeat(url(), at(`${base}.0000001Z`)), 'applied');
    expectOutcome(await postHeartbeat(url(), at(`${base}.000000100Z`)), 'duplicate');
    expectOutcome(await postHeartbeat(url(), at(`${base}.0000002Z`)), 'applied');
    expectOutcome(await postHeartbeat(url(), at(`${base}.00000015Z`)), 'out_of_order');
  });

  it('takes a leap second at the end of a day, between :59 and the next midnight', async () => {
    expectOutcome(await postHeartbeat(url(), at('2024-06-30T23:59:59Z')), 'applied');
    expectOutcome(await postHeartbeat(url(), at('2024-06-30T23:59:60Z')), 'applied');
    expectOutcome(await postHeartbeat(url(), at('2024-07-01T00:00:00.000000001Z')), 'applied');
  });

  it('takes sizes exactly at the limit: a 64-character SID, a 15-digit phone number', async () => {
    const sid = SID.padEnd(64, '9');
    const body = heartbeat({
      timestamp: '2024-07-01T00:00:01Z',
      status: 'WARNING',
      incoming: [sid],
      phones: { [sid]: '+917930061010123' },
    });
    expectOutcome(await postHeartbeat(url(), body), 'applied');
    expect(
      perSid((await scrape(exporter.url)).metrics, 'exotel_exophone_affected', 'control'),
    ).toEqual({
      [`incoming ${sid} +917930061010123`]: 1,
    });
  });

  it('takes a UTF-8 BOM and 100,000 levels of closed nesting under an unknown key', async () => {
    expectOutcome(await postHeartbeat(url(), `\ufeff${at('2024-07-01T00:00:02Z')}`), 'applied');
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const body = at('2024-07-01T00:00:03Z').replace(/}$/, `,"x":${deep}}`);
    expectOutcome(await postHeartbeat(url(), body), 'applied');
  });
});

describe('afterwards', () => {
  it('is still alive and healthy', async () => {
    // In process, "still alive" is: nothing went uncaught (a crash), and it still answers.
    expect(uncaughtErrors()).toEqual([]);
    const healthy = await request(`${exporter.url}/-/healthy`);
    expect({ status: healthy.status, text: healthy.text }).toEqual({ status: 200, text: 'OK\n' });
    expect((await request(`${exporter.url}/-/ready`)).status).toBe(200);
    expect(exporter.otherOutput).toEqual([]);
  });

  it('never logged a payload', () => {
    expect(exporter.logs.filter((line) => JSON.stringify(line).includes(BODY_MARKER))).toEqual([]);
    // Refusals are logged at warn, each with its reason.
    expect(
      exporter.logs.filter((line) => line.msg === 'heartbeat rejected').length,
    ).toBeGreaterThanOrEqual(CASES.filter((c) => c.status !== 404 && c.status !== 405).length);
  });

  it('logged no errors: every refusal was an expected one', () => {
    expect(
      exporter.logs.filter((line) => line.level === 'error' || line.level === 'fatal'),
    ).toEqual([]);
  });
});
