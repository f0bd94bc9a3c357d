/**
 * The Prometheus exporter-toolkit web configuration file (WEB_CONFIG_FILE), as node_exporter
 * reads it: `tls_server_config`, `http_server_config` and `basic_auth_users`. Pure parsing and
 * validation; the files it names are read by loadWebConfig. Field names, defaults and refusals
 * follow exporter-toolkit, so a file `promtool check web-config` accepts means the same here,
 * and a feature this exporter lacks is refused rather than silently ignored.
 */
import { parse } from 'yaml';
import { ConfigError } from '../settings/configError.js';
import { settingName } from '../settings/table.js';

export const TLS_VERSIONS = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
} as const;
type TlsVersionName = keyof typeof TLS_VERSIONS;
export type TlsVersion = (typeof TLS_VERSIONS)[TlsVersionName];

export interface WebTlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  readonly minVersion: TlsVersion;
  readonly maxVersion: TlsVersion;
  /** Client CA for RequireAndVerifyClientCert; null: no client certificates. */
  readonly clientCaFile: string | null;
}

export interface WebConfig {
  readonly tls: WebTlsConfig | null;
  /** User → bcrypt hash; empty: no basic auth. */
  readonly basicAuthUsers: ReadonlyMap<string, string>;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * exporter-toolkit allows only these response headers, with these exact (case-sensitive) names
 * and, where listed, values; `Server`, `Set-Cookie` and the rest are refused.
 */
const ALLOWED_HEADERS: Readonly<Record<string, readonly string[] | null>> = {
  'Strict-Transport-Security': null,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': null,
  'Content-Security-Policy': null,
};

const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;

const BCRYPT_HASH = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

const VARIABLE = 'WEB_CONFIG_FILE';
const LABEL = settingName('webConfigFile');

function fail(field: string, reason: string): never {
  throw new ConfigError(VARIABLE, `${field} ${reason}`, LABEL);
}

export function parseWebConfig(text: string): WebConfig {
  let document: unknown;
  try {
    document = parse(text, { uniqueKeys: true });
  } catch (error) {
    fail('is not valid YAML:', error instanceof Error ? (error.message.split('\n')[0] ?? '') : '');
  }
  // An empty file is a valid configuration that changes nothing (as in exporter-toolkit).
  const root = document === null || document === undefined ? {} : mapping(document, 'the file');
  onlyKeys(root, '', ['tls_server_config', 'http_server_config', 'basic_auth_users']);
  return {
    tls: tlsConfig(root['tls_server_config']),
    basicAuthUsers: users(root['basic_auth_users']),
    headers: headers(root['http_server_config']),
  };
}

function tlsConfig(value: unknown): WebTlsConfig | null {
  if (value === undefined || value === null) return null;
  const tls = mapping(value, 'tls_server_config');
  onlyKeys(tls, 'tls_server_config.', [
    'cert_file',
    'key_file',
    'client_auth_type',
    'client_ca_file',
    'min_version',
    'max_version',
    'cipher_suites',
    'curve_preferences',
    'prefer_server_cipher_suites',
    'client_allowed_sans',
  ]);
  for (const field of ['cipher_suites', 'curve_preferences', 'client_allowed_sans']) {
    const list = tls[field];
    if (list !== undefined && list !== null && !(Array.isArray(list) && list.length === 0)) {
      fail(`tls_server_config.${field}`, 'is not supported by this exporter; remove it');
    }
  }
  optionalBool(tls['prefer_server_cipher_suites'], 'tls_server_config.prefer_server_cipher_suites');
  const certFile = optionalString(tls['cert_file'], 'tls_server_config.cert_file');
  const keyFile = optionalString(tls['key_file'], 'tls_server_config.key_file');
  const clientCaFile = optionalString(tls['client_ca_file'], 'tls_server_config.client_ca_file');
  const clientAuth =
    optionalString(tls['client_auth_type'], 'tls_server_config.client_auth_type') ?? 'NoClientCert';
  if (!(CLIENT_AUTH_TYPES as readonly string[]).includes(clientAuth)) {
    fail('tls_server_config.client_auth_type', `must be one of ${CLIENT_AUTH_TYPES.join(', ')}`);
  }
  if (clientAuth !== 'NoClientCert' && clientAuth !== 'RequireAndVerifyClientCert') {
    fail(
      'tls_server_config.client_auth_type',
      `${clientAuth} is not supported by this exporter; use NoClientCert or RequireAndVerifyClientCert`,
    );
  }
  // exporter-toolkit refuses a CA without a policy that uses it (a forgotten client_auth_type).
  if (clientAuth === 'NoClientCert' && clientCaFile !== null) {
    fail('tls_server_config.client_auth_type', 'must be set when client_ca_file is');
  }
  if (clientAuth === 'RequireAndVerifyClientCert' && clientCaFile === null) {
    fail('tls_server_config.client_ca_file', 'is required by RequireAndVerifyClientCert');
  }
  if (certFile === null && keyFile === null) return null;
  if (certFile === null) fail('tls_server_config.cert_file', 'is missing');
  if (keyFile === null) fail('tls_server_config.key_file', 'is missing');
  const minVersion = version(tls['min_version'], 'min_version', 'TLS12');
  const maxVersion = version(tls['max_version'], 'max_version', 'TLS13');
  if (minVersion > maxVersion) fail('tls_server_config.max_version', 'is below min_version');
  return {
    certFile,
    keyFile,
    minVersion: TLS_VERSIONS[minVersion],
    maxVersion: TLS_VERSIONS[maxVersion],
    clientCaFile,
  };
}

function version(value: unknown, field: string, fallback: TlsVersionName): TlsVersionName {
  const name = optionalString(value, `tls_server_config.${field}`) ?? fallback;
  if (!Object.hasOwn(TLS_VERSIONS, name)) {
    fail(`tls_server_config.${field}`, `must be one of ${Object.keys(TLS_VERSIONS).join(', ')}`);
  }
  return name as TlsVersionName;
}

function users(value: unknown): ReadonlyMap<string, string> {
  if (value === undefined || value === null) return new Map();
  const entries = Object.entries(mapping(value, 'basic_auth_users'));
  const result = new Map<string, string>();
  for (const [user, hash] of entries) {
    // Never echo the hash: it is a password's stand-in.
    if (typeof hash !== 'string' || !BCRYPT_HASH.test(hash)) {
      fail(
        `basic_auth_users.${JSON.stringify(user)}`,
        'must be a bcrypt hash ($2a$, $2b$ or $2y$)',
      );
    }
    result.set(user, hash);
  }
  return result;
}

function headers(value: unknown): Readonly<Record<string, string>> {
  if (value === undefined || value === null) return {};
  const http = mapping(value, 'http_server_config');
  onlyKeys(http, 'http_server_config.', ['http2', 'headers']);
  // Node's HTTP/1.1 server is what answers; http2 is accepted for compatibility only.
  optionalBool(http['http2'], 'http_server_config.http2');
  const configured = http['headers'];
  if (configured === undefined || configured === null) return {};
  const result: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(
    mapping(configured, 'http_server_config.headers'),
  )) {
    const field = `http_server_config.headers.${JSON.stringify(name)}`;
    if (!Object.hasOwn(ALLOWED_HEADERS, name)) {
      fail(field, `can not be configured; allowed: ${Object.keys(ALLOWED_HEADERS).join(', ')}`);
    }
    if (typeof headerValue !== 'string') fail(field, 'must be a string');
    if (/[\r\n\0]/.test(headerValue)) fail(field, 'must not contain line breaks');
    const allowedValues = ALLOWED_HEADERS[name];
    if (allowedValues && !allowedValues.includes(headerValue)) {
      fail(field, `must be one of ${allowedValues.join(', ')}`);
    }
    result[name] = headerValue;
  }
  return result;
}

function mapping(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(field, 'must be a mapping');
  }
  return value as Record<string, unknown>;
}

function onlyKeys(value: Record<string, unknown>, prefix: string, known: readonly string[]): void {
  const unknown = Object.keys(value).find((key) => !known.includes(key));
  if (unknown !== undefined) fail(`${prefix}${unknown}`, 'is not a known field');
}

function optionalString(value: unknown, field: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') fail(field, 'must be a string');
  return value;
}

function optionalBool(value: unknown, field: string): void {
  if (value !== undefined && value !== null && typeof value !== 'boolean') {
    fail(field, 'must be true or false');
  }
}
