/**
 * The exporter operated like a Prometheus component, on the real process: --help, --version, an
 * unknown flag or variable, a start-up failure that names its setting, signals (SIGHUP and SIGUSR2
 * reload, SIGQUIT saves and exits), POST /-/reload with and without --web.enable-lifecycle, and a
 * certificate swapped by a reload while the listener keeps running.
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/settings/table.js';
import {
  startExporterProcess,
  stopAll,
  tempDir,
  type ExporterProcess,
} from '../helpers/exporterProcess.js';
import { heartbeat, iso, postHeartbeat, request, JSON_HEADERS, waitFor } from '../helpers/http.js';
import { makeCertificate } from '../helpers/tls.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const dirs: { cleanup: () => void }[] = [];
afterAll(() => {
  stopAll();
  for (const dir of dirs) dir.cleanup();
});

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env['PATH'] ?? '', STATE_FILE: '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('command line', () => {
  it('--help lists every flag with its default and variables, and exits 0', () => {
    const { code, stdout, stderr } = run(['--help']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    for (const spec of Object.values(SETTINGS)) {
      expect(stdout).toContain(`--${'boolean' in spec ? '[no-]' : ''}${spec.flag}`);
      if (!('boolean' in spec)) expect(stdout).toContain(`=${JSON.stringify(spec.defaultText)}`);
      for (const variable of spec.env) expect(stdout).toContain(`$${variable}`);
    }
    expect(stdout).toMatch(/^\s+send\s/m);
  });

  it('--version prints version, revision and the Node.js version as Prometheus does', () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    const { code, stdout } = run(['--version'], { BUILD_REVISION: 'abc123' });
    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(
        `^exotel-heartbeat-exporter, version ${pkg.version.replace(/\./g, '\\.')} \\(branch: [^,]+, revision: abc123\\)\\n  build user: +\\S.*\\n  build date: +\\S.*\\n  node version: +${process.version.replace(/\./g, '\\.')}\\n  platform: +${process.platform}/${process.arch}\\n$`,
      ),
    );
  });

  it.each([
    [
      ['--web.listen-adress=:1'],
      'unknown flag --web.listen-adress, did you mean --web.listen-address?',
    ],
    [['--log-level=debug'], 'unknown flag --log-level, did you mean --log.level?'],
    [['--state.file'], "Option '--state.file <value>' argument missing"],
    [['stray'], 'unknown command "stray"'],
    [['sned'], 'unknown command "sned", did you mean send?'],
  ])('%j → exit 2 naming the closest valid one', (args, message) => {
    const { code, stderr, stdout } = run(args);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toContain(message);
  });

  it.each([
    [
      { HOST: 'not-an-ip' },
      [],
      'invalid configuration: --web.listen-address/HOST/PORT cannot listen on not-an-ip:',
    ],
    [
      { HOST: 'not an ip' },
      [],
      'invalid configuration: --web.listen-address/HOST must be an IP address or a host name',
    ],
    [
      { PORT: '99999' },
      [],
      'invalid configuration: --web.listen-address/PORT must be between 0 and 65535',
    ],
    [
      {},
      ['--web.listen-address=8747'],
      'invalid configuration: --web.listen-address must be [host]:port',
    ],
    [
      { LOG_FORMAT: 'xml' },
      [],
      'invalid configuration: --log.format/LOG_FORMAT must be one of json, logfmt',
    ],
    [
      {},
      ['--exotel.api-key=k'],
      'invalid configuration: --exotel.api-token/EXOTEL_API_TOKEN must be set too',
    ],
  ])('%j %j → exit 2 naming the setting', (env, args, message) => {
    const { code, stderr } = run(args, { HOST: '127.0.0.1', PORT: '0', ...env });
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('a flag wins over its variable; an unknown variable that looks like ours is a warning', async () => {
    const exporter = await startExporterProcess(
      {
        LOG_LEVEL: 'error',
        EXOTEL_API_KYE: 'x',
        WEBHOOK_TOKEN: 'y',
        STATEFILE: 'z',
        HOSTNAME: 'box',
      },
      ['--log.level=info'],
    );
    const warnings = exporter.logs.filter((l) => l.level === 'warn').map((l) => l.msg);
    expect(warnings).toEqual(
      expect.arrayContaining([
        'unknown environment variable EXOTEL_API_KYE ignored, did you mean EXOTEL_API_KEY?',
        'unknown environment variable STATEFILE ignored, did you mean STATE_FILE?',
        'unknown environment variable WEBHOOK_TOKEN ignored, did you mean WEBHOOK_TOKENS?',
      ]),
    );
    expect(warnings.join('\n')).not.toContain('HOSTNAME');
    // info, from the flag, not error from the variable: "ready" was logged at info.
    expect(exporter.logs.some((l) => l.msg === 'ready')).toBe(true);
    await exporter.stop();
  });

  it('--log.format=logfmt logs key=value lines', () => {
    const { stdout } = run(['--log.format=logfmt', '--web.listen-address=not-an-ip:0']);
    expect(stdout).toMatch(/^ts=\S+ level=info msg=starting service=exotel-heartbeat-exporter /m);
    expect(stdout).toContain(' config.logFormat=logfmt ');
  });
});

describe('signals and POST /-/reload', () => {
  let exporter: ExporterProcess;
  let seconds = Math.floor(Date.now() / 1000) - 3_600;
  const body = () => heartbeat({ timestamp: iso(++seconds), status: 'OK' });

  it('without --web.enable-lifecycle, POST /-/reload is 403 as in Prometheus', async () => {
    exporter = await startExporterProcess();
    const answer = await request(`${exporter.url}/-/reload`, { method: 'POST' });
    expect({ status: answer.status, text: answer.text }).toEqual({
      status: 403,
      text: 'Lifecycle API is not enabled.\n',
    });
    expect((await request(`${exporter.url}/-/reload`)).status).toBe(405);
    await exporter.stop();
  });

  it('SIGHUP and SIGUSR2 reload; a bad file keeps the old configuration; SIGQUIT saves and exits', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const tokensFile = join(dir.path, 'tokens.yml');
    const stateFile = join(dir.path, 'state.json');
    const OLD = 'tok-OLD-AAAAAAAAAAAAAAAAAAAAA';
    const NEW = 'tok-NEW-BBBBBBBBBBBBBBBBBBBBB';
    writeFileSync(tokensFile, `tokens:\n  - ${OLD}\n`);
    exporter = await startExporterProcess(
      { STATE_FILE: stateFile, WEBHOOK_TOKENS_FILE: tokensFile },
      ['--web.enable-lifecycle'],
    );
    const post = (token: string) =>
      postHeartbeat(`${exporter.url}/heartbeat/acme/t/${token}`, body(), JSON_HEADERS);
    expect((await post(OLD)).status).toBe(200);
    expect((await post(NEW)).status).toBe(401);

    writeFileSync(tokensFile, `tokens:\n  - ${NEW}\n`);
    exporter.child.kill('SIGHUP');
    await waitFor('the reload', () =>
      exporter.logs.some((l) => l.msg === 'configuration reloaded'),
    );
    expect((await post(NEW)).status).toBe(200);
    expect((await post(OLD)).status).toBe(401);

    writeFileSync(tokensFile, 'tokens: nope\n');
    exporter.child.kill('SIGUSR2');
    await waitFor('the refused reload', () =>
      exporter.logs.some(
        (l) => l.msg === 'reload failed; the previous configuration is still in force',
      ),
    );
    expect((await post(NEW)).status).toBe(200);

    // The lifecycle API answers with the reason, and the old tokens stay.
    const refused = await request(`${exporter.url}/-/reload`, { method: 'POST' });
    expect(refused.status).toBe(500);
    expect(refused.text).toContain(
      '--webhook.tokens-file/WEBHOOK_TOKENS_FILE field "tokens" must be a list',
    );
    writeFileSync(tokensFile, `tokens:\n  - ${OLD}\n`);
    const ok = await request(`${exporter.url}/-/reload`, { method: 'PUT' });
    expect({ status: ok.status, text: ok.text }).toEqual({ status: 200, text: 'OK\n' });
    expect((await post(OLD)).status).toBe(200);

    exporter.child.kill('SIGQUIT');
    expect(await exporter.exited).toEqual({ code: 0, signal: null });
    expect(readFileSync(stateFile, 'utf8')).toContain('acme');
  });

  it('a reload swaps the TLS certificate on the running listener', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const first = makeCertificate(dir.path);
    const webConfig = join(dir.path, 'web.yml');
    writeFileSync(
      webConfig,
      `tls_server_config:\n  cert_file: tls/exporter.crt\n  key_file: tls/exporter.key\n`,
    );
    exporter = await startExporterProcess({ WEB_CONFIG_FILE: webConfig });
    const served = () =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(
          { host: '127.0.0.1', port: exporter.port, rejectUnauthorized: false },
          () => {
            resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
            socket.end();
          },
        );
        socket.once('error', reject);
      });
    const firstPrint = new X509Certificate(first.cert).fingerprint256;
    expect(await served()).toBe(firstPrint);

    // A new pair written next to it, then moved in place (as a Secret update does).
    const staging = join(dir.path, 'next');
    mkdirSync(staging);
    const second = makeCertificate(staging);
    renameSync(second.certFile, first.certFile);
    renameSync(second.keyFile, first.keyFile);
    exporter.child.kill('SIGHUP');
    await waitFor('the reload', () =>
      exporter.logs.some((l) => l.msg === 'configuration reloaded'),
    );
    const secondPrint = new X509Certificate(second.cert).fingerprint256;
    expect(secondPrint).not.toBe(firstPrint);
    expect(await served()).toBe(secondPrint);

    // A key that does not match its certificate is refused; the second pair stays in use.
    makeCertificate(staging);
    renameSync(join(staging, 'tls', 'exporter.key'), first.keyFile);
    exporter.child.kill('SIGHUP');
    await waitFor('the refused reload', () =>
      exporter.logs.some(
        (l) => l.msg === 'reload failed; the previous configuration is still in force',
      ),
    );
    expect(await served()).toBe(secondPrint);
    expect(await exporter.stop()).toEqual({ code: 0, signal: null });
  });
});
