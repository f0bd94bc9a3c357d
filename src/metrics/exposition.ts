/**
 * A metric family as data, and a pure renderer for the two exposition formats Prometheus speaks.
 * prom-client's own formatter cannot be used for both formats on one registry (switching it to
 * OpenMetrics renames counters in place), so everything the exporter serves goes through here.
 */
export type MetricType = 'gauge' | 'counter' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** Suffix after the family name (`_bucket`, `_sum`, …); empty for gauges and counters. */
  readonly suffix?: string;
  /** Label pairs; values are escaped by the renderer. */
  readonly labels: readonly (readonly [string, string])[];
  readonly value: number;
}

export interface MetricFamily {
  /** For counters, the name including `_total`, as in the text format. */
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

export type ExpositionFormat = 'text' | 'openmetrics';

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** Renders families; the OpenMetrics `# EOF` terminator is the caller's, since parts are joined. */
export function renderFamilies(
  families: readonly MetricFamily[],
  format: ExpositionFormat,
): string {
  let out = '';
  for (const family of families) out += renderFamily(family, format);
  return out;
}

export function renderFamily(family: MetricFamily, format: ExpositionFormat): string {
  const openMetricsCounter = format === 'openmetrics' && family.type === 'counter';
  // OpenMetrics names a counter family without `_total` and puts the suffix on the sample.
  const familyName = openMetricsCounter ? family.name.replace(/_total$/, '') : family.name;
  const sampleName = openMetricsCounter ? `${familyName}_total` : family.name;
  const type = format === 'openmetrics' && family.type === 'untyped' ? 'unknown' : family.type;
  let out = `# HELP ${familyName} ${escapeHelp(family.help, format)}\n# TYPE ${familyName} ${type}\n`;
  for (const sample of family.samples) {
    out += sampleLine(
      `${sampleName}${sample.suffix ?? ''}`,
      renderLabels(sample.labels),
      sample.value,
    );
  }
  return out;
}

/** One sample line: the only place the line format is written (sidSeriesText.ts uses it too). */
export function sampleLine(name: string, labels: string, value: number): string {
  return `${name}${labels} ${formatValue(value)}\n`;
}

export function renderLabels(labels: readonly (readonly [string, string])[]): string {
  if (labels.length === 0) return '';
  return `{${labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value)
    ? value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')
    : value;
}

/** Both formats escape `\` and newlines in HELP; OpenMetrics also escapes `"`, 0.0.4 must not. */
function escapeHelp(help: string, format: ExpositionFormat): string {
  const escaped = help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
  return format === 'openmetrics' ? escaped.replaceAll('"', '\\"') : escaped;
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
