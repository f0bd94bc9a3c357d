#!/usr/bin/env node
/**
 * The only file that touches `process`: read the arguments and environment, wire real
 * dependencies, handle signals, exit. Everything else receives what it needs.
 *
 *   exotel-heartbeat-exporter [flags]     run the exporter (--help lists every flag)
 *   exotel-heartbeat-exporter send …      post a test heartbeat (see `send --help`)
 *   exotel-heartbeat-exporter healthcheck [--ready]   probe the running exporter (exit 0/1)
 */
import * as fs from 'node:fs/promises';
import { systemClock } from './clock.js';
import { ConfigError, loadSettings } from './config.js';
import type { RunningExporter } from './exporter.js';
import { exporterRuntime, packageVersion, shutDown } from './runtime.js';
import { runSend } from './sender/send.js';
import { runHealthcheck } from './healthcheck/healthcheck.js';
import { probeRequest } from './healthcheck/probeRequest.js';
import { helpText, PROGRAM, versionText, type Subcommand } from './settings/help.js';
import { parseFlags, suggestion, UsageError } from './settings/resolve.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

/**
 * What each catchable signal does. None ends the process without saving state: the ones whose
 * default action would end it either reload or save and exit. SIGUSR1 is left to Node (it opens
 * the inspector and does not end the process); SIGKILL and SIGSTOP cannot be caught (a heartbeat
 * is saved moments after it is acknowledged, README "Persistence").
 */
const SIGNALS: Readonly<Record<string, 'reload' | 'stop'>> = {
  SIGHUP: 'reload',
  SIGUSR2: 'reload',
  SIGTERM: 'stop',
  SIGINT: 'stop',
  SIGQUIT: 'stop',
  SIGALRM: 'stop',
  SIGVTALRM: 'stop',
  SIGXCPU: 'stop',
  SIGXFSZ: 'stop',
  SIGIO: 'stop',
};

interface Command {
  readonly summary: string;
  readonly run: (args: string[]) => Promise<number>;
}

/**
 * Subcommands by name; the exporter itself runs when the first argument is a flag or absent.
 * Adding one (`healthcheck`, …) is one entry.
 */
const COMMANDS: Readonly<Record<string, Command>> = {
  send: {
    summary: 'Post a test heartbeat to an exporter (send --help).',
    run: (args) =>
      runSend(args, {
        fetch,
        clock: systemClock,
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      }),
  },
  healthcheck: {
    summary: 'Probe the running exporter, exit 0 or 1 (healthcheck --help).',
    run: (args) =>
      runHealthcheck(args, {
        env: process.env,
        readFile: (path) => fs.readFile(path, 'utf8'),
        request: probeRequest,
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      }),
  },
};

const subcommands = (): Subcommand[] =>
  Object.entries(COMMANDS).map(([name, command]) => ({ name, summary: command.summary }));

/** Exit code 2 with one line on stderr: a usage or configuration mistake. */
function refuse(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

async function runExporter(args: string[]): Promise<number> {
  let invocation;
  try {
    invocation = parseFlags(args);
  } catch (error) {
    if (error instanceof UsageError) {
      refuse(`${PROGRAM}: error: ${error.message}\nTry --help.`);
    }
    throw error;
  }
  if (invocation.help) {
    process.stdout.write(helpText(subcommands()));
    return 0;
  }
  if (invocation.version) {
    process.stdout.write(
      versionText({
        version: packageVersion(),
        revision:
          invocation.flags.get('build.revision') ?? process.env['BUILD_REVISION'] ?? 'unknown',
        branch: 'unknown',
        buildUser: 'unknown',
        buildDate: 'unknown',
        nodeVersion: process.version,
        platform: `${process.platform}/${process.arch}`,
      }),
    );
    return 0;
  }

  let settings;
  try {
    settings = loadSettings(process.env, invocation.flags);
  } catch (error) {
    if (error instanceof ConfigError) refuse(error.message);
    throw error;
  }
  const { logger, deps } = exporterRuntime(settings, process.stdout, process.version);

  // The handlers go in before start-up: a SIGTERM that lands between "ready" and their
  // installation would otherwise take the default action and kill the process on the spot.
  let exporter: RunningExporter | undefined;
  const startup: { pendingStop: string | null } = { pendingStop: null };
  let stopping = false;
  const stop = (signal: string) => {
    if (exporter === undefined) {
      startup.pendingStop ??= signal;
      return;
    }
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting anyway');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    // shutDown logs each step and any failure.
    shutDown(exporter, logger, signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  const reload = (signal: string) => {
    if (exporter === undefined || stopping) {
      // Start-up is reading the files right now; a reload would read the same.
      logger.info({ signal }, 'reload ignored: not started yet, or shutting down');
      return;
    }
    logger.info({ signal }, 'reloading');
    // Failures are logged and counted by the reloader; nothing to add here.
    void exporter.reload();
  };
  for (const [signal, action] of Object.entries(SIGNALS)) {
    try {
      process.on(signal, () => (action === 'reload' ? reload(signal) : stop(signal)));
    } catch {
      // A signal this platform does not have (Windows): nothing can send it.
    }
  }

  try {
    // Imported here, not above: the server (express, prom-client, TypeBox's compiler, …) is
    // three quarters of a start's CPU time, and --help, --version, a usage or configuration
    // mistake, `send` and `healthcheck` (a container's HEALTHCHECK runs it every few seconds)
    // never need it.
    const { startExporter } = await import('./exporter.js');
    exporter = await startExporter(deps);
  } catch (error) {
    // Files named by settings (web configuration, tokens, accounts) and the listen address are
    // read or used by startExporter: their failures name the setting too.
    if (error instanceof ConfigError) refuse(error.message);
    throw error;
  }

  if (startup.pendingStop !== null) stop(startup.pendingStop);
  // Keep running: the servers hold the event loop; exit codes come from stop().
  return new Promise<number>(() => undefined);
}

const [first, ...rest] = process.argv.slice(2);
// Own properties only: `toString` and friends are no subcommands.
const command = first !== undefined && Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
const run =
  command !== undefined
    ? () => command.run(rest)
    : first !== undefined && !first.startsWith('-')
      ? () => {
          const near = suggestion(first, Object.keys(COMMANDS));
          return refuse(
            `${PROGRAM}: error: unknown command "${first.slice(0, 100)}"${near === null ? '' : `, did you mean ${near}?`}\nTry --help.`,
          );
        }
      : () => runExporter(process.argv.slice(2));
run().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`fatal: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
