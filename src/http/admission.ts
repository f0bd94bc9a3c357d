import type { NextFunction, Request, Response } from 'express';
import { isWebhookPath, unauthenticatedLoggedPath } from './auth/webhookAuth.js';
import type { IngestGate } from './ingestGate.js';
import type { SourceRateLimiter } from './rateLimit.js';
import { reject, type RejectDeps } from './reject.js';

export interface AdmissionDeps extends RejectDeps {
  readonly rateLimiter: SourceRateLimiter;
  readonly ingestGate: IngestGate;
}

/** Seconds a refused large ingest is told to wait: about one 10 MB read on a fair link. */
const OVERLOADED_RETRY_AFTER_SECONDS = 5;

/**
 * The per-source rate limit on every webhook request, before authentication: a wrong token costs
 * the source as much as a heartbeat, so guessing is metered too. Answers 429 when the source is
 * over it. The key is the TCP peer, never X-Forwarded-For: a header anyone can set cannot be a
 * rate-limit key. Nothing of the path is recorded: before authentication it may hold a token.
 */
export function webhookRateLimit(deps: AdmissionDeps) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!isWebhookPath(req.path)) {
      next();
      return;
    }
    const waitMs = deps.rateLimiter.take(req.socket.remoteAddress ?? 'unknown', deps.clock.now());
    if (waitMs === 0) {
      next();
      return;
    }
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
    // The body was not read; do not keep the connection for whatever the client still sends.
    res.setHeader('Connection', 'close');
    reject(deps, res, 429, 'rate_limited', 'too many requests from this source; slow down', {
      loggedPath: unauthenticatedLoggedPath(req.path),
    });
  };
}

/**
 * Takes a large-ingest slot before the body is read; answers 503 with Retry-After and returns
 * null when every slot is busy. The connection is closed after the answer so the unread body is
 * not drained.
 */
export function enterIngest(
  deps: AdmissionDeps,
  req: Request,
  res: Response,
  account: string,
): (() => void) | null {
  const release = deps.ingestGate.enter(req.headers['content-length']);
  if (release !== null) return release;
  res.setHeader('Retry-After', String(OVERLOADED_RETRY_AFTER_SECONDS));
  res.setHeader('Connection', 'close');
  reject(deps, res, 503, 'overloaded', 'too many large heartbeats at once; retry shortly', {
    account,
  });
  return null;
}
