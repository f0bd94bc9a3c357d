/**
 * What running the exporter needs besides `process`: the real dependencies and the log lines
 * around start-up and shutdown. main.ts calls these with stdout and `process.version`; the
 * in-process test helper calls them with a capture stream, so both start the same exporter.
 */
import { readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { DestinationStream } from 'pino';
import { systemClock } from './clock.js';
import type { Config } from './config.js';
import type { ExporterDeps, RunningExporter } from './exporter.js';
import { createLogger, type Logger } from './logger.js';
import { systemTimers } from './timers.js';

/** The version in package.json, next to dist/ (and src/) in the repository and the package. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * The logger (every line names the replica) and the real dependencies for `startExporter`; logs
 * the settings warnings and "starting" on the way, as start-up always has.
 */
export function exporterRuntime(
  settings: { readonly config: Config; readonly warnings: readonly string[] },
  destination: DestinationStream,
  nodejsVersion: string,
): { readonly logger: Logger; readonly deps: ExporterDeps } {
  const { config, warnings } = settings;
  // Every line names the replica, so logs of N replicas merged in one place still say who spoke.
  const replica = config.replicaName ?? hostname();
  const logger = createLogger(config.logLevel, destination, config.logFormat).child({ replica });
  for (const warning of warnings) logger.warn(warning);
  logger.info({ config }, 'starting');
  return {
    logger,
    deps: {
      config,
      clock: systemClock,
      logger,
      fs,
      build: { version: packageVersion(), revision: config.buildRevision, nodejsVersion },
      replica,
      fetch,
      timers: systemTimers,
      random: Math.random,
      // Next to dist/ in the repository, the npm package and the Docker image alike.
      runbookPath: fileURLToPath(new URL('../docs/runbook.md', import.meta.url)),
    },
  };
}

/**
 * A clean stop: "shutting down", close (in-flight requests finish, state is saved), "stopped".
 * Rejects (after logging it) when closing failed; the caller decides the exit code.
 */
export async function shutDown(
  exporter: RunningExporter,
  logger: Logger,
  signal: string,
): Promise<void> {
  logger.info({ signal }, 'shutting down');
  try {
    await exporter.close();
  } catch (error) {
    logger.error({ err: error }, 'error while shutting down');
    throw error;
  }
  logger.info('stopped');
}
