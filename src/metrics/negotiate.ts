import Negotiator from 'negotiator';
import type { ExpositionFormat } from './exposition.js';

const OPENMETRICS = 'application/openmetrics-text';
const TEXT = 'text/plain';

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
