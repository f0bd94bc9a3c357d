import Negotiator from 'negotiator';
import type { ExpositionFormat } from './exposition.js';

// negotiator matches an Accept entry's parameters against the offer's, so the offers carry the
// exact versions we serve: `application/openmetrics-text;version=0.0.1` must not match 1.0.0.
const OPENMETRICS = 'application/openmetrics-text;version=1.0.0;charset=utf-8';
const TEXT = 'text/plain;version=0.0.4;charset=utf-8';

/**
 * prom-client does not negotiate, so we do: OpenMetrics 1.0 when the Accept header prefers it
 * (Prometheus asks for it first), the 0.0.4 text format otherwise, including when Accept names
 * nothing we serve, as the Go client does.
 */
export function chooseFormat(accept: string | undefined): ExpositionFormat {
  const preferred = new Negotiator({ headers: { accept: accept ?? '*/*' } }).mediaType([
    TEXT,
    OPENMETRICS,
  ]);
  return preferred === OPENMETRICS ? 'openmetrics' : 'text';
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
