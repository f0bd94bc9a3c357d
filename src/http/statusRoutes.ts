import type express from 'express';
import type { Response } from 'express';
import type { Clock } from '../clock.js';
import { summarizeAccounts } from '../status/accountSummary.js';
import type { RecentHeartbeats } from '../status/recentHeartbeats.js';
import { statusJson } from '../status/statusJson.js';
import type { Store } from '../state/store.js';
import { parseRefresh, MAX_REFRESH_SECONDS, MIN_REFRESH_SECONDS } from '../ui/refresh.js';
import { FAVICON_SVG } from '../ui/favicon.js';
import { STATUS_CSS } from '../ui/statusCss.js';
import type { RunbookPage } from '../ui/runbookPage.js';
import { MAX_ROWS_PER_ACCOUNT, renderStatusPage } from '../ui/statusPage.js';
import { sendError } from './reject.js';

export interface StatusRouteDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly recent: RecentHeartbeats;
  readonly statusPage: {
    readonly heartbeatIntervalSeconds: number;
    readonly grafanaUrl: string | null;
    readonly replica: string;
  };
  /** docs/runbook.md as HTML, rendered at start-up (src/ui/runbookPage.ts). */
  readonly runbook: RunbookPage;
}

/** The routes below, for the app's 405 handler. */
export const STATUS_PATHS = [
  '/',
  '/runbook',
  '/status.css',
  '/favicon.svg',
  '/favicon.ico',
  '/api/v1/status',
];

/**
 * No script at all, styles only from this origin, no framing, no forms, no referrer to the
 * runbook or Grafana. Values on the page come from the network; escaping is the first defence
 * and this policy the second.
 */
export const STATUS_PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The status page, its runbook, style sheet and JSON twin. They live on the same app and listener as
 * /metrics on purpose: protection added to /metrics covers them too.
 */
export function registerStatusRoutes(app: express.Express, deps: StatusRouteDeps): void {
  app.get('/', (req, res) => {
    const refreshSeconds = parseRefresh(req.query['refresh']);
    if (refreshSeconds === null) {
      sendError(
        res,
        400,
        'invalid_refresh',
        `refresh must be 0 (off) or whole seconds from ${MIN_REFRESH_SECONDS} to ${MAX_REFRESH_SECONDS}`,
      );
      return;
    }
    const now = deps.clock.now();
    const html = renderStatusPage(deps.store.snapshot(), deps.recent.list(), now, {
      ...deps.statusPage,
      refreshSeconds,
    });
    protect(res);
    res.status(200).type('html').send(html);
  });

  // The alerts' runbook_url and the status page's runbook links land here (README "Alerts").
  app.get('/runbook', (_req, res) => {
    protect(res);
    res.status(deps.runbook.status).type('html').send(deps.runbook.html);
  });

  app.get('/status.css', (_req, res) => {
    protect(res);
    res.status(200).type('css').send(STATUS_CSS);
  });

  // Browsers ask every origin for /favicon.ico (on /metrics too); the same icon answers both.
  app.get(['/favicon.svg', '/favicon.ico'], (_req, res) => {
    protect(res);
    res.status(200).type('svg').send(FAVICON_SVG);
  });

  app.get('/api/v1/status', (_req, res) => {
    const now = deps.clock.now();
    const accounts = summarizeAccounts(deps.store.snapshot(), now, {
      heartbeatIntervalSeconds: deps.statusPage.heartbeatIntervalSeconds,
      maxRows: MAX_ROWS_PER_ACCOUNT,
    });
    protect(res);
    res.status(200).json(
      statusJson(accounts, deps.recent.list(), now, {
        heartbeatIntervalSeconds: deps.statusPage.heartbeatIntervalSeconds,
        replica: deps.statusPage.replica,
      }),
    );
  });
}

function protect(res: Response): void {
  res.setHeader('Content-Security-Policy', STATUS_PAGE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  // Always the current state; a cached status page at 3 a.m. is worse than none.
  res.setHeader('Cache-Control', 'no-store');
}
