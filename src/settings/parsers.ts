/**
 * Value parsers for the settings table. Each takes the trimmed text (from a flag or a variable)
 * and returns the value or throws a ParseError with the reason; the caller adds which setting.
 */
import { isIP } from 'node:net';

export class ParseError extends Error {
  override name = 'ParseError';
}

export type Parser<T> = (text: string) => T;

export function integer(min: number, max: number): Parser<number> {
  return (text) => {
    if (!/^\d+$/.test(text)) throw new ParseError(`must be a whole number, got "${text}"`);
    const n = Number(text);
    if (n < min || n > max) throw new ParseError(`must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

/** An integer setting given in seconds, kept in milliseconds. */
export function secondsAsMs(min: number, max: number): Parser<number> {
  const parse = integer(min, max);
  return (text) => parse(text) * 1000;
}

export const boolean: Parser<boolean> = (text) => {
  const value = text.toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ParseError(`must be true or false, got "${text}"`);
};

export function oneOf<T extends string>(allowed: readonly T[]): Parser<T> {
  return (text) => {
    const value = text.toLowerCase();
    const match = allowed.find((candidate) => candidate === value);
    if (match === undefined) {
      throw new ParseError(`must be one of ${allowed.join(', ')}, got "${text.slice(0, 100)}"`);
    }
    return match;
  };
}

export const text: Parser<string> = (value) => value;

/** A value that is a secret: its content never appears in a message. */
export function secret(maxLength: number): Parser<string> {
  return (value) => {
    if (value.length > maxLength) {
      throw new ParseError(`must be at most ${maxLength} characters (value not shown)`);
    }
    return value;
  };
}

/**
 * An absolute http(s) URL. Anything else (a `javascript:` URL included) is refused: the value
 * becomes a link on the status page. No user or password: it is shown and logged.
 */
export const httpUrl: Parser<string> = (value) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ParseError(`must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ParseError(`must be an http(s) URL, got "${value}"`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ParseError('must not contain a user name or password');
  }
  return url.toString();
};

/**
 * A host to listen on: empty (all interfaces), an IP address, or a DNS name. The name is not
 * resolved here; a name that does not resolve fails at listen time with the setting named.
 */
export const listenHost: Parser<string> = (value) => {
  const host = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  if (host === '' || isIP(host) !== 0) return host;
  if (
    /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/.test(
      host,
    )
  ) {
    return host;
  }
  throw new ParseError(`must be an IP address or a host name, got "${value.slice(0, 100)}"`);
};

export const port: Parser<number> = integer(0, 65_535);

export interface ListenAddress {
  /** Empty: all interfaces (Node picks `::` with an IPv4 fallback). */
  readonly host: string;
  readonly port: number;
}

/** `host:port`, `[v6]:port` or `:port` (all interfaces), as Prometheus's --web.listen-address. */
export const listenAddress: Parser<ListenAddress> = (value) => {
  const colon = value.lastIndexOf(':');
  if (colon === -1) {
    throw new ParseError(`must be [host]:port, e.g. ":8747" or "127.0.0.1:8747", got "${value}"`);
  }
  const rawHost = value.slice(0, colon);
  if (rawHost.includes(':') && !rawHost.startsWith('[')) {
    throw new ParseError(`must put an IPv6 address in brackets, e.g. "[::1]:8747", got "${value}"`);
  }
  return { host: listenHost(rawHost), port: port(value.slice(colon + 1)) };
};

/**
 * A bare http(s) origin (no path, query or user): where every account's credentials would go, so
 * it must be explicit.
 */
export const bareOrigin: Parser<string> = (value) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ParseError('must be an absolute http(s) URL');
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.username !== '' ||
    url.password !== '' ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    throw new ParseError(
      'must be a bare http(s) origin such as https://proxy.example:8443 (no path, query or user)',
    );
  }
  return url.origin;
};
