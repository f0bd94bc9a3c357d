import { describe, expect, it } from 'vitest';
import { chooseCoding, chooseFormat } from '../../src/metrics/negotiate.js';

/** What Prometheus 2.x/3.x sends by default when scraping. */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

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
