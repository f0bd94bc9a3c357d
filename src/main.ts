#!/usr/bin/env node
/**
 * The only file that touches `process`: read the environment and arguments, wire real
 * dependencies, handle signals, exit. Everything else receives what it needs.
 *
 *   exotel-heartbeat-exporter            run the exporter
 *   exotel-heartbeat-exporter send …     post a test heartbeat (see `send --help`)
 *   exotel-heartbeat-exporter healthcheck [--ready]   probe the running exporter (exit 0/1)
 */
import { readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { systemClock } from './clock.js';
import { ConfigError, loadConfig } from './config.js';
import { startExporter } from './exporter.js';
import { systemTimers } from './timers.js';
import { createLogger } from './logger.js';
import { runSend } from './sender/send.js';
import { runHealthcheck } from './healthcheck/healthcheck.js';
import { probeRequest } from './healthcheck/probeRequest.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  // Every line names the replica, so logs of N replicas merged in one place still say who spoke.
  const replica = config.replicaName ?? hostname();
  const logger = createLogger(config.logLevel, process.stdout).child({ replica });
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  logger.info({ config }, 'starting');

  // The handlers go in before start-up: a SIGTERM that lands between "ready" and their
  // installation would otherwise take the default action and kill the process on the spot.
  let exporter: Awaited<ReturnType<typeof startExporter>> | undefined;
  const startup: { pendingSignal: string | null } = { pendingSignal: null };
  let stopping = false;
  const stop = (signal: string) => {
    if (exporter === undefined) {
      startup.pendingSignal ??= signal;
      return;
    }
    if (stopping) return;
    stopping = true;
    const running = exporter;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting anyway');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    running.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  try {
    exporter = await startExporter({
      config,
      clock: systemClock,
      logger,
      fs,
      build: {
        version: pkg.version,
        revision: config.buildRevision,
        nodejsVersion: process.version,
      },
      replica,
      fetch,
      timers: systemTimers,
      random: Math.random,
      // Next to dist/ in the repository, the npm package and the Docker image alike.
      runbookPath: fileURLToPath(new URL('../docs/runbook.md', import.meta.url)),
    });
  } catch (error) {
    // EXOTEL_ACCOUNTS_FILE is read by startExporter: a bad one is a configuration error too.
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  if (startup.pendingSignal !== null) stop(startup.pendingSignal);
}

async function send(args: string[]): Promise<void> {
  const code = await runSend(args, {
    fetch,
    clock: systemClock,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  process.exitCode = code;
}

async function healthcheck(args: string[]): Promise<void> {
  process.exitCode = await runHealthcheck(args, {
    env: process.env,
    readFile: (path) => fs.readFile(path, 'utf8'),
    request: probeRequest,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}

function usage(): Promise<void> {
  process.stderr.write('usage: exotel-heartbeat-exporter [send --help | healthcheck --help]\n');
  process.exitCode = 2;
  return Promise.resolve();
}

const [command, ...rest] = process.argv.slice(2);
// A Map, not an object: `toString` and friends are no subcommands.
const commands = new Map<string, () => Promise<void>>([
  ['send', () => send(rest)],
  ['healthcheck', () => healthcheck(rest)],
]);
const run = command === undefined ? main : (commands.get(command) ?? usage);
run().catch((error: unknown) => {
  process.stderr.write(`fatal: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
