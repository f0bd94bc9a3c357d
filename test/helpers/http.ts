import { connect, type Socket } from 'node:net';
import { expectPromtoolClean } from './promtool.js';

/** What the integration tests need from an HTTP answer, read once. */
export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export type Body = string | Uint8Array | Record<string, unknown> | readonly unknown[] | null;

export const JSON_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json',
};

/**
 * POSTs a heartbeat. Strings and bytes are sent as they are; anything else is JSON-encoded.
 * `headers` replaces the default `Content-Type: application/json` entirely, so a test can send
 * none at all.
 */
export async function postHeartbeat(
  url: string,
  body: Body,
  headers: Readonly<Record<string, string>> = JSON_HEADERS,
): Promise<HttpResult> {
  const payload =
    typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  return request(url, { method: 'POST', headers, body: payload });
}

export async function request(url: string, init: RequestInit = {}): Promise<HttpResult> {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Parses a JSON answer body; fails loudly with the raw text when it is not JSON. */
export function json(result: HttpResult): unknown {
  try {
    return JSON.parse(result.text) as unknown;
  } catch {
    throw new Error(`answer is not JSON (status ${result.status}): ${result.text.slice(0, 200)}`);
  }
}

/** The URL of `POST /heartbeat/<account>`, or of `POST /heartbeat` for `null`. */
export function heartbeatUrl(base: string, account: string | null): string {
  return account === null ? `${base}/heartbeat` : `${base}/heartbeat/${account}`;
}

// ---------------------------------------------------------------------------------------------
// Heartbeat bodies

export type Status = 'OK' | 'WARNING' | 'CRITICAL' | 'PAYLOAD_TOO_LARGE';

export interface HeartbeatSpec {
  readonly timestamp: string;
  readonly status: Status;
  readonly incoming?: readonly string[] | null;
  readonly outgoing?: readonly string[] | null;
  /** SID → phone number, written into `data`. */
  readonly phones?: Readonly<Record<string, string>>;
}

/** A heartbeat body in the vendor's shape. */
export function heartbeat(spec: HeartbeatSpec): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [sid, phone] of Object.entries(spec.phones ?? {})) data[sid] = { phone_number: phone };
  return {
    timestamp: spec.timestamp,
    status_type: spec.status,
    incoming_affected: spec.incoming ?? null,
    outgoing_affected: spec.outgoing ?? null,
    data,
  };
}

/** RFC 3339 UTC for whole seconds since the epoch: `2024-01-01T00:00:00Z`. */
export function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** A fixed base well in the past, so the future-timestamp check never interferes. */
export const T0 = Date.UTC(2024, 0, 1) / 1000;

// ---------------------------------------------------------------------------------------------
// Scraping and the exposition

export interface Scrape {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
  readonly metrics: Exposition;
}

/**
 * GET /metrics. Every text exposition fetched here is piped through `promtool check metrics`,
 * so each scrape in the integration tests doubles as a format check.
 */
export async function scrape(base: string, accept?: string): Promise<Scrape> {
  const headers: Record<string, string> = accept === undefined ? {} : { accept };
  const response = await fetch(`${base}/metrics`, { headers });
  const text = await response.text();
  const contentType = response.headers.get('content-type');
  if (response.status === 200 && contentType?.startsWith('text/plain') === true) {
    expectPromtoolClean(text);
  }
  return { status: response.status, contentType, text, metrics: new Exposition(text) };
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A tiny parser for the text format: enough to look series up by name and labels. */
export class Exposition {
  readonly samples: readonly Sample[];
  private readonly byKey: ReadonlyMap<string, number>;

  constructor(readonly text: string) {
    const samples: Sample[] = [];
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      samples.push(parseSampleLine(line));
    }
    this.samples = samples;
    this.byKey = new Map(samples.map((s) => [seriesKey(s.name, s.labels), s.value]));
  }

  /** The value of the series with exactly these labels, or undefined when there is none. */
  get(name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
    return this.byKey.get(seriesKey(name, labels));
  }

  /** Like get, but fails when the series does not exist. */
  value(name: string, labels: Readonly<Record<string, string>> = {}): number {
    const value = this.get(name, labels);
    if (value === undefined) throw new Error(`no series ${seriesKey(name, labels)}`);
    return value;
  }

  /** Every sample of `name` whose labels include `labels`. */
  select(name: string, labels: Readonly<Record<string, string>> = {}): Sample[] {
    return this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
  }

  /** Every series (as `name{labels}` → value) that carries `account="<account>"`. */
  account(account: string): Map<string, number> {
    return new Map(
      this.samples
        .filter((s) => s.labels['account'] === account)
        .map((s) => [seriesKey(s.name, s.labels), s.value]),
    );
  }
}

/** `name{a="x",b="y"}` with labels sorted by name, so lookups do not depend on label order. */
export function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return name;
  const rendered = entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
  return `${name}{${rendered}}`;
}

function parseSampleLine(line: string): Sample {
  const brace = line.indexOf('{');
  const space = line.indexOf(' ');
  if (brace === -1 || (space !== -1 && space < brace)) {
    const [name = '', value = ''] = line.split(' ');
    return { name, labels: {}, value: parseValue(value, line) };
  }
  const name = line.slice(0, brace);
  const labels: Record<string, string> = {};
  let i = brace + 1;
  while (line[i] !== '}') {
    const eq = line.indexOf('=', i);
    const labelName = line.slice(i, eq);
    if (line[eq + 1] !== '"') throw new Error(`bad exposition line: ${line}`);
    i = eq + 2;
    let value = '';
    while (line[i] !== '"') {
      const c = line[i];
      if (c === undefined) throw new Error(`unterminated label value: ${line}`);
      if (c === '\\') {
        const next = line[i + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    labels[labelName] = value;
    i++;
    if (line[i] === ',') i++;
  }
  const rest = line.slice(i + 1).trim();
  return { name, labels, value: parseValue(rest.split(' ')[0] ?? '', line) };
}

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`bad sample value: ${line}`);
  return value;
}

/** The name a `# HELP name …`/`# TYPE name …` line or a sample line is about. */
function lineMetricName(line: string): string {
  if (line.startsWith('# ')) return line.split(' ')[2] ?? '';
  const end = line.search(/[{ ]/);
  return end === -1 ? line : line.slice(0, end);
}

/**
 * The ExoPhone-facing part of an exposition: every `exotel_*` line (comments included) except
 * the rejected-requests counter, which a refused request is supposed to move. Process and
 * Node.js self-metrics are left out because they change on their own.
 */
export function domainLines(text: string): string {
  return text
    .split('\n')
    .filter((line) => {
      const name = lineMetricName(line);
      return name.startsWith('exotel_') && name !== 'exotel_heartbeats_rejected_total';
    })
    .join('\n');
}

/** Lines of the given families only, comments included, in exposition order. */
export function familyLines(text: string, families: readonly string[]): string {
  return text
    .split('\n')
    .filter((line) => families.includes(lineMetricName(line)))
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// Polling

/** Polls until `condition` holds, failing with `what` after `timeoutMs`. No fixed sleeps. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// ---------------------------------------------------------------------------------------------
// Raw sockets, for requests fetch cannot express

export interface RawResponse {
  /** Everything the server sent before it closed the connection (or before the deadline). */
  readonly raw: string;
  /** The status code, or null when the server sent nothing. */
  readonly status: number | null;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
  /** True when the server closed (or reset) the connection before the deadline. */
  readonly closedByServer: boolean;
  /** A socket error seen on the way (EPIPE, ECONNRESET), if any. */
  readonly error: string | null;
}

export interface RawOptions {
  /** Give up (closedByServer false) after this long. */
  readonly timeoutMs?: number;
  /** Keep reading after a complete response until the server closes the connection. */
  readonly untilClose?: boolean;
}

/**
 * Opens a TCP connection, lets `drive` write to it, and collects what the server answers until
 * it closes the connection, a complete response (by Content-Length) has arrived (unless
 * `untilClose`), or the deadline passes.
 */
export function rawExchange(
  port: number,
  drive: (socket: Socket) => void,
  { timeoutMs = 10_000, untilClose = false }: RawOptions = {},
): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let error: string | null = null;
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseRaw(Buffer.concat(chunks).toString('utf8'), closedByServer, error));
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (!untilClose && isCompleteResponse(Buffer.concat(chunks).toString('utf8'))) finish(false);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
      finish(true);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('connect', () => drive(socket));
  });
}

function isCompleteResponse(raw: string): boolean {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(raw.slice(0, end))?.[1];
  return length !== undefined && Buffer.byteLength(raw.slice(end + 4)) >= Number(length);
}

function parseRaw(raw: string, closedByServer: boolean, error: string | null): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  const headers = new Map<string, string>();
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return {
    raw,
    status: status === undefined ? null : Number(status),
    headers,
    body: end === -1 ? '' : raw.slice(end + 4),
    closedByServer,
    error,
  };
}
