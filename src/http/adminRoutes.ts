import type express from 'express';
import { ACCOUNT_REGEX } from '../heartbeat/labelSafe.js';
import { sendError } from './reject.js';

export interface AdminRouteDeps {
  /** Forgets the account, saves, logs and counts it; false when there was no such account. */
  readonly removeAccount: (account: string) => boolean;
}

export const ADMIN_PATH = '/api/v1/accounts/:account';

/**
 * DELETE /api/v1/accounts/<account>: forget an account (a typo in the URL given to Exotel, an
 * old rehearsal, a decommissioned account). It lives with /metrics and the pages, so whatever
 * protects them protects it; `enabled` is false when nothing does (no basic auth and no separate
 * METRICS_PORT), because an open removal route would let anyone silence ExotelHeartbeatMissing.
 * DELETE, not a form-friendly POST: a browser sends it cross-origin only after a CORS preflight,
 * which this server never grants.
 */
export function registerAdminRoutes(
  app: express.Express,
  deps: AdminRouteDeps,
  enabled: boolean,
): void {
  app.delete(ADMIN_PATH, (req, res) => {
    if (!enabled) {
      sendError(
        res,
        403,
        'admin_disabled',
        'account removal needs basic auth (WEB_CONFIG_FILE basic_auth_users) or a separate METRICS_PORT',
      );
      return;
    }
    const account = req.params['account'];
    if (!ACCOUNT_REGEX.test(account)) {
      sendError(res, 400, 'invalid_account', 'account must be 1-63 of a-z, 0-9, "-" and "_"');
      return;
    }
    if (!deps.removeAccount(account)) {
      sendError(res, 404, 'not_found', 'no such account');
      return;
    }
    res.status(200).json({ removed: account });
  });
}
