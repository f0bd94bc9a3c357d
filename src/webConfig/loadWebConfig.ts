import { dirname, resolve } from 'node:path';
import type { ServerOptions } from 'node:https';
import { ConfigError, readSettingFile } from '../settings/configError.js';
import { settingName } from '../settings/table.js';
import { BasicAuthVerifier } from '../http/auth/basicAuth.js';
import { parseWebConfig, type WebConfig } from './webConfig.js';

/** What the listeners need from WEB_CONFIG_FILE, files already read. */
export interface WebSecurity {
  /** Options for https.createServer; null: plain HTTP. */
  readonly tls: ServerOptions | null;
  /** null: no basic auth. */
  readonly basicAuth: BasicAuthVerifier | null;
  readonly headers: Readonly<Record<string, string>>;
}

export const NO_WEB_SECURITY: WebSecurity = { tls: null, basicAuth: null, headers: {} };

/**
 * Reads and validates the web configuration and the files it names, once, at start-up: a bad
 * file or an unreadable certificate stops start-up with a ConfigError naming WEB_CONFIG_FILE.
 * Relative paths are relative to the configuration file, as in exporter-toolkit.
 */
export async function loadWebConfig(
  file: string | null,
  readFile: (path: string) => Promise<string>,
): Promise<WebSecurity> {
  if (file === null) return NO_WEB_SECURITY;
  const config: WebConfig = parseWebConfig(await read(readFile, file, 'the file'));
  const base = dirname(file);
  let tls: ServerOptions | null = null;
  if (config.tls !== null) {
    const { certFile, keyFile, clientCaFile, minVersion, maxVersion } = config.tls;
    tls = {
      cert: await read(readFile, resolve(base, certFile), 'tls_server_config.cert_file'),
      key: await read(readFile, resolve(base, keyFile), 'tls_server_config.key_file'),
      minVersion,
      maxVersion,
      ...(clientCaFile === null
        ? {}
        : {
            ca: await read(
              readFile,
              resolve(base, clientCaFile),
              'tls_server_config.client_ca_file',
            ),
            requestCert: true,
            rejectUnauthorized: true,
          }),
    };
  }
  return {
    tls,
    basicAuth:
      config.basicAuthUsers.size === 0 ? null : new BasicAuthVerifier(config.basicAuthUsers),
    headers: config.headers,
  };
}

function read(
  readFile: (path: string) => Promise<string>,
  path: string,
  field: string,
): Promise<string> {
  return readSettingFile(
    readFile,
    path,
    (code) =>
      new ConfigError(
        'WEB_CONFIG_FILE',
        `${field}: cannot read ${path} (${code})`,
        settingName('webConfigFile'),
      ),
  );
}
