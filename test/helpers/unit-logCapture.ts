import { createLogger, type Logger } from '../../src/logger.js';

export interface LogCapture {
  readonly logger: Logger;
  /** Every line written so far, parsed. */
  lines(): Record<string, unknown>[];
}

/** A real pino logger (as the exporter builds it) writing JSON lines into memory. */
export function captureLogs(): LogCapture {
  const raw: string[] = [];
  const logger = createLogger('debug', {
    write(chunk: string) {
      raw.push(chunk);
    },
  });
  return {
    logger,
    lines: () =>
      raw
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
