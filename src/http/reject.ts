import type { Response } from 'express';
import type { Logger } from '../logger.js';
import type { RejectReason } from '../metrics/rejectReasons.js';
import type { SelfMetrics } from '../metrics/selfMetrics.js';

export interface RejectDeps {
  readonly logger: Logger;
  readonly selfMetrics: SelfMetrics;
}

/**
 * Refuses a heartbeat request: counted, logged at warn with the reason only (never the body),
 * answered with a short JSON error.
 */
export function reject(
  deps: RejectDeps,
  res: Response,
  status: number,
  reason: RejectReason,
  detail: string,
): void {
  deps.selfMetrics.rejected(reason);
  deps.logger.warn(
    { status, reason, detail, path: redactedPath(res.req.path) },
    'heartbeat rejected',
  );
  sendError(res, status, reason, detail);
}

export function sendError(res: Response, status: number, error: string, detail: string): void {
  res.status(status).json({ error, detail });
}

/** Route paths only, no query string: a later issue puts secrets there. */
function redactedPath(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}
