import { describe, expect, it } from 'vitest';
import {
  CONTENT_TYPES,
  escapeLabelValue,
  formatValue,
  renderFamilies,
  renderFamily,
  renderLabels,
  type MetricFamily,
} from '../../src/metrics/exposition.js';
import { expectPromtoolClean } from '../helpers/promtool.js';
import { parseSample } from '../helpers/unit-exposition.js';

describe('escapeLabelValue', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['back\\slash', 'back\\\\slash'],
    ['a "quoted" word', 'a \\"quoted\\" word'],
    ['two\nlines', 'two\\nlines'],
    ['\\"\n', '\\\\\\"\\n'],
    ['already \\n escaped', 'already \\\\n escaped'],
    ['tab\tand unicode ✓', 'tab\tand unicode ✓'],
  ])('%j → %j', (value, escaped) => {
    expect(escapeLabelValue(value)).toBe(escaped);
  });

  it.each([['back\\slash'], ['a "q" b'], ['x\ny'], ['\\n'], ['}{,="']])(
    'round-trips %j through a sample line',
    (value) => {
      const line = `m${renderLabels([['l', value]])} 1`;
      expect(parseSample(line).labels.get('l')).toBe(value);
    },
  );
});

describe('renderLabels', () => {
  it('renders nothing for no labels', () => {
    expect(renderLabels([])).toBe('');
  });

  it('renders pairs in the given order, escaped', () => {
    expect(
      renderLabels([
        ['b', '1'],
        ['a', 'x"y'],
      ]),
    ).toBe('{b="1",a="x\\"y"}');
  });
});

describe('formatValue', () => {
  it.each([
    [Number.NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [0, '0'],
    [1, '1'],
    [-3, '-3'],
    [1534951163, '1534951163'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
  ])('%d → %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });

  it.each([[0.5], [1534951163.000123], [-0.25], [1e-7], [1e21], [0.1 + 0.2], [Number.MIN_VALUE]])(
    'writes the float %d so that it reads back exactly',
    (value) => {
      const text = formatValue(value);
      expect(text).toMatch(/^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/);
      expect(Number(text)).toBe(value);
    },
  );
});

const gauge: MetricFamily = {
  name: 'x_temperature_celsius',
  help: 'A gauge.',
  type: 'gauge',
  samples: [
    { labels: [['room', 'a"b']], value: 21.5 },
    { labels: [['room', 'c\\d\ne']], value: -1 },
  ],
};
const counter: MetricFamily = {
  name: 'x_events_total',
  help: 'A counter.',
  type: 'counter',
  samples: [{ labels: [['kind', 'k']], value: 3 }],
};
const untyped: MetricFamily = {
  name: 'x_mystery',
  help: 'No type.',
  type: 'untyped',
  samples: [{ labels: [], value: Number.NaN }],
};
const histogram: MetricFamily = {
  name: 'x_duration_seconds',
  help: 'A histogram.',
  type: 'histogram',
  samples: [
    { suffix: '_bucket', labels: [['le', '0.5']], value: 1 },
    { suffix: '_bucket', labels: [['le', '+Inf']], value: 2 },
    { suffix: '_sum', labels: [], value: 1.25 },
    { suffix: '_count', labels: [], value: 2 },
  ],
};

describe('renderFamily, text format', () => {
  it('renders HELP, TYPE and samples', () => {
    expect(renderFamily(gauge, 'text')).toBe(
      '# HELP x_temperature_celsius A gauge.\n' +
        '# TYPE x_temperature_celsius gauge\n' +
        'x_temperature_celsius{room="a\\"b"} 21.5\n' +
        'x_temperature_celsius{room="c\\\\d\\ne"} -1\n',
    );
  });

  it('keeps _total on the family name of a counter', () => {
    expect(renderFamily(counter, 'text')).toBe(
      '# HELP x_events_total A counter.\n# TYPE x_events_total counter\nx_events_total{kind="k"} 3\n',
    );
  });

  it('renders untyped as untyped', () => {
    expect(renderFamily(untyped, 'text')).toBe(
      '# HELP x_mystery No type.\n# TYPE x_mystery untyped\nx_mystery NaN\n',
    );
  });

  it('appends sample suffixes', () => {
    expect(renderFamily(histogram, 'text')).toBe(
      '# HELP x_duration_seconds A histogram.\n# TYPE x_duration_seconds histogram\n' +
        'x_duration_seconds_bucket{le="0.5"} 1\nx_duration_seconds_bucket{le="+Inf"} 2\n' +
        'x_duration_seconds_sum 1.25\nx_duration_seconds_count 2\n',
    );
  });

  it.each([
    ['backslash', 'a\\b', 'a\\\\b'],
    ['newline', 'line one\nline two', 'line one\\nline two'],
    ['both', '\\\n', '\\\\\\n'],
    // the 0.0.4 text format escapes only backslash and newline in HELP
    ['double quote (left alone)', 'say "hi"', 'say "hi"'],
  ])('escapes HELP: %s', (_name, help, escaped) => {
    const text = renderFamily({ ...untyped, help }, 'text');
    expect(text.split('\n')[0]).toBe(`# HELP x_mystery ${escaped}`);
  });

  it('produces an exposition promtool accepts, with awkward label values', () => {
    const text = renderFamilies(
      [
        gauge,
        counter,
        histogram,
        { ...gauge, name: 'x_help_seconds', help: 'Back\\slash and\nnewline.', samples: [] },
        {
          name: 'x_values',
          help: 'Special values.',
          type: 'gauge',
          samples: [
            { labels: [['v', 'nan']], value: Number.NaN },
            { labels: [['v', 'inf']], value: Infinity },
            { labels: [['v', 'ninf']], value: -Infinity },
            { labels: [['v', 'tiny']], value: 1e-7 },
          ],
        },
      ],
      'text',
    );
    expectPromtoolClean(text);
  });
});

describe('renderFamily, OpenMetrics', () => {
  it('names a counter family without _total and keeps _total on its samples', () => {
    expect(renderFamily(counter, 'openmetrics')).toBe(
      '# HELP x_events A counter.\n# TYPE x_events counter\nx_events_total{kind="k"} 3\n',
    );
  });

  it('renders untyped as unknown', () => {
    expect(renderFamily(untyped, 'openmetrics')).toBe(
      '# HELP x_mystery No type.\n# TYPE x_mystery unknown\nx_mystery NaN\n',
    );
  });

  it('leaves gauges and histograms as they are', () => {
    expect(renderFamily(gauge, 'openmetrics')).toBe(renderFamily(gauge, 'text'));
    expect(renderFamily(histogram, 'openmetrics')).toBe(renderFamily(histogram, 'text'));
  });

  it.each([
    ['backslash', 'a\\b', 'a\\\\b'],
    ['newline', 'line one\nline two', 'line one\\nline two'],
    // OpenMetrics 1.0 ABNF: HELP is an escaped-string, where a raw double quote is not allowed
    ['double quote', 'say "hi"', 'say \\"hi\\"'],
  ])('escapes HELP: %s', (_name, help, escaped) => {
    const text = renderFamily({ ...untyped, help }, 'openmetrics');
    expect(text.split('\n')[0]).toBe(`# HELP x_mystery ${escaped}`);
  });

  it('does not add # EOF (the caller joins parts and terminates once)', () => {
    expect(renderFamilies([gauge, counter], 'openmetrics')).not.toContain('# EOF');
  });
});

describe('renderFamilies', () => {
  it('concatenates families in order', () => {
    expect(renderFamilies([gauge, counter], 'text')).toBe(
      renderFamily(gauge, 'text') + renderFamily(counter, 'text'),
    );
    expect(renderFamilies([], 'text')).toBe('');
  });
});

describe('CONTENT_TYPES', () => {
  it('names the 0.0.4 text format and OpenMetrics 1.0.0', () => {
    expect(CONTENT_TYPES.text).toMatch(/^text\/plain; ?version=0\.0\.4; ?charset=utf-8$/);
    expect(CONTENT_TYPES.openmetrics).toMatch(
      /^application\/openmetrics-text; ?version=1\.0\.0; ?charset=utf-8$/,
    );
  });
});
