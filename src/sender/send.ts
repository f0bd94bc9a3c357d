import type { Clock } from '../clock.js';
import { buildHeartbeat } from './buildHeartbeat.js';
import { parseSendArgs } from './sendOptions.js';

export interface SendDeps {
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** `exotel-heartbeat-exporter send …`: returns the process exit code (0 only on a 2xx answer). */
export async function runSend(args: readonly string[], deps: SendDeps): Promise<number> {
  const parsed = parseSendArgs(args);
  if (!parsed.ok) {
    (parsed.help ? deps.out : deps.err)(parsed.message);
    return parsed.help ? 0 : 2;
  }
  const body = buildHeartbeat(parsed.options, deps.clock.now());
  let response: Response;
  try {
    response = await deps.fetch(parsed.options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(15_000), // Exotel's own patience
    });
  } catch (error) {
    deps.err(
      `could not reach ${redactUrl(parsed.options.url)}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
  const text = (await response.text()).slice(0, 500);
  (response.ok ? deps.out : deps.err)(`${response.status} ${text}`);
  return response.ok ? 0 : 1;
}

/** A URL may carry a token (user info or query); never print it. */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/heartbeat\/[^/]+\/?$/, '/heartbeat/…')}`;
}
