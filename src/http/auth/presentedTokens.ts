/**
 * Finds every webhook token a request presents, in any of the four accepted places. Pure: it
 * sees the raw path, the raw query string and the Authorization header, nothing else.
 */

/** Everything a request presents; `malformed` when a place was used but unreadable. */
export type Presented =
  { readonly ok: true; readonly tokens: readonly string[] } | { readonly ok: false };

export interface RequestParts {
  /** The path as sent, still percent-encoded, without the query string. */
  readonly path: string;
  /** The query string as sent, without `?`; empty when there is none. */
  readonly query: string;
  readonly authorization: string | undefined;
}

/**
 * `/heartbeat/t/<token>` and `/heartbeat/<account>/t/<token>`: the token is always the segment
 * after a literal `t`, so a path is never ambiguous between an account and a token.
 */
const TOKEN_PATH = /^\/heartbeat(?:\/[^/]*)?\/t\/([^/]*)\/?$/i;

export function presentedTokens(parts: RequestParts): Presented {
  const tokens: string[] = [];

  const segment = TOKEN_PATH.exec(parts.path)?.[1];
  if (segment !== undefined) {
    const decoded = decode(segment);
    if (decoded === null) return { ok: false };
    tokens.push(decoded);
  }

  // More than one `token` parameter is refused: which one would count is a guess.
  const fromQuery = new URLSearchParams(parts.query).getAll('token');
  if (fromQuery.length > 1) return { ok: false };
  tokens.push(...fromQuery);

  if (parts.authorization !== undefined) {
    const fromHeader = authorizationToken(parts.authorization);
    if (fromHeader === null) return { ok: false };
    tokens.push(fromHeader);
  }
  return { ok: true, tokens };
}

/** `Bearer <token>` or `Basic base64(user:token)` (any user name); anything else is null. */
function authorizationToken(header: string): string | null {
  const match = /^([A-Za-z]+) +(\S+) *$/.exec(header);
  if (match === null) return null;
  const scheme = match[1]?.toLowerCase();
  const value = match[2] ?? '';
  if (scheme === 'bearer') return value;
  if (scheme !== 'basic' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : decoded.slice(colon + 1);
}

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
