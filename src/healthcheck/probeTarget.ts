/**
 * Where and how the healthcheck reaches the exporter: the main listener (PORT; the probes answer
 * on the metrics listener too, but PORT always exists), on loopback when the exporter listens on
 * every interface, over TLS exactly when WEB_CONFIG_FILE has `tls_server_config`.
 */
import { ConfigError, raw, type Config } from '../config.js';
import { readSettingFile } from '../settings/configError.js';
import type { WebSecurity } from '../webConfig/loadWebConfig.js';

export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
  /** null: plain HTTP. */
  readonly tls: {
    /** A client certificate, when the exporter requires one. */
    readonly cert?: string;
    readonly key?: string;
  } | null;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Addresses that mean "every interface": the probe goes to loopback instead. */
const WILDCARD: Readonly<Record<string, string>> = {
  '': '127.0.0.1', // Node's `::` with an IPv4 fallback: 127.0.0.1 answers either way
  '0.0.0.0': '127.0.0.1',
  '::': '::1',
  '[::]': '::1',
};

export async function probeTarget(
  config: Config,
  web: WebSecurity,
  env: Env,
  readFile: (path: string) => Promise<string>,
): Promise<ProbeTarget> {
  if (config.port === 0) {
    throw new ConfigError('PORT', 'is 0 (a random port): the healthcheck cannot know which one');
  }
  const host = WILDCARD[config.host] ?? config.host;
  if (web.tls === null) return { host, port: config.port, tls: null };
  if (web.tls.requestCert !== true) return { host, port: config.port, tls: {} };
  const certFile = raw(env, 'HEALTHCHECK_CLIENT_CERT_FILE');
  const keyFile = raw(env, 'HEALTHCHECK_CLIENT_KEY_FILE');
  if (certFile === undefined || keyFile === undefined) {
    throw new ConfigError(
      'HEALTHCHECK_CLIENT_CERT_FILE',
      'and HEALTHCHECK_CLIENT_KEY_FILE must be set: WEB_CONFIG_FILE requires client certificates',
    );
  }
  return {
    host,
    port: config.port,
    tls: {
      cert: await read(readFile, certFile, 'HEALTHCHECK_CLIENT_CERT_FILE'),
      key: await read(readFile, keyFile, 'HEALTHCHECK_CLIENT_KEY_FILE'),
    },
  };
}

function read(
  readFile: (path: string) => Promise<string>,
  path: string,
  variable: string,
): Promise<string> {
  return readSettingFile(
    readFile,
    path,
    (code) => new ConfigError(variable, `cannot read ${path} (${code})`),
  );
}
