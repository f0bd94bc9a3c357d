import http from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * The one HTTP client of the harness: plain node:http (fetch/undici adds its own overhead), used
 * identically for the exporter, the floors and the peer, so client cost cancels out in ratios.
 */

/** A keep-alive agent; one per role (ingest, scrape, …) so roles never share a connection. */
export function keepAliveAgent(maxSockets = 1): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets });
}

export interface HttpResult {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The body, or empty when `keepBody` was false. */
  readonly body: Buffer;
  readonly bytes: number;
  /** performance.now() at the request start and at the last response byte. */
  readonly startMs: number;
  readonly endMs: number;
  /** Request start → last byte of the response. */
  readonly ms: number;
  /**
   * Request start → response headers. For /metrics with a Content-Length, the body has been
   * rendered by then.
   */
  readonly ttfbMs: number;
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT';
  readonly agent: http.Agent;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  readonly keepBody?: boolean;
  readonly timeoutMs?: number;
}

/** GETs for /metrics: the 0.0.4 text format, uncompressed, unless overridden. */
export const IDENTITY_TEXT = { accept: 'text/plain', 'accept-encoding': 'identity' } as const;

/**
 * What Prometheus 2.x sends when it scrapes (scrape.go's acceptHeader, plus gzip): used to
 * capture the exact response Prometheus gets, and for the memory steady state.
 */
export const PROMETHEUS_SCRAPE_HEADERS = {
  accept:
    'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,' +
    'text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
  'accept-encoding': 'gzip',
} as const;

export async function request(url: string, options: RequestOptions): Promise<HttpResult> {
  try {
    return await once(url, options);
  } catch (error) {
    // A keep-alive socket the server closed just as we reused it: Node's documented remedy is
    // to retry once on a fresh socket. Nothing reached the server, so the retry is a clean rep.
    if (error instanceof StaleSocketError) return once(url, options);
    throw error;
  }
}

class StaleSocketError extends Error {}

function once(url: string, options: RequestOptions): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = String(options.body.length);
    const startMs = performance.now();
    const req = http.request(url, {
      method: options.method ?? 'GET',
      agent: options.agent,
      headers,
    });
    let responded = false;
    req.setTimeout(options.timeoutMs ?? 120_000, () => {
      req.destroy(new Error(`timed out after ${options.timeoutMs ?? 120_000} ms: ${url}`));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!responded && req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE'))
        reject(new StaleSocketError(error.message));
      else
        reject(new Error(`${options.method ?? 'GET'} ${url}: ${error.message}`, { cause: error }));
    });
    req.on('response', (res) => {
      responded = true;
      const ttfbMs = performance.now() - startMs;
      const chunks: Buffer[] = [];
      let bytes = 0;
      const keep = options.keepBody ?? true;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (keep) chunks.push(chunk);
      });
      res.on('error', (error) =>
        reject(new Error(`${options.method ?? 'GET'} ${url}: ${error.message}`, { cause: error })),
      );
      res.on('end', () => {
        const endMs = performance.now();
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: keep ? Buffer.concat(chunks) : Buffer.alloc(0),
          bytes,
          startMs,
          endMs,
          ms: endMs - startMs,
          ttfbMs,
        });
      });
    });
    req.end(options.body);
  });
}

/** Fails the run with the answer's text when a request the harness relies on did not succeed. */
export function expectOk(result: HttpResult, what: string): HttpResult {
  if (result.status < 200 || result.status >= 300) {
    throw new Error(
      `${what}: HTTP ${result.status}: ${result.body.toString('utf8').slice(0, 300)}`,
    );
  }
  return result;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
