/**
 * Removes webhook tokens from anything that could be logged or shown: the token path segment,
 * `token` query parameters and user info. Works on what was sent, valid or not.
 */
export const REDACTED = '[redacted]';

const TOKEN_SEGMENT = /(\/heartbeat(?:\/[^/?#]*)?\/t\/)[^/?#]*/i;

/** A request target (`/path?query`) or a path, with its tokens replaced. */
export function redactTarget(target: string): string {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const redactedPath = path.replace(TOKEN_SEGMENT, `$1${REDACTED}`);
  if (q === -1) return redactedPath;
  const query = target
    .slice(q + 1)
    .split('&')
    .map((pair) => (/^token(=|$)/i.test(safeDecode(pair)) ? `token=${REDACTED}` : pair))
    .join('&');
  return `${redactedPath}?${query}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
