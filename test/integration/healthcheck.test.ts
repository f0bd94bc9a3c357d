/**
 * `exotel-heartbeat-exporter healthcheck`: against a real exporter (in process, real listeners)
 * with TLS and basic auth on, with client certificates required, and while state is still
 * loading; and the built CLI (`node dist/main.js healthcheck`) as Docker and Kubernetes run it.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startExporter, type RunningExporter } from '../../src/exporter.js';
import { systemTimers } from '../../src/timers.js';
import type { StateFs } from '../../src/persist/stateFile.js';
import { runHealthcheck } from '../../src/healthcheck/healthcheck.js';
import { probeRequest } from '../../src/healthcheck/probeRequest.js';
import { freePort } from '../helpers/binaries.js';
import { tempDir } from '../helpers/exporterProcess.js';
import {
  basicHeader,
  httpsRequest,
  makeCertificate,
  makeClientCertificates,
} from '../helpers/tls.js';
import { FakeFs } from '../helpers/unit-fakeFs.js';
import { captureLogs } from '../helpers/unit-logCapture.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const EXAMPLE = fileURLToPath(
  new URL('../../deploy/web-config/web-config.example.yml', import.meta.url),
);

const dir = tempDir('exotel-healthcheck-');
const running: RunningExporter[] = [];
let cert = '';
let webConfigFile = '';

async function start(env: Record<string, string>, fsImpl: StateFs = fs): Promise<RunningExporter> {
  const exporter = await startExporter({
    config: loadConfig({ HOST: '127.0.0.1', STATE_FILE: '', ...env }),
    clock: { now: () => Date.now() },
    logger: captureLogs().logger,
    fs: fsImpl,
    build: { version: 'test', revision: 'test', nodejsVersion: 'test' },
    fetch,
    timers: systemTimers,
    random: () => 0.5,
    replica: 'test',
    runbookPath: fileURLToPath(new URL('../../docs/runbook.md', import.meta.url)),
  });
  running.push(exporter);
  return exporter;
}

async function healthcheck(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runHealthcheck(args, {
    env,
    readFile: (path) => fs.readFile(path, 'utf8'),
    request: probeRequest,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out, err };
}

beforeAll(() => {
  cert = makeCertificate(dir.path).cert;
  webConfigFile = join(dir.path, 'web-config.yml');
  // The shipped example: TLS 1.3 only, basic auth for user `prometheus`, security headers.
  copyFileSync(EXAMPLE, webConfigFile);
});
afterAll(async () => {
  await Promise.all(running.map((exporter) => exporter.close()));
  dir.cleanup();
});

describe('with TLS and basic auth on (the shipped example web configuration)', () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    const port = await freePort();
    env = { PORT: String(port), HOST: '127.0.0.1', WEB_CONFIG_FILE: webConfigFile };
    await start(env);
    // Basic auth is really on: /metrics refuses a request without credentials.
    const url = `https://127.0.0.1:${port}`;
    expect((await httpsRequest(`${url}/metrics`, { ca: cert })).status).toBe(401);
    const authorized = await httpsRequest(`${url}/metrics`, {
      ca: cert,
      headers: { authorization: basicHeader('prometheus', 'prometheus-scrape-password') },
    });
    expect(authorized.status).toBe(200);
  });

  it('is healthy and ready over HTTPS, without a password (the probes skip basic auth)', async () => {
    const healthy = await healthcheck(env);
    expect(healthy).toEqual({
      code: 0,
      out: [`https://127.0.0.1:${env['PORT']}/-/healthy: 200`],
      err: [],
    });
    const ready = await healthcheck(env, ['--ready']);
    expect(ready.code).toBe(0);
    expect(ready.out).toEqual([`https://127.0.0.1:${env['PORT']}/-/ready: 200`]);
  });

  it('fails when it is not told about the TLS (plain HTTP to a TLS listener)', async () => {
    const plain = { ...env };
    delete plain['WEB_CONFIG_FILE'];
    const result = await healthcheck(plain);
    expect(result.code).toBe(1);
    expect(result.err.join('\n')).toMatch(/^healthcheck: http:\/\/127\.0\.0\.1:\d+\/-\/healthy: /);
  });

  it('probes loopback when the exporter listens on every interface', async () => {
    const result = await healthcheck({ ...env, HOST: '' });
    expect(result).toMatchObject({
      code: 0,
      out: [`https://127.0.0.1:${env['PORT']}/-/healthy: 200`],
    });
  });

  it('exits 1, never 2, on a configuration error, naming the variable', async () => {
    const bad = join(dir.path, 'bad.yml');
    writeFileSync(bad, 'nope: 1\n');
    const result = await healthcheck({ ...env, WEB_CONFIG_FILE: bad });
    expect(result.code).toBe(1);
    expect(result.err.join('\n')).toContain(
      'invalid configuration: --web.config.file/WEB_CONFIG_FILE nope',
    );
    const random = await healthcheck({ ...env, PORT: '0' });
    expect(random.code).toBe(1);
    expect(random.err.join('\n')).toContain('invalid configuration: PORT is 0');
    const unknown = await healthcheck(env, ['--readyy']);
    expect(unknown.code).toBe(1);
    expect(unknown.err.join('\n')).toContain('unknown argument "--readyy"');
  });

  it('fails when nothing listens on the port', async () => {
    const result = await healthcheck({ ...env, PORT: String(await freePort()) });
    expect(result.code).toBe(1);
    expect(result.err.join('\n')).toContain('ECONNREFUSED');
  });

  it('works as the built CLI subcommand, as Docker and Kubernetes run it', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [MAIN, 'healthcheck', '--ready'], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
    });
    expect(stdout).toBe(`https://127.0.0.1:${env['PORT']}/-/ready: 200\n`);
    const failed = await run(process.execPath, [MAIN, 'healthcheck'], {
      env: { PATH: process.env['PATH'] ?? '', ...env, PORT: String(await freePort()) },
    }).then(
      () => null,
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/^healthcheck: https:\/\/127\.0\.0\.1:\d+\/-\/healthy: /);
  });
});

describe('with client certificates required', () => {
  it('presents HEALTHCHECK_CLIENT_CERT_FILE/KEY_FILE, and says so when they are missing', async () => {
    const certs = makeClientCertificates(dir.path);
    const file = join(dir.path, 'mtls.yml');
    writeFileSync(
      file,
      `tls_server_config:\n  cert_file: tls/exporter.crt\n  key_file: tls/exporter.key\n  client_ca_file: ${certs.caFile}\n  client_auth_type: RequireAndVerifyClientCert\n`,
    );
    const env = { PORT: String(await freePort()), HOST: '127.0.0.1', WEB_CONFIG_FILE: file };
    await start(env);

    const missing = await healthcheck(env);
    expect(missing.code).toBe(1);
    expect(missing.err.join('\n')).toContain(
      'HEALTHCHECK_CLIENT_CERT_FILE and HEALTHCHECK_CLIENT_KEY_FILE must be set',
    );

    writeFileSync(join(dir.path, 'tls', 'client.pem'), certs.client.cert);
    writeFileSync(join(dir.path, 'tls', 'client-key.pem'), certs.client.key);
    const ok = await healthcheck({
      ...env,
      HEALTHCHECK_CLIENT_CERT_FILE: join(dir.path, 'tls', 'client.pem'),
      HEALTHCHECK_CLIENT_KEY_FILE: join(dir.path, 'tls', 'client-key.pem'),
    });
    expect(ok).toMatchObject({ code: 0, err: [] });

    // A certificate the client CA did not sign is refused by the exporter: unhealthy.
    writeFileSync(join(dir.path, 'tls', 'stray.pem'), certs.stray.cert);
    writeFileSync(join(dir.path, 'tls', 'stray-key.pem'), certs.stray.key);
    const stray = await healthcheck({
      ...env,
      HEALTHCHECK_CLIENT_CERT_FILE: join(dir.path, 'tls', 'stray.pem'),
      HEALTHCHECK_CLIENT_KEY_FILE: join(dir.path, 'tls', 'stray-key.pem'),
    });
    expect(stray.code).toBe(1);
  });
});

describe('while the state file is loading', () => {
  it('is healthy but not ready, and ready once the load is done', async () => {
    const fake = new FakeFs();
    const stateFile = join(dir.path, 'state.json');
    // The state file is opened (then read) before anything else touches it.
    const pause = fake.pauseOn('open', (call) => call.path === stateFile);
    const env = { PORT: String(await freePort()), HOST: '127.0.0.1' };
    const starting = start({ ...env, STATE_FILE: stateFile }, fake.fs);
    await pause.reached;

    expect((await healthcheck(env)).code).toBe(0);
    const loading = await healthcheck(env, ['--ready']);
    expect(loading.code).toBe(1);
    expect(loading.err).toEqual([
      `healthcheck: http://127.0.0.1:${env.PORT}/-/ready: 503 state is loading`,
    ]);

    pause.release();
    await starting;
    expect((await healthcheck(env, ['--ready'])).code).toBe(0);
  });
});
