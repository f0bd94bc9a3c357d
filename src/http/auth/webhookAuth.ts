import type { NextFunction, Request, Response } from 'express';
import { reject, type RejectDeps } from '../reject.js';
import { presentedTokens } from './presentedTokens.js';
import type { WebhookTokens } from './webhookTokens.js';
import { DEFAULT_ACCOUNT } from '../../state/account.js';

export const AUTH_REALM = 'exotel-heartbeat-exporter';

/** The one answer to every failure: it must not tell a guesser what was wrong. */
export const UNAUTHORIZED_DETAIL = 'a valid webhook token is required';

/**
 * Every path the webhook answers on, token forms included. Case-insensitive because Express
 * routes are: `/HEARTBEAT/acme` reaches the same handler and must meet the same guard.
 */
export function isWebhookPath(path: string): boolean {
  return /^\/heartbeat(?:\/|$)/i.test(path);
}

/**
 * Guards the webhook before routing, so it runs before the body, the content type, the account
 * or readiness are looked at: an unauthenticated caller learns nothing and costs nothing. Every
 * credential the request presents must be a configured token, and there must be at least one;
 * a stray or mistyped second credential is a misconfiguration worth refusing loudly. A token bound
 * to accounts counts only for those: for any other account it is a wrong token (the same 401).
 */
export function webhookAuth(current: () => WebhookTokens, deps: RejectDeps) {
  return (req: Request, res: Response, next: NextFunction): void => {
    // Read once per request: a reload swaps the set whole, never under a request being checked.
    const tokens = current();
    // req.path is the router's own reading of the target (absolute-form `POST http://host/...`
    // included), so the guard and the routes can never disagree about which path this is.
    const path = req.path;
    const q = req.url.indexOf('?');
    if (!tokens.enabled || !isWebhookPath(path)) {
      next();
      return;
    }
    const account = requestAccount(path);
    const presented = presentedTokens({
      path,
      query: q === -1 ? '' : req.url.slice(q + 1),
      authorization: req.headers.authorization,
    });
    const ok =
      presented.ok &&
      presented.tokens.length > 0 &&
      presented.tokens.every((token) => tokens.allows(token, account)) &&
      !accountIsToken(path, tokens);
    if (ok) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', [
      `Bearer realm="${AUTH_REALM}"`,
      `Basic realm="${AUTH_REALM}", charset="UTF-8"`,
    ]);
    // The body was not read; do not keep the connection for whatever the client still sends.
    res.setHeader('Connection', 'close');
    // An unauthenticated path is not logged at all: `/heartbeat/<token>` or `/heartbeat/acme/<token>`
    // (the `t/` forgotten) or a mistyped token would otherwise land in the logs.
    reject(deps, res, 401, 'unauthorized', UNAUTHORIZED_DETAIL, {
      loggedPath: unauthenticatedLoggedPath(path),
    });
  };
}

/** What is logged of a webhook path nobody has authenticated: nothing past `/heartbeat/`. */
export function unauthenticatedLoggedPath(path: string): string {
  return /^\/heartbeat\/?$/i.test(path) ? path : '/heartbeat/[redacted]';
}

/**
 * `/heartbeat/<token>` (the `t/` forgotten) would make the token an account name: a metric label
 * and a line on the status page. Refused like any other failure.
 */
function accountIsToken(path: string, tokens: WebhookTokens): boolean {
  const segment = /^\/heartbeat\/([^/]+)/i.exec(path)?.[1];
  if (segment === undefined || segment.toLowerCase() === 't') return false;
  try {
    return tokens.matches(decodeURIComponent(segment));
  } catch {
    return false;
  }
}

/**
 * The account a webhook path writes, as the routes will read it: `/heartbeat` and
 * `/heartbeat/t/<token>` are `default`; `/heartbeat/<account>[/t/<token>]` is that account. null
 * when the segment is not valid percent-encoding (the router then answers 400): only an unbound
 * token may pass for it.
 */
export function requestAccount(path: string): string | null {
  const match = /^\/heartbeat(?:\/([^/]*))?(?:\/t\/[^/]*)?\/?$/i.exec(path);
  const segment = match?.[1];
  if (segment === undefined || segment === '') return DEFAULT_ACCOUNT;
  // `/heartbeat/t/<token>`: the regex may take `t` as the account and leave the token unmatched.
  if (segment.toLowerCase() === 't' && /^\/heartbeat\/t\/[^/]*\/?$/i.test(path)) {
    return DEFAULT_ACCOUNT;
  }
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
