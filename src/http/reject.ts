import type { Response } from 'express';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { RejectReason } from '../metrics/rejectReasons.js';
import type { SelfMetrics } from '../metrics/selfMetrics.js';
import { redactTarget } from './auth/redact.js';
import { attemptedAccount, type RecentHeartbeats } from '../status/recentHeartbeats.js';

export interface RejectDeps {
  readonly logger: Logger;
  readonly selfMetrics: SelfMetrics;
  readonly clock: Clock;
  readonly recent: RecentHeartbeats;
}

/** What is known of a refused request when it is refused; never its body, only the size. */
export interface RefusedRequest {
  /** The account from the URL as sent, valid or not; undefined when it could not be decoded. */
  readonly account?: string | undefined;
  /** Bytes read, when the body was read at all. */
  readonly bodyBytes?: number | undefined;
  /** Logged instead of the request's path, when that path could itself be a secret. */
  readonly loggedPath?: string;
}

/**
 * Refuses a heartbeat request: counted, logged at warn with the reason only (never the body),
 * listed in the recent heartbeats of the status page, answered with a short JSON error.
 */
export function reject(
  deps: RejectDeps,
  res: Response,
  status: number,
  reason: RejectReason,
  detail: string,
  request: RefusedRequest = {},
): void {
  deps.selfMetrics.rejected(reason);
  deps.recent.record({
    receivedMs: deps.clock.now(),
    httpStatus: status,
    outcome: 'rejected',
    account: attemptedAccount(request.account),
    reason,
    detail,
    bodyBytes: request.bodyBytes ?? null,
  });
  deps.logger.warn(
    { status, reason, detail, path: request.loggedPath ?? redactedPath(res.req.path) },
    'heartbeat rejected',
  );
  sendError(res, status, reason, detail);
}

export function sendError(res: Response, status: number, error: string, detail: string): void {
  res.status(status).json({ error, detail });
}

/** Route paths only, no query string, and never a webhook token from the path. */
function redactedPath(path: string): string {
  const redacted = redactTarget(path);
  return redacted.length > 200 ? `${redacted.slice(0, 200)}…` : redacted;
}
