import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BasicAuthVerifier, basicCredentials } from '../../src/http/auth/basicAuth.js';
import { loadWebConfig } from '../../src/webConfig/loadWebConfig.js';
import { parseWebConfig } from '../../src/webConfig/webConfig.js';

const EXAMPLE = readFileSync(
  new URL('../../deploy/web-config/web-config.example.yml', import.meta.url),
  'utf8',
);
const HASH = '$2b$10$yDuqgCoA.PHDduYX2.tG2.rlzltTq4aQkQ/QyLNS7jGJn47pkQY1C';
const PASSWORD = 'prometheus-scrape-password';

describe('parseWebConfig', () => {
  it('reads the shipped example', () => {
    const config = parseWebConfig(EXAMPLE);
    expect(config.tls).toEqual({
      certFile: 'tls/exporter.crt',
      keyFile: 'tls/exporter.key',
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      clientCaFile: null,
    });
    expect([...config.basicAuthUsers]).toEqual([['prometheus', HASH]]);
    expect(config.headers).toEqual({
      'Strict-Transport-Security': 'max-age=31536000',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'deny',
    });
  });

  it('treats an empty file, and empty sections, as "nothing configured"', () => {
    for (const text of ['', '# only a comment\n', 'tls_server_config:\nbasic_auth_users:\n']) {
      expect(parseWebConfig(text)).toEqual({ tls: null, basicAuthUsers: new Map(), headers: {} });
    }
  });

  it('defaults to TLS 1.2 and up; verifies client certificates when asked to', () => {
    expect(parseWebConfig('tls_server_config: {cert_file: c, key_file: k}').tls).toMatchObject({
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
    });
    expect(
      parseWebConfig(
        'tls_server_config: {cert_file: c, key_file: k, client_ca_file: ca, client_auth_type: RequireAndVerifyClientCert}',
      ).tls,
    ).toMatchObject({ clientCaFile: 'ca' });
  });

  // Each refusal names WEB_CONFIG_FILE and the field, as promtool would refuse the same file.
  it.each([
    ['foo: 1', 'foo is not a known field'],
    [
      'tls_server_config: {cert_file: c, key_file: k, client_ca_file: ca}',
      'tls_server_config.client_auth_type must be set when client_ca_file is',
    ],
    ['tls_server_config: {cert_file: c}', 'tls_server_config.key_file is missing'],
    ['tls_server_config: {key_file: k}', 'tls_server_config.cert_file is missing'],
    [
      'tls_server_config: {cert_file: c, key_file: k, cert: x}',
      'tls_server_config.cert is not a known field',
    ],
    [
      'tls_server_config: {cert_file: c, key_file: k, min_version: TLS14}',
      'tls_server_config.min_version must be one of TLS10, TLS11, TLS12, TLS13',
    ],
    [
      'tls_server_config: {cert_file: c, key_file: k, min_version: tls13}',
      'tls_server_config.min_version must be one of',
    ],
    [
      'tls_server_config: {cert_file: c, key_file: k, min_version: TLS13, max_version: TLS12}',
      'tls_server_config.max_version is below min_version',
    ],
    [
      'tls_server_config: {cert_file: c, key_file: k, cipher_suites: [TLS_AES_128_GCM_SHA256]}',
      'tls_server_config.cipher_suites is not supported',
    ],
    [
      'tls_server_config: {cert_file: c, key_file: k, client_auth_type: VerifyClientCertIfGiven}',
      'VerifyClientCertIfGiven is not supported',
    ],
    [
      'tls_server_config: {cert_file: c, key_file: k, client_auth_type: Nope}',
      'tls_server_config.client_auth_type must be one of',
    ],
    [
      'tls_server_config: {cert_file: c, key_file: k, client_auth_type: RequireAndVerifyClientCert}',
      'tls_server_config.client_ca_file is required',
    ],
    [
      'tls_server_config: {cert_file: 1, key_file: k}',
      'tls_server_config.cert_file must be a string',
    ],
    ['tls_server_config: [a]', 'tls_server_config must be a mapping'],
    ['basic_auth_users: {u: plain-password}', 'basic_auth_users."u" must be a bcrypt hash'],
    ['basic_auth_users: {u: "$2x$10$abc"}', 'basic_auth_users."u" must be a bcrypt hash'],
    ['basic_auth_users: {u: 12}', 'basic_auth_users."u" must be a bcrypt hash'],
    [
      'http_server_config: {headers: {Server: x}}',
      'http_server_config.headers."Server" can not be configured',
    ],
    ['http_server_config: {headers: {Set-Cookie: a=b}}', '"Set-Cookie" can not be configured'],
    [
      'http_server_config: {headers: {x-frame-options: deny}}',
      '"x-frame-options" can not be configured',
    ],
    [
      'http_server_config: {headers: {X-Frame-Options: allow}}',
      '"X-Frame-Options" must be one of deny, sameorigin',
    ],
    [
      'http_server_config: {headers: {X-Frame-Options: SameOrigin}}',
      'must be one of deny, sameorigin',
    ],
    ['http_server_config: {headers: {X-Content-Type-Options: NoSniff}}', 'must be one of nosniff'],
    ['http_server_config: {headers: {Content-Security-Policy: 7}}', 'must be a string'],
    ['http_server_config: {http2: maybe}', 'http_server_config.http2 must be true or false'],
    ['http_server_config: {other: 1}', 'http_server_config.other is not a known field'],
    ['a: [', 'is not valid YAML'],
    ['a: 1\na: 2', 'is not valid YAML'],
    ['- just\n- a list', 'the file must be a mapping'],
  ])('refuses %j', (text, message) => {
    expect(() => parseWebConfig(text)).toThrow(
      `invalid configuration: --web.config.file/WEB_CONFIG_FILE`,
    );
    expect(() => parseWebConfig(text)).toThrow(message);
  });

  it('never echoes a bcrypt hash in an error', () => {
    expect(() => parseWebConfig('basic_auth_users: {u: "$2b$10$short"}')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('$2b$10$short') as string }),
    );
  });
});

describe('loadWebConfig', () => {
  const files = (entries: Record<string, string>) => async (path: string) => {
    const text = entries[path];
    if (text === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    return Promise.resolve(text);
  };

  it('reads the certificate files relative to the configuration file', async () => {
    const web = await loadWebConfig(
      '/etc/exporter/web.yml',
      files({
        '/etc/exporter/web.yml': 'tls_server_config: {cert_file: tls/c.pem, key_file: /k.pem}',
        '/etc/exporter/tls/c.pem': 'CERT',
        '/k.pem': 'KEY',
      }),
    );
    expect(web.tls).toEqual({
      cert: 'CERT',
      key: 'KEY',
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
    });
    expect(web.basicAuth).toBeNull();
  });

  it('names the field whose file cannot be read', async () => {
    await expect(
      loadWebConfig(
        '/w.yml',
        files({ '/w.yml': 'tls_server_config: {cert_file: c, key_file: k}' }),
      ),
    ).rejects.toThrow(
      'invalid configuration: --web.config.file/WEB_CONFIG_FILE tls_server_config.cert_file: cannot read /c (ENOENT)',
    );
    await expect(loadWebConfig('/missing.yml', files({}))).rejects.toThrow(
      'WEB_CONFIG_FILE the file: cannot read /missing.yml (ENOENT)',
    );
  });
});

describe('BasicAuthVerifier', () => {
  it('accepts the right password, refuses a wrong one and an unknown user', async () => {
    const verifier = new BasicAuthVerifier(new Map([['prometheus', HASH]]));
    expect(await verifier.verify('prometheus', PASSWORD)).toBe(true);
    expect(await verifier.verify('prometheus', `${PASSWORD}x`)).toBe(false);
    expect(await verifier.verify('prometheus', '')).toBe(false);
    expect(await verifier.verify('nobody', PASSWORD)).toBe(false);
    expect(await verifier.verify('Prometheus', PASSWORD)).toBe(false);
  });

  it('pays bcrypt once per good credential, then answers from its cache', async () => {
    const verifier = new BasicAuthVerifier(new Map([['prometheus', HASH]]));
    const first = performance.now();
    expect(await verifier.verify('prometheus', PASSWORD)).toBe(true);
    const uncached = performance.now() - first;
    const second = performance.now();
    for (let i = 0; i < 20; i++) expect(await verifier.verify('prometheus', PASSWORD)).toBe(true);
    const cached = (performance.now() - second) / 20;
    expect(cached).toBeLessThan(uncached / 10);
    // A wrong password is never answered from the cache of the right one.
    expect(await verifier.verify('prometheus', 'wrong')).toBe(false);
  });

  it('parses basic credentials, refusing anything else', () => {
    const header = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    expect(basicCredentials(header('u:p:q'))).toEqual({ user: 'u', password: 'p:q' });
    expect(basicCredentials(header(':'))).toEqual({ user: '', password: '' });
    for (const bad of [undefined, '', 'Bearer x', 'Basic', 'Basic !!', header('nocolon')]) {
      expect(basicCredentials(bad)).toBeNull();
    }
  });
});
