import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderFamilies } from '../../src/metrics/exposition.js';
import { REJECT_REASONS } from '../../src/metrics/rejectReasons.js';
import { ACCOUNT_REMOVAL_REASONS, createSelfMetrics } from '../../src/metrics/selfMetrics.js';
import { CONNECTION_REFUSAL_REASONS } from '../../src/http/connectionLimit.js';
import { expectPromtoolClean } from '../helpers/promtool.js';
import { parseExposition, samplesNamed } from '../helpers/unit-exposition.js';

const build = { version: '1.2.3', revision: 'abc123', nodejsVersion: 'v20.0.0' };

async function text(self = createSelfMetrics(build)): Promise<string> {
  return renderFamilies(await self.families(), 'text');
}

function valueOf(
  exposition: string,
  name: string,
  labels: Record<string, string> = {},
): string | undefined {
  return samplesNamed(exposition, name).find((sample) =>
    Object.entries(labels).every(([k, v]) => sample.labels.get(k) === v),
  )?.value;
}

describe('createSelfMetrics', () => {
  it('renders a text exposition promtool accepts', async () => {
    expectPromtoolClean(await text());
  });

  it('uses its own registry: two instances do not share counters', async () => {
    const a = createSelfMetrics(build);
    const b = createSelfMetrics(build);
    a.rejected('invalid_json');
    expect(
      valueOf(await text(a), 'exotel_heartbeats_rejected_total', { reason: 'invalid_json' }),
    ).toBe('1');
    expect(
      valueOf(await text(b), 'exotel_heartbeats_rejected_total', { reason: 'invalid_json' }),
    ).toBe('0');
  });

  it.each(['text', 'openmetrics'] as const)(
    'has no nodejs_active_*_total names (%s)',
    async (format) => {
      const exposition = renderFamilies(await createSelfMetrics(build).families(), format);
      expect(exposition).not.toMatch(/nodejs_active_\w*_total/);
      // the per-type gauges without the suffix may stay
      expect(exposition).toMatch(/^nodejs_active_handles(?:\{| )/m);
    },
  );

  it('starts every rejection reason at 0', async () => {
    const samples = samplesNamed(await text(), 'exotel_heartbeats_rejected_total');
    expect(samples.map((s) => s.labels.get('reason')).sort()).toEqual([...REJECT_REASONS].sort());
    for (const sample of samples) expect(sample.value).toBe('0');
  });

  it('starts every repair kind and error counter at 0', async () => {
    const exposition = await text();
    expect(valueOf(exposition, 'exotel_heartbeat_repairs_total', { kind: 'trailing_comma' })).toBe(
      '0',
    );
    expect(
      valueOf(exposition, 'exotel_heartbeat_repairs_total', { kind: 'timestamp_suffix' }),
    ).toBe('0');
    expect(valueOf(exposition, 'exotel_state_persist_errors_total')).toBe('0');
    expect(valueOf(exposition, 'exotel_state_load_errors_total')).toBe('0');
    expect(valueOf(exposition, 'exotel_state_persist_last_success_timestamp_seconds')).toBe('0');
  });

  it('reports build info as 1 with version, revision and nodejs_version', async () => {
    const samples = samplesNamed(await text(), 'exotel_exporter_build_info');
    expect(samples).toHaveLength(1);
    expect(samples[0]?.value).toBe('1');
    expect(Object.fromEntries(samples[0]?.labels ?? [])).toEqual({
      version: '1.2.3',
      revision: 'abc123',
      nodejs_version: 'v20.0.0',
    });
  });

  it('counts events', async () => {
    const self = createSelfMetrics(build);
    self.rejected('future_timestamp');
    self.rejected('future_timestamp');
    self.repaired('timestamp_suffix');
    self.persistFailed();
    self.stateLoadFailed();
    self.persistSucceeded(1_700_000_000_500, 250);
    const exposition = await text(self);
    expect(
      valueOf(exposition, 'exotel_heartbeats_rejected_total', { reason: 'future_timestamp' }),
    ).toBe('2');
    expect(
      valueOf(exposition, 'exotel_heartbeats_rejected_total', { reason: 'invalid_json' }),
    ).toBe('0');
    expect(
      valueOf(exposition, 'exotel_heartbeat_repairs_total', { kind: 'timestamp_suffix' }),
    ).toBe('1');
    expect(valueOf(exposition, 'exotel_heartbeat_repairs_total', { kind: 'trailing_comma' })).toBe(
      '0',
    );
    expect(valueOf(exposition, 'exotel_state_persist_errors_total')).toBe('1');
    expect(valueOf(exposition, 'exotel_state_load_errors_total')).toBe('1');
    expect(Number(valueOf(exposition, 'exotel_state_persist_last_success_timestamp_seconds'))).toBe(
      1_700_000_000.5,
    );
    expect(Number(valueOf(exposition, 'exotel_state_persist_duration_seconds'))).toBe(0.25);
    expectPromtoolClean(exposition);
  });

  it('includes the process and Node.js default metrics', async () => {
    const types = parseExposition(await text()).type;
    expect(types.get('process_cpu_seconds_total')).toBe('counter');
    expect(types.get('process_start_time_seconds')).toBe('gauge');
    expect(types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
    expect(types.get('nodejs_gc_duration_seconds')).toBe('histogram');
  });

  it('renders OpenMetrics counter families without _total and samples with it', async () => {
    const exposition = renderFamilies(await createSelfMetrics(build).families(), 'openmetrics');
    expect(exposition).toContain('# TYPE exotel_heartbeats_rejected counter\n');
    expect(exposition).toContain('exotel_heartbeats_rejected_total{reason="invalid_json"} 0\n');
    expect(exposition).not.toMatch(/^# TYPE \S+_total /m);
    expect(exposition).not.toContain('# EOF');
  });
});

describe('the README metrics table', () => {
  it('lists every exotel_* self-metric with its labels, and every reason of the issue-13 counters', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const rows = new Map(
      [...readme.matchAll(/^\| `(exotel_[a-z_]+)`\s*\|[^|]*\|([^|]*)\|([^|]*)\|$/gm)].map((m) => [
        m[1] ?? '',
        { labels: (m[2] ?? '').trim(), meaning: m[3] ?? '' },
      ]),
    );
    const self = createSelfMetrics(build);
    const families = (await self.families()).filter((f) => f.name.startsWith('exotel_'));
    expect(families.length).toBeGreaterThan(5);
    for (const family of families) {
      const row = rows.get(family.name);
      expect([family.name, row !== undefined]).toEqual([family.name, true]);
      const labels = [...new Set(family.samples.flatMap((s) => s.labels.map(([k]) => k)))];
      expect([
        family.name,
        row?.labels
          .split(',')
          .map((l) => l.trim())
          .filter((l) => l !== ''),
      ]).toEqual([family.name, labels]);
    }
    for (const [name, reasons] of [
      ['exotel_accounts_removed_total', ACCOUNT_REMOVAL_REASONS],
      ['exotel_exporter_connections_refused_total', CONNECTION_REFUSAL_REASONS],
    ] as const) {
      for (const reason of reasons) expect(rows.get(name)?.meaning).toContain(`\`${reason}\``);
    }
  });
});
