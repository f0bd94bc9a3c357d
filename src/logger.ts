import { pino, type DestinationStream, type Logger } from 'pino';
import { logfmtDestination } from './logfmt.js';
import type { LogFormat, LogLevel } from './settings/table.js';

export type { Logger } from 'pino';

/**
 * JSON (or, with --log.format=logfmt, logfmt) logs on the given destination (stdout in production, a capture stream in tests).
 * Redaction covers the places a secret or a caller's credentials could appear; payloads are never
 * passed to the logger in the first place.
 */
export function createLogger(
  level: LogLevel,
  destination: DestinationStream,
  format: LogFormat = 'json',
): Logger {
  return pino(
    {
      level,
      base: { service: 'exotel-heartbeat-exporter' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'config.*Token*',
          'config.*Secret*',
        ],
        censor: '[redacted]',
      },
    },
    format === 'logfmt' ? logfmtDestination(destination) : destination,
  );
}
