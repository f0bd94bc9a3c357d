import { describe, expect, it } from 'vitest';
import { chooseCoding, chooseFormat, negotiateFormat } from '../../src/metrics/negotiate.js';

/**
 * The default scrape `Accept` headers of real clients, verbatim. Where each comes from:
 * - Prometheus 3.x: prometheus/prometheus `scrape/scrape_test.go` `TestAcceptHeader`, case
 *   "default scrape protocols with no escaping" (`acceptHeader(config.DefaultScrapeProtocols,
 *   model.NoEscaping)`; 3.x validates names as UTF-8 by default, hence `escaping=allow-utf-8`).
 *   The same file's "underscore escaping" case is what a 3.x server with
 *   `metric_name_validation_scheme: legacy` sends.
 * - Prometheus 2.49–2.55: `acceptHeader(config.DefaultScrapeProtocols)` with the 2.x protocol list
 *   (OpenMetrics 1.0.0, 0.0.1, text 0.0.4); as captured from Prometheus/2.53.1 and 2.54.0.
 * - Prometheus 2.33–2.48 (Debian bookworm ships 2.42): the `acceptHeader` constant in
 *   `scrape/scrape.go`.
 * - Prometheus before 2.33: the older `acceptHeader` constant, which asks for OpenMetrics 0.0.1.
 * - VictoriaMetrics (vmagent): as the issue quotes it.
 */
const PROMETHEUS_3 =
  'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';
const PROMETHEUS_3_LEGACY_NAMES =
  'application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=underscores;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';
const PROMETHEUS_3_PROTO_FIRST =
  'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1';
const PROMETHEUS_2_49 =
  'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const PROMETHEUS_2_OLD =
  'application/openmetrics-text; version=0.0.1,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const VICTORIAMETRICS = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';
const CURL = '*/*';
const BROWSER =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

const OM_1 = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const OM_0 = 'application/openmetrics-text; version=0.0.1; charset=utf-8';
const TEXT_004 = 'text/plain; version=0.0.4; charset=utf-8';

describe('negotiateFormat: real clients', () => {
  it.each([
    ['Prometheus 3.x (UTF-8 names, the default)', PROMETHEUS_3, OM_1],
    ['Prometheus 3.x (legacy names)', PROMETHEUS_3_LEGACY_NAMES, OM_1],
    ['Prometheus 3.x (PrometheusProto first)', PROMETHEUS_3_PROTO_FIRST, OM_1],
    ['Prometheus 2.49-2.55', PROMETHEUS_2_49, OM_1],
    ['Prometheus 2.33-2.48 (Debian 2.42)', PROMETHEUS_ACCEPT, OM_1],
    ['Prometheus before 2.33', PROMETHEUS_2_OLD, OM_0],
    ['VictoriaMetrics', VICTORIAMETRICS, TEXT_004],
    ['curl', CURL, TEXT_004],
    ['a browser', BROWSER, TEXT_004],
    [
      'OpenMetrics 0.0.1 only, with extra parameters',
      'application/openmetrics-text;version=0.0.1;escaping=dots',
      OM_0,
    ],
    [
      'OpenMetrics 1.0.0 with escaping=values',
      'application/openmetrics-text;version=1.0.0;escaping=values',
      OM_1,
    ],
    ['text 1.0.0 only (we serve 0.0.4)', 'text/plain;version=1.0.0;escaping=allow-utf-8', TEXT_004],
  ])('%s → %s', (_name, accept, contentType) => {
    const negotiated = negotiateFormat(accept);
    expect(negotiated.contentType).toBe(contentType);
    expect(negotiated.format).toBe(contentType === TEXT_004 ? 'text' : 'openmetrics');
  });
});

describe('chooseFormat', () => {
  it.each([
    ["Prometheus's real Accept header", 'openmetrics', PROMETHEUS_ACCEPT],
    [
      'OpenMetrics 1.0.0 with spaces',
      'openmetrics',
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    ],
    ['OpenMetrics without a version', 'openmetrics', 'application/openmetrics-text'],
    [
      'OpenMetrics preferred by q',
      'openmetrics',
      'text/plain;q=0.4,application/openmetrics-text;q=0.9',
    ],
    [
      'OpenMetrics preferred by q, versioned',
      'openmetrics',
      'text/plain;version=0.0.4;q=0.3,application/openmetrics-text;version=1.0.0;q=0.8',
    ],
    ['no Accept header', 'text', undefined],
    ['*/*', 'text', '*/*'],
    ['text/plain', 'text', 'text/plain'],
    ['text/plain 0.0.4', 'text', 'text/plain; version=0.0.4'],
    ['text/*', 'text', 'text/*'],
    ['application/json (nothing we serve)', 'text', 'application/json'],
    ['garbage', 'text', ';;;,,'],
    ['empty', 'text', ''],
    ['text preferred by q', 'text', 'application/openmetrics-text;q=0.2,text/plain;q=0.9'],
    ['OpenMetrics explicitly refused', 'text', 'application/openmetrics-text;q=0,*/*;q=0.1'],
  ])('%s → %s', (_name, format, accept) => {
    expect(chooseFormat(accept)).toBe(format);
  });
});

describe('chooseCoding', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'gzip'],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', 'gzip'],
    ['*', 'gzip'],
    ['gzip;q=0', 'identity'],
    ['br', 'identity'],
    ['identity', 'identity'],
  ] as const)('Accept-Encoding %j → %s', (header, coding) => {
    expect(chooseCoding(header)).toBe(coding);
  });
});
