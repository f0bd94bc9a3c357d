import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface ExporterProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly logs: LogLine[];
  /** Raw stdout+stderr text that was not a JSON log line. */
  readonly otherOutput: string[];
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait; SIGKILL if it takes longer than 12 s. Safe to call twice. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill9(): Promise<void>;
}

/**
 * Starts the built exporter (`dist/main.js`, made by `npm run build`, which `npm test` runs
 * first) on an ephemeral port and resolves once it logs "ready". For what needs a process of its
 * own (signals, exit codes, kill -9, RSS); HTTP behaviour is tested in process
 * (`exporterInProcess.ts`). Every process started here is
 * tracked, so `stopAll()` in an afterEach/afterAll hook leaves nothing running even when a test
 * fails half-way.
 */
export async function startExporterProcess(
  env: Record<string, string> = {},
  args: readonly string[] = [],
): Promise<ExporterProcess> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', HOST: '127.0.0.1', STATE_FILE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const logs: LogLine[] = [];
  const otherOutput: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  let port = 0;
  const ready = new Promise<void>((resolve, reject) => {
    const onLine = (line: string) => {
      let parsed: LogLine | null = null;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        otherOutput.push(line);
        return;
      }
      logs.push(parsed);
      if (parsed.msg === 'listening') port = Number(parsed['port']);
      if (parsed.msg === 'ready') resolve();
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    void exited.then(({ code, signal }) =>
      reject(
        new Error(
          `exporter exited before ready (code ${code}, signal ${signal}): ${otherOutput.join('\n')}`,
        ),
      ),
    );
  });
  // No deadline of its own: how fast node starts on a loaded machine is not the exporter's
  // behaviour. A start-up error exits on its own (and rejects above); a start-up that hangs is
  // caught by the test's timeout, and stopAll() kills it.
  await ready;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 12_000);
      const result = await exited;
      clearTimeout(force);
      return result;
    }
    return exited;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    logs,
    otherOutput,
    exited,
    stop,
    kill9: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

const running = new Set<ChildProcess>();

/** Kills every exporter still running; use in afterEach/afterAll. */
export function stopAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** A fresh temporary directory, removed by the returned cleanup function. */
export function tempDir(prefix = 'exotel-exporter-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
