/**
 * The exporter started in this process the way `src/main.ts` starts it — the same flags parser,
 * settings, runtime dependencies (`src/runtime.ts`), start-up and shutdown log lines — with the
 * log lines captured instead of written to stdout. It tests the source, not the last build, and
 * costs no node start-up. Its result has the shape of `startExporterProcess`'s for what a test
 * of HTTP behaviour uses (`url`, `port`, `logs`, `otherOutput`, `stop()`), so a test switches by
 * changing its import; signals, exit codes and kill -9 need the real process
 * (`exporterProcess.ts`).
 */
import { loadSettings } from '../../src/config.js';
import { startExporter, type RunningExporter } from '../../src/exporter.js';
import { exporterRuntime, shutDown } from '../../src/runtime.js';
import { parseFlags } from '../../src/settings/resolve.js';
import type { LogLine } from './exporterProcess.js';

export type { LogLine } from './exporterProcess.js';

export interface ExporterInProcess {
  readonly url: string;
  readonly port: number;
  readonly exporter: RunningExporter;
  /** Every JSON log line so far, parsed, in order. */
  readonly logs: LogLine[];
  /**
   * Log output that was not a JSON line (logfmt), and the process warnings Node emitted while it
   * ran (what a spawned exporter would have printed to stderr).
   */
  readonly otherOutput: string[];
  /** "shutting down", close, "stopped", as SIGTERM does; code 1 when closing failed. Safe twice. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What SIGHUP or POST /-/reload does. */
  reload(): ReturnType<RunningExporter['reload']>;
}

const running = new Set<ExporterInProcess>();

/**
 * Exceptions nothing caught, in this test file: for the exporter in process, "the process is
 * still alive" means none happened (vitest fails the run on them too, but after the file).
 */
const uncaught: unknown[] = [];
process.on('uncaughtExceptionMonitor', (error) => uncaught.push(error));
export function uncaughtErrors(): readonly unknown[] {
  return uncaught;
}
process.on('warning', (warning) => {
  for (const instance of running)
    instance.otherOutput.push(`(node) ${warning.name}: ${warning.message}`);
});

/**
 * Starts the exporter on an ephemeral loopback port from exactly these environment variables
 * and arguments (nothing from this process's environment), and resolves once it is ready. A
 * configuration error rejects with the `ConfigError` main.ts would print.
 */
export async function startExporterInProcess(
  env: Record<string, string> = {},
  args: readonly string[] = [],
): Promise<ExporterInProcess> {
  const invocation = parseFlags(args);
  const settings = loadSettings(
    { PORT: '0', HOST: '127.0.0.1', STATE_FILE: '', ...env },
    invocation.flags,
  );
  const logs: LogLine[] = [];
  const otherOutput: string[] = [];
  const destination = {
    write(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (line === '') continue;
        try {
          logs.push(JSON.parse(line) as LogLine);
        } catch {
          otherOutput.push(line);
        }
      }
    },
  };
  const { logger, deps } = exporterRuntime(settings, destination, process.version);
  const exporter = await startExporter(deps);
  let stopped: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null;
  const instance: ExporterInProcess = {
    url: `http://127.0.0.1:${exporter.address.port}`,
    port: exporter.address.port,
    exporter,
    logs,
    otherOutput,
    stop: () => {
      stopped ??= shutDown(exporter, logger, 'SIGTERM').then(
        () => ({ code: 0, signal: null }),
        () => ({ code: 1, signal: null }),
      );
      running.delete(instance);
      return stopped;
    },
    reload: () => exporter.reload(),
  };
  running.add(instance);
  return instance;
}

/** Stops every exporter this file started and has not stopped; use in afterEach/afterAll. */
export async function stopAllInProcess(): Promise<void> {
  await Promise.all([...running].map((instance) => instance.stop()));
}
