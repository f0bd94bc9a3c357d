/**
 * WEB_CONFIG_FILE and METRICS_PORT on the whole exporter (in process): the shipped example file passes
 * `promtool check web-config` and the exporter serves with it — real TLS handshakes with the
 * minimum version enforced, bcrypt basic auth, the configured headers — and the metrics listener
 * split keeps /metrics and the pages off the webhook's port.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startExporterInProcess,
  stopAllInProcess,
  type ExporterInProcess,
} from '../helpers/exporterInProcess.js';
import { tempDir } from '../helpers/exporterProcess.js';
import {
  heartbeat,
  iso,
  json,
  postHeartbeat,
  rawExchange,
  request,
  scrape,
} from '../helpers/http.js';
import {
  basicHeader,
  httpsRequest,
  makeCertificate,
  makeClientCertificates,
} from '../helpers/tls.js';

const EXAMPLE = fileURLToPath(
  new URL('../../deploy/web-config/web-config.example.yml', import.meta.url),
);
const USER = 'prometheus';
const PASSWORD = 'prometheus-scrape-password';

const dir = tempDir('exotel-webconfig-');
let cert = '';
let configFile = '';

beforeAll(() => {
  cert = makeCertificate(dir.path).cert;
  configFile = join(dir.path, 'web-config.yml');
  copyFileSync(EXAMPLE, configFile);
});
afterAll(async () => {
  await stopAllInProcess();
  dir.cleanup();
});

function promtool(file: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'web-config', file], { encoding: 'utf8' });
  if (result.error) throw new Error(`promtool could not run: ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the shipped example web configuration', () => {
  it('passes promtool check web-config (certificates in place)', () => {
    expect(promtool(configFile)).toEqual({ status: 0, output: `${configFile} SUCCESS\n` });
  });

  it('and files promtool refuses, the exporter refuses too, naming the field', async () => {
    const cases: [string, string][] = [
      ['http_server_config:\n  headers:\n    Server: x\n', 'http_server_config.headers."Server"'],
      ['tls_server_config:\n  cert_file: tls/exporter.crt\n', 'tls_server_config.key_file'],
      ['basic_auth_users:\n  u: not-a-hash\n', 'basic_auth_users."u"'],
      ['nope: 1\n', 'nope is not a known field'],
    ];
    for (const [text, field] of cases) {
      const file = join(dir.path, 'bad.yml');
      writeFileSync(file, text);
      expect(promtool(file).status).not.toBe(0);
      await expect(startExporterInProcess({ WEB_CONFIG_FILE: file })).rejects.toThrow(
        `invalid configuration: --web.config.file/WEB_CONFIG_FILE ${field}`,
      );
    }
  });
});

describe('TLS, basic auth and headers from the example', () => {
  let exporter: ExporterInProcess;
  let base = '';
  const auth = { authorization: basicHeader(USER, PASSWORD) };
  const get = (path: string, headers: Record<string, string> = {}, maxVersion?: 'TLSv1.2') =>
    httpsRequest(`${base}${path}`, { ca: cert, headers, ...(maxVersion ? { maxVersion } : {}) });

  beforeAll(async () => {
    exporter = await startExporterInProcess({ WEB_CONFIG_FILE: configFile });
    base = `https://127.0.0.1:${exporter.port}`;
  });

  it('serves TLS 1.3 and refuses a client that speaks at most TLS 1.2 (min_version: TLS13)', async () => {
    const answer = await get('/metrics', auth);
    expect(answer.status).toBe(200);
    expect(answer.tlsVersion).toBe('TLSv1.3');
    expect(answer.text).toContain('exotel_exporter_build_info');
    await expect(get('/metrics', auth, 'TLSv1.2')).rejects.toThrow(/version|alert|handshake/i);
  });

  it('drops a client that never finishes the TLS handshake (10 s), and keeps serving', async () => {
    const started = performance.now();
    const silent = await rawExchange(exporter.port, () => undefined, {
      timeoutMs: 15_000,
      untilClose: true,
    });
    const elapsed = performance.now() - started;
    expect(silent.closedByServer).toBe(true);
    expect(elapsed).toBeGreaterThan(9_000);
    expect(elapsed).toBeLessThan(13_000);
    expect((await get('/-/healthy')).status).toBe(200);
  });

  it('lets account removal through basic auth on PORT, and only through it (issue 13)', async () => {
    const remove = (headers: Record<string, string>) =>
      httpsRequest(`${base}/api/v1/accounts/never-seen`, { ca: cert, method: 'DELETE', headers });
    expect((await remove({})).status).toBe(401);
    // Enabled (not 403 admin_disabled): basic auth protects it as it protects /metrics.
    const answer = await remove(auth);
    expect({ status: answer.status, body: JSON.parse(answer.text) as unknown }).toEqual({
      status: 404,
      body: { error: 'not_found', detail: 'no such account' },
    });
  });

  it('does not answer plain HTTP on the TLS port', async () => {
    const plain = await fetch(`http://127.0.0.1:${exporter.port}/-/healthy`).then(
      (r) => r.status,
      () => 'failed',
    );
    expect(plain).not.toBe(200);
  });

  it('protects /metrics, the status page, the runbook, its assets, the JSON API and unknown paths', async () => {
    for (const path of [
      '/metrics',
      '/',
      '/runbook',
      '/status.css',
      '/favicon.svg',
      '/api/v1/status',
      '/nope',
    ]) {
      const missing = await get(path);
      expect([path, missing.status]).toEqual([path, 401]);
      expect(missing.headers['www-authenticate']).toBe(
        'Basic realm="exotel-heartbeat-exporter", charset="UTF-8"',
      );
      expect(JSON.parse(missing.text)).toEqual({
        error: 'unauthorized',
        detail: 'valid basic auth credentials are required',
      });
      expect((await get(path, auth)).status).toBe(path === '/nope' ? 404 : 200);
    }
  });

  it('refuses a wrong password, an unknown user, a wrong case and other schemes', async () => {
    for (const authorization of [
      basicHeader(USER, 'wrong'),
      basicHeader(USER, ''),
      basicHeader(USER, `${PASSWORD} `),
      basicHeader('nobody', PASSWORD),
      basicHeader('Prometheus', PASSWORD),
      basicHeader('', ''),
      `Bearer ${PASSWORD}`,
      'Basic !!!!',
    ]) {
      expect((await get('/metrics', { authorization })).status).toBe(401);
    }
  });

  it('leaves the probes and the webhook to their own rules', async () => {
    expect((await get('/-/healthy')).status).toBe(200);
    expect((await get('/-/ready')).status).toBe(200);
    const posted = await httpsRequest(`${base}/heartbeat/acme`, {
      ca: cert,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(heartbeat({ timestamp: iso(1_700_000_000), status: 'OK' })),
    });
    expect([posted.status, JSON.parse(posted.text)]).toEqual([200, { result: 'applied' }]);
  });

  it('adds the configured headers to every answer; the status page keeps its own policy', async () => {
    for (const path of ['/metrics', '/-/healthy', '/nope', '/']) {
      const answer = await get(path, path === '/-/healthy' ? {} : auth);
      expect(answer.headers['strict-transport-security']).toBe('max-age=31536000');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
    expect((await get('/metrics', auth)).headers['x-frame-options']).toBe('deny');
    // The status page's stricter DENY (same meaning) is set by its route.
    expect((await get('/', auth)).headers['x-frame-options']).toBe('DENY');
  });

  it('never logs the password', () => {
    expect(JSON.stringify(exporter.logs)).not.toContain(PASSWORD);
    expect(JSON.stringify(exporter.logs)).not.toContain(basicHeader(USER, PASSWORD).slice(6));
  });
});

describe('client certificates (client_ca_file)', () => {
  it('serves a client whose certificate the CA signed, and refuses one without or with a stray one', async () => {
    const certs = makeClientCertificates(dir.path);
    const file = join(dir.path, 'mtls.yml');
    writeFileSync(
      file,
      `tls_server_config:\n  cert_file: tls/exporter.crt\n  key_file: tls/exporter.key\n  client_ca_file: ${certs.caFile}\n  client_auth_type: RequireAndVerifyClientCert\n`,
    );
    expect(promtool(file).status).toBe(0);
    const exporter = await startExporterInProcess({ WEB_CONFIG_FILE: file });
    const url = `https://127.0.0.1:${exporter.port}/metrics`;
    const answer = await httpsRequest(url, { ca: cert, ...certs.client });
    expect(answer.status).toBe(200);
    await expect(httpsRequest(url, { ca: cert })).rejects.toThrow();
    await expect(httpsRequest(url, { ca: cert, ...certs.stray })).rejects.toThrow();
    await exporter.stop();
  });
});

describe('METRICS_PORT', () => {
  let exporter: ExporterInProcess;
  let metricsUrl = '';

  beforeAll(async () => {
    exporter = await startExporterInProcess({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' });
    const line = exporter.logs.find((l) => l.msg === 'metrics listening');
    metricsUrl = `http://127.0.0.1:${String(line?.['port'])}`;
  });

  it('serves the webhook and the probes on PORT, and 404 for /metrics and the pages there', async () => {
    const body = heartbeat({ timestamp: iso(1_700_000_000), status: 'CRITICAL', incoming: ['x1'] });
    expect((await postHeartbeat(`${exporter.url}/heartbeat/acme`, body)).status).toBe(200);
    for (const path of ['/metrics', '/', '/status.css', '/favicon.svg', '/api/v1/status']) {
      const answer = await request(`${exporter.url}${path}`);
      expect([path, answer.status, json(answer)]).toEqual([
        path,
        404,
        { error: 'not_found', detail: 'no such route' },
      ]);
    }
    expect((await request(`${exporter.url}/-/healthy`)).status).toBe(200);
    expect((await request(`${exporter.url}/-/ready`)).status).toBe(200);
  });

  it('serves /metrics, the pages and the probes on METRICS_PORT, and no webhook there', async () => {
    const metrics = await scrape(metricsUrl);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('account="acme"');
    for (const path of [
      '/',
      '/status.css',
      '/favicon.svg',
      '/api/v1/status',
      '/-/healthy',
      '/-/ready',
    ]) {
      expect([path, (await request(`${metricsUrl}${path}`)).status]).toEqual([path, 200]);
    }
    const posted = await postHeartbeat(
      `${metricsUrl}/heartbeat/acme`,
      heartbeat({ timestamp: iso(1_700_000_100), status: 'OK' }),
    );
    expect(posted.status).toBe(404);
  });

  it('stops both listeners on shutdown (what SIGTERM runs), and closing succeeds', async () => {
    expect(await exporter.stop()).toEqual({ code: 0, signal: null });
    await expect(fetch(`${metricsUrl}/-/healthy`)).rejects.toThrow();
  });

  it('refuses METRICS_PORT equal to PORT', async () => {
    await expect(startExporterInProcess({ PORT: '18747', METRICS_PORT: '18747' })).rejects.toThrow(
      'invalid configuration: --web.metrics-listen-address/METRICS_PORT must differ from the port of --web.listen-address (PORT)',
    );
  });
});
