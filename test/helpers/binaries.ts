import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface RunningBinary {
  readonly child: ChildProcess;
  readonly output: string[];
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** A free loopback port (bound and released; the tiny race is acceptable in tests). */
export async function freePort(): Promise<number> {
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

/**
 * Starts a binary (Prometheus, Alertmanager, nginx) and resolves once `ready` says so: a URL
 * that answers 200, or a probe of its own. Output is kept for the failure message. Fails loudly
 * if the binary is missing: `.ci/run` installs it.
 */
export async function startBinary(
  command: string,
  args: readonly string[],
  ready: string | (() => Promise<boolean>),
  timeoutMs = 30_000,
): Promise<RunningBinary> {
  const isReady = typeof ready === 'string' ? async () => (await fetch(ready)).ok : ready;
  const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child);
      resolve();
    });
  });
  const failure: { error: Error | null } = { error: null };
  child.once('error', (error) => (failure.error = error));

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (failure.error !== null) {
      throw new Error(`${command} could not start: ${failure.error.message}`);
    }
    if (child.exitCode !== null) {
      throw new Error(`${command} exited with ${child.exitCode}:\n${output.join('').slice(-3000)}`);
    }
    try {
      if (await isReady()) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `${command} not ready within ${timeoutMs} ms:\n${output.join('').slice(-3000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    child,
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(force);
    },
  };
}

/** Kills every binary still running; use in afterAll so nothing outlives a failed test. */
export function stopAllBinaries(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
