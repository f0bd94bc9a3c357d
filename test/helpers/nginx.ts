/**
 * Debian's real nginx running a shipped `deploy/nginx/*.conf` on loopback. The test config is
 * the shipped file with only its replica addresses, listen port and access log path substituted
 * (each substitution must hit, so a renamed placeholder fails here instead of testing nothing),
 * wrapped in a minimal main config that keeps every file nginx writes in a temporary prefix.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startBinary, type RunningBinary } from './binaries.js';
import { tempDir } from './exporterProcess.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type NginxMode = 'balance' | 'mirror';

export const NGINX_FILES: Readonly<Record<NginxMode, string>> = {
  balance: 'deploy/nginx/exotel-balance.conf',
  mirror: 'deploy/nginx/exotel-mirror.conf',
};

/** The shipped snippet with `exporter-<i>:8747` → replicas[i], its listener and log moved. */
export function nginxSnippet(
  mode: NginxMode,
  replicas: readonly string[],
  listen: string,
  accessLog: string,
): string {
  let text = readFileSync(join(ROOT, NGINX_FILES[mode]), 'utf8');
  const placeholders = new Set(text.match(/exporter-\d+:8747/g) ?? []);
  if (placeholders.size !== replicas.length) {
    throw new Error(
      `${NGINX_FILES[mode]} names ${placeholders.size} replicas, the test has ${replicas.length}`,
    );
  }
  replicas.forEach((address, i) => {
    text = replaceAll(text, `exporter-${i}:8747`, address);
  });
  text = replaceAll(text, 'listen 8080;', `listen ${listen};`);
  return replaceAll(text, '/var/log/nginx/exotel-heartbeat.log', accessLog);
}

function replaceAll(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`the shipped nginx config no longer has "${from}"`);
  return text.split(from).join(to);
}

/** A main config around the snippet: one process, pid, temp files and logs in `prefix`. */
function mainConfig(prefix: string, snippetPath: string): string {
  const temp = (name: string) => `${name}_temp_path ${join(prefix, name)};`;
  return [
    // One process: killing it (even with SIGKILL in a failed test's cleanup) leaves no worker.
    'master_process off;',
    'daemon off;',
    `pid ${join(prefix, 'nginx.pid')};`,
    'error_log stderr warn;',
    'events { worker_connections 256; }',
    'http {',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `  ${temp(name)}`),
    `  include ${snippetPath};`,
    '}',
    '',
  ].join('\n');
}

export interface RunningNginx {
  readonly url: string;
  readonly port: number;
  readonly binary: RunningBinary;
  /** Access log lines so far (the shipped format: no URI). */
  accessLog(): string[];
  stop(): Promise<void>;
}

/** Writes the test config; returns the main config's path and the prefix directory. */
export function writeNginxConfig(
  mode: NginxMode,
  replicas: readonly string[],
  port: number,
): { prefix: string; config: string; accessLog: string; cleanup: () => void } {
  const dir = tempDir('exotel-nginx-');
  const accessLog = join(dir.path, 'access.log');
  const snippet = join(dir.path, `exotel-${mode}.conf`);
  writeFileSync(snippet, nginxSnippet(mode, replicas, `127.0.0.1:${port}`, accessLog));
  const config = join(dir.path, 'nginx.conf');
  writeFileSync(config, mainConfig(dir.path, snippet));
  return { prefix: dir.path, config, accessLog, cleanup: dir.cleanup };
}

/** `nginx -t` on the test config: the exit status and what nginx said. */
export function nginxCheck(prefix: string, config: string): { status: number | null; out: string } {
  const result = spawnSync('nginx', ['-t', '-p', prefix, '-c', config, '-e', 'stderr'], {
    encoding: 'utf8',
  });
  if (result.error !== undefined) throw new Error(`nginx could not run: ${result.error.message}`);
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

/** Starts nginx in `mode` in front of `replicas` (host:port each); resolves once it accepts. */
export async function startNginx(
  mode: NginxMode,
  replicas: readonly string[],
): Promise<RunningNginx> {
  const port = await freePort();
  const written = writeNginxConfig(mode, replicas, port);
  const check = nginxCheck(written.prefix, written.config);
  if (check.status !== 0) throw new Error(`nginx -t failed:\n${check.out}`);
  const binary = await startBinary(
    'nginx',
    ['-p', written.prefix, '-c', written.config, '-e', 'stderr'],
    () => accepts(port),
    15_000,
  );
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    binary,
    accessLog: () => {
      try {
        return readFileSync(written.accessLog, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    stop: async () => {
      await binary.stop();
      written.cleanup();
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
