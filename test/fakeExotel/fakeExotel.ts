import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake of Exotel's REST API as a real HTTP server, implementing what NOTES.md documents: Basic
 * auth (key:token), the paged list with Twilio-style links that point at an internal host, the
 * v2 details envelope with `connectivity` inside `data`, and on demand 429 (with or without
 * Retry-After), 401, 404, 5xx, slow answers and malformed JSON. It records every request.
 */

export interface FakeExoPhone {
  readonly sid: string;
  readonly phone: string;
  /** `active`, `major_outage`, …; null leaves the direction out of `connectivity`. */
  incoming: string | null;
  outgoing: string | null;
}

export type Fault =
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter?: string }
  | { readonly kind: 'slow'; readonly delayMs: number }
  | { readonly kind: 'malformed' };

export interface RecordedRequest {
  readonly atMs: number;
  readonly endpoint: 'list' | 'details' | 'other';
  readonly path: string;
  readonly query: URLSearchParams;
  readonly host: string;
  readonly authorized: boolean;
  readonly status: number;
}

export interface FakeExotelOptions {
  readonly apiKey: string;
  readonly apiToken: string;
  readonly accountSid: string;
  readonly exophones: readonly FakeExoPhone[];
  /** The clock the per-minute limit and the records use (virtual time in cost tests). */
  readonly now?: () => number;
  /** Exotel's claimed limit: more requests than this in any 60 s get 429. */
  readonly limitPerMinute?: number;
  /** Whether the limit's 429 carries Retry-After (seconds until a slot frees). */
  readonly limitRetryAfter?: boolean;
}

export class FakeExotel {
  readonly requests: RecordedRequest[] = [];
  /** Faults for the next requests to an endpoint, consumed in order. */
  readonly faults: Record<'list' | 'details', Fault[]> = { list: [], details: [] };
  exophones: FakeExoPhone[];
  /** SIDs still listed whose details answer 404 (released between the list and the check). */
  readonly released = new Set<string>();
  private server: Server | null = null;
  private readonly now: () => number;
  private readonly accepted: number[] = [];

  constructor(private readonly options: FakeExotelOptions) {
    this.exophones = [...options.exophones];
    this.now = options.now ?? (() => Date.now());
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (address === null) throw new Error('fake Exotel is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      void this.handle(req, res);
    });
    server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Requests of an endpoint in order. */
  of(endpoint: 'list' | 'details'): RecordedRequest[] {
    return this.requests.filter((r) => r.endpoint === endpoint);
  }

  /** The most requests seen in any window of `windowMs` (sliding, by request time). */
  maxInWindow(windowMs: number): number {
    const times = this.requests.map((r) => r.atMs).sort((a, b) => a - b);
    let max = 0;
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) start++;
      max = Math.max(max, end - start + 1);
    }
    return max;
  }

  /**
   * The same answers without a socket, for the cost measurement: 5,000+ requests in virtual time
   * would otherwise spend most of the test's run time in loopback HTTP.
   */
  readonly directFetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    const answer = await this.respond(
      init?.method ?? 'GET',
      url,
      headers.get('authorization'),
      url.host,
    );
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const answer = await this.respond(
      req.method ?? 'GET',
      url,
      req.headers.authorization ?? null,
      req.headers.host ?? '',
    );
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  private async respond(
    method: string,
    url: URL,
    authorization: string | null,
    host: string,
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const list = /^\/v2_beta\/Accounts\/([^/]+)\/IncomingPhoneNumbers$/.exec(url.pathname);
    const details = /^\/v2\/accounts\/([^/]+)\/incoming-phone-numbers\/([^/]+)$/.exec(url.pathname);
    const endpoint = list !== null ? 'list' : details !== null ? 'details' : 'other';
    const expected = `Basic ${Buffer.from(`${this.options.apiKey}:${this.options.apiToken}`).toString('base64')}`;
    const authorized = authorization === expected;
    const atMs = this.now();
    const answer = (status: number, body: string, headers: Record<string, string> = {}) => {
      this.requests.push({
        atMs,
        endpoint,
        path: url.pathname,
        query: url.searchParams,
        host,
        authorized,
        status,
      });
      return { status, headers: { 'content-type': 'application/json', ...headers }, body };
    };

    if (method !== 'GET' || endpoint === 'other')
      return answer(404, restException(404, 'Not found'));
    const fault = this.faults[endpoint].shift();
    if (fault?.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.kind === 'status') {
      return answer(
        fault.status,
        restException(fault.status, 'injected'),
        fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter },
      );
    }
    if (!authorized) return answer(401, restException(401, 'Authentication failed'));
    const limit = this.options.limitPerMinute;
    if (limit !== undefined) {
      while (this.accepted.length > 0 && atMs - (this.accepted[0] ?? 0) >= 60_000)
        this.accepted.shift();
      if (this.accepted.length >= limit) {
        const freeInMs = (this.accepted[0] ?? atMs) + 60_000 - atMs;
        const headers: Record<string, string> = {
          'x-ratelimit-limit': String(limit),
          'x-ratelimit-remaining': '0',
        };
        if (this.options.limitRetryAfter !== false)
          headers['retry-after'] = String(Math.ceil(freeInMs / 1000));
        return answer(429, restException(429, 'Too Many Requests'), headers);
      }
      this.accepted.push(atMs);
    }
    if (fault?.kind === 'malformed') return answer(200, '{"response": [{"data": {');
    const sid = list?.[1] ?? details?.[1];
    if (sid !== this.options.accountSid)
      return answer(401, restException(401, 'Authentication failed'));
    if (list !== null) return answer(200, JSON.stringify(this.page(url)));
    const exophone = this.exophones.find((e) => e.sid === decodeURIComponent(details?.[2] ?? ''));
    if (exophone === undefined || this.released.has(exophone.sid))
      return answer(404, envelope404());
    return answer(200, JSON.stringify(this.envelope(exophone)));
  }

  private page(url: URL) {
    const page = Number(url.searchParams.get('Page') ?? '0');
    const size = Number(url.searchParams.get('PageSize') ?? '50');
    const items = this.exophones.slice(page * size, (page + 1) * size);
    // As in Exotel's example: links on an internal plain-HTTP host that must never be followed.
    const link = (p: number) =>
      `http://internal-exotel.invalid:8080/v2_beta/Accounts/${this.options.accountSid}/IncomingPhoneNumbers?Page=${p}&PageSize=${size}`;
    const last = (page + 1) * size >= this.exophones.length;
    return {
      page,
      page_size: size,
      uri: link(page),
      first_page_uri: link(0),
      previous_page_uri: page === 0 ? null : link(page - 1),
      next_page_uri: last ? null : link(page + 1),
      incoming_phone_numbers: items.map((e) => ({
        sid: e.sid,
        phone_number: e.phone,
        friendly_name: `ExoPhone ${e.sid}`,
        capabilities: { voice: true, sms: false },
        country: 'IN',
        region: 'KA',
      })),
    };
  }

  private envelope(exophone: FakeExoPhone) {
    const connectivity: Record<string, unknown> = {};
    const entry = (status: string) => ({
      status,
      last_check_time: '2024-01-01T00:00:00Z',
      alternate_exophone: null,
    });
    if (exophone.incoming !== null) connectivity['incoming_call'] = entry(exophone.incoming);
    if (exophone.outgoing !== null) connectivity['outgoing_call'] = entry(exophone.outgoing);
    const data: Record<string, unknown> = {
      sid: exophone.sid,
      phone_number: exophone.phone,
      friendly_name: `ExoPhone ${exophone.sid}`,
      account_sid: this.options.accountSid,
      date_created: '2020-01-01T00:00:00Z',
      date_updated: '2020-01-01T00:00:00Z',
    };
    if (Object.keys(connectivity).length > 0) data['connectivity'] = connectivity;
    return {
      request_id: 'fake-request',
      method: 'GET',
      http_code: 200,
      metadata: { page_size: 1, page: 0 },
      response: [{ code: 200, error_data: null, status: 'success', data }],
    };
  }
}

function restException(status: number, message: string): string {
  return JSON.stringify({ RestException: { Status: status, Message: message, Code: status } });
}

function envelope404(): string {
  return JSON.stringify({
    request_id: 'fake-request',
    method: 'GET',
    http_code: 404,
    response: [{ code: 404, error_data: { message: 'Not found' }, status: 'failure', data: null }],
  });
}

/** `count` ExoPhones with SIDs `exo00000`… and E.164 numbers, all active. */
export function exophones(count: number): FakeExoPhone[] {
  return Array.from({ length: count }, (_, i) => ({
    sid: `exo${String(i).padStart(5, '0')}`,
    phone: `+9180${String(10_000_000 + i)}`,
    incoming: 'active',
    outgoing: 'active',
  }));
}
