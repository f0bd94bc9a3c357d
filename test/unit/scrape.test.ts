import { Buffer } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as projection from '../../src/metrics/domainFamilies.js';
import { ScrapeRenderer } from '../../src/metrics/scrape.js';
import { createSelfMetrics } from '../../src/metrics/selfMetrics.js';
import { Store } from '../../src/state/store.js';
import { expectPromtoolClean } from '../helpers/promtool.js';
import { parseExposition, sampleLine } from '../helpers/unit-exposition.js';
import { at, heartbeat } from '../helpers/unit-heartbeats.js';
import { scrapeText } from '../helpers/scrapeText.js';

// Spy on the projection so the cache can be observed: a cached render must not recompute it.
vi.mock('../../src/metrics/domainFamilies.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/metrics/domainFamilies.js')>();
  return { ...actual, domainFamilies: vi.fn(actual.domainFamilies) };
});

const build = { version: '1.2.3', revision: 'abc', nodejsVersion: 'v20' };
const NOW_MS = Date.UTC(2024, 4, 1, 12, 0, 0);

function setup() {
  const store = new Store({ maxAccounts: 10, futureToleranceSeconds: 300 });
  const self = createSelfMetrics(build);
  return {
    store,
    self,
    renderer: new ScrapeRenderer(store, self, { maxSidSeries: 100, maxTotalSidSeries: 200 }),
  };
}

/** The domain part of an exposition: the exotel_* families other than the self-metrics. */
function domainPart(text: string): string {
  return text
    .split('\n')
    .filter((line) =>
      /^(?:# (?:HELP|TYPE) )?exotel_(?:heartbeat_status|heartbeat_timestamp|exophone|heartbeats_received)/.test(
        line,
      ),
    )
    .join('\n');
}

const spy = vi.mocked(projection.domainFamilies);

beforeEach(() => {
  spy.mockClear();
});

describe('ScrapeRenderer', () => {
  it('renders domain and self metrics as text that promtool accepts, without # EOF', async () => {
    const { store, renderer } = setup();
    store.apply(
      'default',
      heartbeat({ timestamp: at('2024-05-01T11:59:00Z'), status: 'WARNING', incoming: ['a'] }),
      NOW_MS,
    );
    const text = await scrapeText(renderer, 'text');
    expectPromtoolClean(text);
    expect(text).not.toContain('# EOF');
    const parsed = parseExposition(text);
    expect(parsed.samples).toContain(
      sampleLine('exotel_heartbeat_status', { account: 'default', status: 'WARNING' }, 1),
    );
    expect(parsed.type.get('exotel_heartbeats_rejected_total')).toBe('counter');
    expect(parsed.type.get('exotel_exporter_build_info')).toBe('gauge');
  });

  it('ends OpenMetrics with exactly one # EOF line', async () => {
    const { renderer } = setup();
    const text = await scrapeText(renderer, 'openmetrics');
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(text.match(/# EOF/g)).toHaveLength(1);
    // a second, cached render is terminated exactly once as well
    const again = await scrapeText(renderer, 'openmetrics');
    expect(again.endsWith('\n# EOF\n')).toBe(true);
    expect(again.match(/# EOF/g)).toHaveLength(1);
  });

  it('names every family once in OpenMetrics, counters without _total', async () => {
    const { renderer } = setup();
    const text = await scrapeText(renderer, 'openmetrics');
    const typeNames = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
    expect(new Set(typeNames).size).toBe(typeNames.length);
    expect(text).toContain('# TYPE exotel_heartbeats_received counter\n');
    expect(text).toContain('# TYPE exotel_heartbeats_rejected counter\n');
    expect(text).not.toMatch(/^# TYPE \S+_total /m);
  });

  it('caches the domain part per store version and format', async () => {
    const { store, renderer } = setup();
    const first = await scrapeText(renderer, 'text');
    const second = await scrapeText(renderer, 'text');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(domainPart(second)).toBe(domainPart(first));

    await scrapeText(renderer, 'openmetrics');
    expect(spy).toHaveBeenCalledTimes(2);
    await scrapeText(renderer, 'openmetrics');
    expect(spy).toHaveBeenCalledTimes(2);

    store.apply(
      'default',
      heartbeat({ timestamp: at('2024-05-01T11:59:00Z'), status: 'CRITICAL', incoming: ['x'] }),
      NOW_MS,
    );
    const third = await scrapeText(renderer, 'text');
    expect(spy).toHaveBeenCalledTimes(3);
    expect(domainPart(third)).not.toBe(domainPart(first));
    expect(third).toContain('exotel_heartbeat_status{account="default",status="CRITICAL"} 1\n');
    expect(third).toContain('sid="x"');

    const om = await scrapeText(renderer, 'openmetrics');
    expect(spy).toHaveBeenCalledTimes(4);
    expect(om).toContain('exotel_heartbeat_status{account="default",status="CRITICAL"} 1\n');
  });

  it('re-renders after a duplicate too (the version moved) and shows the new last-received time', async () => {
    const { store, renderer } = setup();
    const hb = heartbeat({ timestamp: at('2024-05-01T11:59:00Z'), status: 'OK' });
    store.apply('default', hb, NOW_MS);
    await scrapeText(renderer, 'text');
    store.apply('default', hb, NOW_MS + 10_000);
    const text = await scrapeText(renderer, 'text');
    expect(spy).toHaveBeenCalledTimes(2);
    expect(text).toContain(
      `exotel_heartbeat_last_received_timestamp_seconds{account="default"} ${String(NOW_MS / 1000 + 10)}\n`,
    );
  });

  it('never caches the self-metrics', async () => {
    const { self, renderer } = setup();
    await scrapeText(renderer, 'text');
    self.rejected('invalid_json');
    const text = await scrapeText(renderer, 'text');
    expect(text).toContain('exotel_heartbeats_rejected_total{reason="invalid_json"} 1\n');
  });
});

describe('ScrapeRenderer gzip', () => {
  it('sends one gzip member that decodes to the identity body, version after version', async () => {
    const { store, renderer } = setup();
    // An account with per-SID lines next to accounts with none: the empty parts must not upset
    // the checksum (Node 20's crc32 returned 0 for some empty buffers).
    const steps = [
      ['acme', heartbeat({ timestamp: at('2024-05-01T11:00:00Z'), status: 'OK' })],
      [
        'beta',
        heartbeat({ timestamp: at('2024-05-01T11:01:00Z'), status: 'WARNING', incoming: ['a'] }),
      ],
      [
        'acme',
        heartbeat({
          timestamp: at('2024-05-01T11:02:00Z'),
          status: 'WARNING',
          incoming: ['b'],
          phones: { b: '+912' },
        }),
      ],
    ] as const;
    for (const [account, beat] of steps) {
      store.apply(account, beat, NOW_MS);
      for (const format of ['text', 'openmetrics'] as const) {
        for (let scrape = 0; scrape < 2; scrape++) {
          const zipped = await renderer.exposition(format, 'gzip');
          expect(zipped.coding).toBe('gzip');
          const text = gunzipSync(Buffer.concat(zipped.chunks)).toString('utf8');
          expect(zipped.length).toBe(Buffer.concat(zipped.chunks).length);
          expect(domainPart(text)).toBe(domainPart(await scrapeText(renderer, format)));
          if (format === 'openmetrics') expect(text.endsWith('# EOF\n')).toBe(true);
        }
      }
    }
  });
});
