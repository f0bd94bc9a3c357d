import Negotiator from 'negotiator';
import type { ExpositionFormat } from './exposition.js';

/** What a scrape gets: which renderer, and the exact Content-Type to answer with. */
export interface Negotiated {
  readonly format: ExpositionFormat;
  readonly contentType: string;
}

// negotiator matches an Accept entry's parameters against the offer's, so the offers carry the
// exact versions we serve: `application/openmetrics-text;version=0.0.1` must not match 1.0.0.
const OFFERS: ReadonlyMap<string, Negotiated> = new Map([
  // First: on a tie (`*/*`, no Accept header) the text format wins, as in the Go client.
  [
    'text/plain;version=0.0.4',
    { format: 'text', contentType: 'text/plain; version=0.0.4; charset=utf-8' },
  ],
  [
    'application/openmetrics-text;version=1.0.0',
    {
      format: 'openmetrics',
      contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
    },
  ],
  // 0.0.1 is the pre-release name of the same text (client_golang writes the same bytes for
  // both); older Prometheus 2.x asks for it alone.
  [
    'application/openmetrics-text;version=0.0.1',
    {
      format: 'openmetrics',
      contentType: 'application/openmetrics-text; version=0.0.1; charset=utf-8',
    },
  ],
]);
const TEXT = OFFERS.get('text/plain;version=0.0.4') as Negotiated;

/**
 * Media-range parameters we take into account; every other one (`escaping=allow-utf-8` from
 * Prometheus 3, `charset`, `encoding`, …) is dropped before negotiating. negotiator would
 * otherwise demand that the offer carry the same parameter, and Prometheus 3's first choice would
 * silently fall through to the text format. Our names are all legacy-valid, so every `escaping`
 * scheme gets the same bytes.
 */
const KEPT_PARAMETERS = new Set(['version', 'q']);

/**
 * prom-client does not negotiate, so we do: OpenMetrics when the Accept header prefers it
 * (Prometheus 2.x and 3.x ask for it first), the 0.0.4 text format otherwise, including when
 * Accept names nothing we serve, as the Go client does.
 */
export function negotiateFormat(accept: string | undefined): Negotiated {
  const preferred = new Negotiator({
    headers: { accept: accept === undefined ? '*/*' : simplifyAccept(accept) },
  }).mediaType([...OFFERS.keys()]);
  return (preferred === undefined ? undefined : OFFERS.get(preferred)) ?? TEXT;
}

export function chooseFormat(accept: string | undefined): ExpositionFormat {
  return negotiateFormat(accept).format;
}

/** Each media range with only `version` and `q` left (quoted commas do not occur in practice). */
export function simplifyAccept(accept: string): string {
  return accept
    .split(',')
    .map((range) =>
      range
        .split(';')
        .filter((part, i) => {
          if (i === 0) return true;
          const name = part.split('=')[0]?.trim().toLowerCase() ?? '';
          return KEPT_PARAMETERS.has(name);
        })
        .join(';'),
    )
    .join(',');
}

export type ContentCoding = 'gzip' | 'identity';

/**
 * gzip when the client accepts it (Prometheus always does), identity otherwise. A 25 MB
 * exposition compresses about tenfold, and moving it over the network, not rendering it, is
 * then what an unchanged scrape costs.
 */
export function chooseCoding(acceptEncoding: string | undefined): ContentCoding {
  if (acceptEncoding === undefined) return 'identity';
  const preferred = new Negotiator({
    headers: { 'accept-encoding': acceptEncoding },
  }).encoding(['gzip', 'identity']);
  return preferred === 'gzip' ? 'gzip' : 'identity';
}
