/**
 * `exotel-heartbeat-exporter healthcheck [--ready]`: asks the running exporter's own probe route
 * and exits 0 (healthy) or 1 (anything else) — for Docker's HEALTHCHECK, Compose and Kubernetes
 * exec probes. It reads the same configuration the exporter reads (PORT, HOST, WEB_CONFIG_FILE),
 * so it speaks HTTPS when the web configuration has TLS, and presents a client certificate when
 * the web configuration requires one. Basic auth needs nothing: `/-/healthy` and `/-/ready` are
 * exempt from it (src/http/app.ts), so no password has to be kept in plain text for this.
 *
 * Never exit code 2 or more: Docker reserves 2, and every failure here means "unhealthy".
 */
import { ConfigError, loadConfig, type Config } from '../config.js';
import { loadWebConfig, type WebSecurity } from '../webConfig/loadWebConfig.js';
import { probeTarget, type ProbeTarget } from './probeTarget.js';
import type { ProbeRequest } from './probeRequest.js';

export const HEALTHCHECK_USAGE = `usage: exotel-heartbeat-exporter healthcheck [--ready]

Asks the exporter running with this environment for /-/healthy (or /-/ready with --ready) and
exits 0 when it answers 200, 1 otherwise. Reads PORT, HOST and WEB_CONFIG_FILE like the exporter.
With client certificates required by WEB_CONFIG_FILE, set HEALTHCHECK_CLIENT_CERT_FILE and
HEALTHCHECK_CLIENT_KEY_FILE to a certificate the client CA accepts.`;

/** Long enough for a 10 MB heartbeat's synchronous apply (about 0.5 s), short of Docker's 5 s. */
export const HEALTHCHECK_TIMEOUT_MS = 4_000;

type Env = Readonly<Record<string, string | undefined>>;

export interface HealthcheckDeps {
  readonly env: Env;
  readonly readFile: (path: string) => Promise<string>;
  readonly request: ProbeRequest;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export async function runHealthcheck(
  args: readonly string[],
  deps: HealthcheckDeps,
): Promise<0 | 1> {
  if (args.includes('--help') || args.includes('-h')) {
    deps.out(HEALTHCHECK_USAGE);
    return 0;
  }
  const unknown = args.filter((arg) => arg !== '--ready');
  if (unknown.length > 0) {
    deps.err(`healthcheck: unknown argument ${JSON.stringify(unknown[0])}\n${HEALTHCHECK_USAGE}`);
    return 1;
  }
  const path = args.includes('--ready') ? '/-/ready' : '/-/healthy';
  let target: ProbeTarget;
  try {
    const config: Config = loadConfig(deps.env);
    const web: WebSecurity = await loadWebConfig(config.security.webConfigFile, deps.readFile);
    target = await probeTarget(config, web, deps.env, deps.readFile);
  } catch (error) {
    deps.err(`healthcheck: ${error instanceof ConfigError ? error.message : String(error)}`);
    return 1;
  }
  const url = `${target.tls === null ? 'http' : 'https'}://${hostForUrl(target.host)}:${target.port}${path}`;
  try {
    const answer = await deps.request(target, path, HEALTHCHECK_TIMEOUT_MS);
    if (answer.status === 200) {
      deps.out(`${url}: 200`);
      return 0;
    }
    deps.err(`healthcheck: ${url}: ${answer.status} ${answer.body.trim().slice(0, 200)}`);
    return 1;
  } catch (error) {
    deps.err(`healthcheck: ${url}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
