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
  const { url, authorization } = splitCredentials(parsed.options.url, parsed.options.token);
  let response: Response;
  try {
    response = await deps.fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(authorization === null ? {} : { authorization }),
      },
      body,
      signal: AbortSignal.timeout(15_000), // Exotel's own patience
    });
  } catch (error) {
    // Only the error's own words, never its cause: some echo the URL they were given.
    const message = error instanceof Error ? error.message : String(error);
    deps.err(`could not reach ${redactUrl(url)}: ${message.split(url).join(redactUrl(url))}`);
    return 1;
  }
  const text = (await response.text()).slice(0, 500);
  (response.ok ? deps.out : deps.err)(`${response.status} ${text}`);
  return response.ok ? 0 : 1;
}

/**
 * fetch refuses user info in a URL, as Exotel's own `https://user:token@host/...` form has it:
 * send it as basic auth instead, like Exotel does. --token wins when both are given.
 */
function splitCredentials(
  target: string,
  token: string | null,
): { url: string; authorization: string | null } {
  const parsed = new URL(target);
  const basic =
    parsed.username === '' && parsed.password === ''
      ? null
      : `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), authorization: token === null ? basic : `Bearer ${token}` };
}

/** A URL may carry a token (user info, query or path after /heartbeat/); never print it. */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/heartbeat\/.*$/, '/heartbeat/…')}`;
}
