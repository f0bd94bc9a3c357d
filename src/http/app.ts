import express, { type NextFunction, type Request, type Response } from 'express';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { chooseCoding, negotiateFormat } from '../metrics/negotiate.js';
import type { ScrapeRenderer } from '../metrics/scrape.js';
import type { Store } from '../state/store.js';
import { ADMIN_PATH, registerAdminRoutes, type AdminRouteDeps } from './adminRoutes.js';
import { webhookRateLimit } from './admission.js';
import { basicAuth } from './auth/basicAuth.js';
import { isWebhookPath, webhookAuth } from './auth/webhookAuth.js';
import { heartbeatHandler, type HeartbeatRouteDeps } from './heartbeatRoute.js';
import { reject, sendError } from './reject.js';
import { responseHeaders } from './responseHeaders.js';
import type { Security } from './security.js';
import { registerStatusRoutes, STATUS_PATHS, type StatusRouteDeps } from './statusRoutes.js';

export interface AppDeps extends HeartbeatRouteDeps, StatusRouteDeps, AdminRouteDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly scrape: ScrapeRenderer;
}

/** With a token in the path, it always follows a literal `t` (src/http/auth/presentedTokens.ts). */
const HEARTBEAT_PATHS = [
  '/heartbeat',
  '/heartbeat/:account',
  '/heartbeat/t/:token',
  '/heartbeat/:account/t/:token',
];

/** Which routes a listener serves and how they are protected. */
export interface AppOptions {
  /** POST /heartbeat…: the side Exotel reaches. */
  readonly webhook: boolean;
  /** /metrics, the status page and /api/v1/status (alone on METRICS_PORT when it is set). */
  readonly pages: boolean;
  /** Tokens and web configuration in force, read once per request (a reload swaps them). */
  readonly security: () => Security;
  /** POST /-/reload (only with --web.enable-lifecycle); null: the route answers 403. */
  readonly reload?: (() => Promise<ReloadOutcome>) | null;
  /**
   * DELETE /api/v1/accounts/<account> works (else 403): only where /metrics is protected, by
   * basic auth or by being on its own METRICS_PORT.
   */
  readonly admin: boolean;
}

export type ReloadOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

/**
 * Basic auth covers everything on a listener (as exporter-toolkit does) except the webhook, which
 * has its own tokens (Exotel's user info carries the token, not a web-config user), and the
 * probes, which reveal nothing and are called by orchestrators that rarely carry credentials.
 */
function skipsBasicAuth(path: string): boolean {
  return isWebhookPath(path) || path === '/-/healthy' || path === '/-/ready';
}

/** Wires routes to handlers; the handlers hold no business logic of their own. */
export function createApp(deps: AppDeps, options: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(responseHeaders(() => options.security().web.headers));
  app.use(basicAuth(() => options.security().web.basicAuth, skipsBasicAuth));

  if (options.webhook) {
    // The per-source rate limit first, so refused tokens spend the source's budget too: once
    // its burst is gone a guesser gets 429 before its token is even compared.
    app.use(webhookRateLimit(deps));
    // Before routing: before the body, the content type, the account and readiness.
    app.use(webhookAuth(() => options.security().tokens, deps));
    app.post(HEARTBEAT_PATHS, heartbeatHandler(deps));
    app.all(HEARTBEAT_PATHS, methodNotAllowed('POST'));
  }

  if (options.pages) {
    app.get('/metrics', async (req, res) => {
      const { format, contentType } = negotiateFormat(req.headers.accept);
      const body = await deps.scrape.exposition(
        format,
        chooseCoding(req.headers['accept-encoding']),
      );
      res.vary('Accept-Encoding');
      if (body.coding === 'gzip') res.setHeader('Content-Encoding', 'gzip');
      // Written chunk by chunk: the cached per-SID text is sent as it is, never joined or copied.
      res.status(200).type(contentType).setHeader('Content-Length', body.length);
      for (const chunk of body.chunks) res.write(chunk);
      res.end();
    });
    app.all('/metrics', methodNotAllowed('GET, HEAD'));
    registerStatusRoutes(app, deps);
    app.all(STATUS_PATHS, methodNotAllowed('GET, HEAD'));
    registerAdminRoutes(app, deps, options.admin);
    app.all(ADMIN_PATH, methodNotAllowed('DELETE'));
  }

  app.get('/-/healthy', (_req, res) => {
    res.status(200).type('text/plain').send('OK\n');
  });
  app.get('/-/ready', (_req, res) => {
    if (deps.isReady()) res.status(200).type('text/plain').send('OK\n');
    else res.status(503).type('text/plain').send('state is loading\n');
  });
  app.all(['/-/healthy', '/-/ready'], methodNotAllowed('GET, HEAD'));

  // As Prometheus: POST (or PUT) /-/reload, 403 "Lifecycle API is not enabled." without the flag.
  // Behind basic auth when the web configuration has users.
  app.post('/-/reload', lifecycle(options.reload ?? null));
  app.put('/-/reload', lifecycle(options.reload ?? null));
  app.all('/-/reload', methodNotAllowed('POST, PUT'));

  app.use((_req, res) => {
    sendError(res, 404, 'not_found', 'no such route');
  });
  // Express 5 forwards rejected promises here. Never a stack trace or a payload in the answer.
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    // The router's own 4xx, e.g. a path segment that is not valid percent-encoding: the client's
    // mistake, answered like every other bad request rather than logged as our failure.
    const status = clientErrorStatus(error);
    if (status !== null) {
      if (isWebhookPath(req.path)) {
        reject(
          deps,
          res,
          400,
          'invalid_account',
          'account path segment is not valid percent-encoding',
        );
      } else {
        sendError(res, status, 'bad_request', 'malformed request');
      }
      return;
    }
    deps.logger.error({ err: error }, 'unhandled error in request');
    sendError(res, 500, 'internal', 'internal error');
  });
  return app;
}

function lifecycle(reload: (() => Promise<ReloadOutcome>) | null) {
  return async (_req: Request, res: Response) => {
    if (reload === null) {
      res.status(403).type('text/plain').send('Lifecycle API is not enabled.\n');
      return;
    }
    const outcome = await reload();
    if (outcome.ok) res.status(200).type('text/plain').send('OK\n');
    // The old configuration keeps running; the reason is also logged.
    else res.status(500).type('text/plain').send(`failed to reload config: ${outcome.error}\n`);
  };
}

function methodNotAllowed(allow: string) {
  return (_req: Request, res: Response) => {
    res.setHeader('Allow', allow);
    sendError(res, 405, 'method_not_allowed', `use ${allow}`);
  };
}

function clientErrorStatus(error: unknown): number | null {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : null;
}
