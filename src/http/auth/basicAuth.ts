import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { NextFunction, Request, Response } from 'express';
import { sendError } from '../reject.js';
import { AUTH_REALM } from './webhookAuth.js';

/** Successful verifications remembered; beyond this the cache starts over (no unbounded growth). */
const MAX_CACHED = 256;

/**
 * A real bcrypt hash (cost 10) of a throw-away string, compared against when the user name is
 * unknown so that an unknown user costs as much time as a wrong password (exporter-toolkit does
 * the same).
 */
const DUMMY_HASH = '$2b$10$IuM4h2Q1vUtivgzqw/2MvuJ68wJWBfpfPBNBdHrm8N2TtN3U1xYTm';

/**
 * HTTP basic auth against the web configuration's `basic_auth_users` (user → bcrypt hash).
 * bcrypt is slow on purpose, so a successful check is cached under a SHA-256 of user, hash and
 * password: a scrape every 15 s must not pay it each time. Verifications run one at a time
 * (exporter-toolkit holds a mutex too), so a flood of wrong passwords queues up instead of
 * stealing the CPU from heartbeats.
 */
export class BasicAuthVerifier {
  readonly #users: ReadonlyMap<string, string>;
  readonly #verified = new Set<string>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(users: ReadonlyMap<string, string>) {
    this.#users = users;
  }

  async verify(user: string, password: string): Promise<boolean> {
    const hash = this.#users.get(user);
    const key = createHash('sha256')
      .update(JSON.stringify([user, hash ?? '', password]))
      .digest('hex');
    if (hash !== undefined && this.#verified.has(key)) return true;
    const ok = await this.#serially(() => bcrypt.compare(password, hash ?? DUMMY_HASH));
    if (!ok || hash === undefined) return false;
    if (this.#verified.size >= MAX_CACHED) this.#verified.clear();
    this.#verified.add(key);
    return true;
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** `Basic base64(user:password)` → its parts; null for anything else. */
export function basicCredentials(
  header: string | undefined,
): { user: string; password: string } | null {
  const match = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header ?? '');
  if (match?.[1] === undefined) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Protects every route it is mounted before (when the web configuration has users), except those `exempt` says (the webhook, which has
 * its own tokens, and the probes, which carry no data).
 */
export function basicAuth(
  current: () => BasicAuthVerifier | null,
  exempt: (path: string) => boolean,
) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    // Read once: a reload during the bcrypt check does not change which users this request meets.
    const verifier = current();
    if (verifier === null || exempt(req.path)) {
      next();
      return;
    }
    const credentials = basicCredentials(req.headers.authorization);
    if (credentials !== null && (await verifier.verify(credentials.user, credentials.password))) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', `Basic realm="${AUTH_REALM}", charset="UTF-8"`);
    sendError(res, 401, 'unauthorized', 'valid basic auth credentials are required');
  };
}
