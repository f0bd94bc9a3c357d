import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { keepAliveAgent, request, sleep } from './http.js';

/**
 * Every child the harness starts is registered here, so that one `killAll()` (on normal exit,
 * on error, on SIGINT/SIGTERM) leaves nothing running: exporters, floors, Prometheus,
 * Pushgateway.
 */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** The last lines of stdout+stderr, for error messages. */
  readonly output: string[];
  readonly exited: Promise<void>;
  /** SIGTERM, SIGKILL after 5 s; resolves once the process is gone. Safe to call twice. */
  stop(): Promise<void>;
}

const children = new Set<Child>();

export function killAll(): void {
  for (const child of children) {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
    }
  }
  children.clear();
}

export function spawnTracked(
  name: string,
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; ipc?: boolean; cwd?: string } = {},
): Child {
  const proc = spawn(command, [...args], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: options.ipc === true ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (line: string) => {
    output.push(line);
    if (output.length > 60) output.shift();
  };
  if (proc.stdout !== null) createInterface({ input: proc.stdout }).on('line', keep);
  if (proc.stderr !== null) createInterface({ input: proc.stderr }).on('line', keep);
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', () => resolve());
    proc.once('error', (error) => {
      keep(`spawn error: ${error.message}`);
      resolve();
    });
  });
  const child: Child = {
    name,
    process: proc,
    output,
    exited,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const force = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(force);
      children.delete(child);
    },
  };
  children.add(child);
  return child;
}

export function isRunning(child: Child): boolean {
  return child.process.exitCode === null && child.process.signalCode === null;
}

/** A free loopback port (bound, then released; the tiny race is acceptable for a benchmark). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200; fails with the child's output if it exits or times out. */
export async function waitReady(child: Child, url: string, timeoutMs = 30_000): Promise<void> {
  const agent = keepAliveAgent();
  const started = performance.now();
  try {
    for (;;) {
      if (!isRunning(child)) {
        throw new Error(`${child.name} exited before it was ready:\n${child.output.join('\n')}`);
      }
      try {
        const res = await request(url, { agent, timeoutMs: 2_000 });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (performance.now() - started > timeoutMs) {
        throw new Error(
          `${child.name} not ready within ${timeoutMs} ms:\n${child.output.join('\n')}`,
        );
      }
      await sleep(50);
    }
  } finally {
    agent.destroy();
  }
}

/** Resolves with the port a bench child script prints as `LISTENING <port>`. */
export function listeningPort(child: Child, timeoutMs = 15_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const stdout = child.process.stdout;
    if (stdout === null) {
      reject(new Error(`${child.name} has no stdout`));
      return;
    }
    const timer = setTimeout(
      () => reject(new Error(`${child.name} did not start:\n${child.output.join('\n')}`)),
      timeoutMs,
    );
    createInterface({ input: stdout }).on('line', (line) => {
      const match = /^LISTENING (\d+)$/.exec(line);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void child.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${child.name} exited:\n${child.output.join('\n')}`));
    });
  });
}

/** The executable's absolute path: /usr/bin first (the Debian packages), then PATH. */
export function findBinary(name: string): string | null {
  const dirs = ['/usr/bin', ...(process.env['PATH'] ?? '').split(delimiter)];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** One temporary directory for the whole run (state files, TSDB, copies), removed at exit. */
export class TempRoot {
  readonly path = mkdtempSync(join(tmpdir(), 'exotel-bench-'));
  private counter = 0;

  /** A fresh sub-path name (not created). */
  sub(prefix: string): string {
    this.counter++;
    return join(this.path, `${prefix}-${this.counter}`);
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}
