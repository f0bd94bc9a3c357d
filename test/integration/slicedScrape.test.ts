import * as fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { startExporter, type RunningExporter } from '../../src/exporter.js';
import { RENDER_SLICING } from '../../src/metrics/versionRenderer.js';
import { systemTimers } from '../../src/timers.js';
import { expectOutcome } from '../helpers/domain.js';
import { heartbeat, iso, postHeartbeat, T0 } from '../helpers/http.js';
import { captureLogs } from '../helpers/unit-logCapture.js';

/**
 * The whole exporter in process, with the per-SID budget lifted: a heartbeat large enough to be
 * ingested in steps and rendered in slices (src/ingest.ts, src/metrics/versionRenderer.ts), and
 * scrapes running all along. Each scrape must show one state whole — the old heartbeat with its
 * one per-SID series, or the new one with all of its series — and the new one in the end.
 */

const SIDS = 24_000; // incoming, plus every second one outgoing: 36,000 pairs
const PAIRS = SIDS + SIDS / 2;
const logs = captureLogs();
let exporter: RunningExporter;
let url: string;

beforeAll(async () => {
  exporter = await startExporter({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      STATE_FILE: '',
      MAX_SID_SERIES: '100000',
      MAX_TOTAL_SID_SERIES: '100000',
    }),
    clock: systemClock,
    logger: logs.logger,
    fs,
    build: { version: 'test', revision: 'test', nodejsVersion: 'test' },
    replica: 'test',
    fetch,
    timers: systemTimers,
    random: () => 0.5,
    runbookPath: fileURLToPath(new URL('../../docs/runbook.md', import.meta.url)),
  });
  url = `http://127.0.0.1:${exporter.address.port}`;
});

afterAll(async () => {
  await exporter.close();
});

/** The applied heartbeat's timestamp and the number of per-SID series in one scrape. */
async function scrapeState(): Promise<{ timestamp: number; perSid: number }> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  const timestamp = /^exotel_heartbeat_timestamp_seconds\{account="big"\} (\S+)$/m.exec(text);
  return {
    timestamp: Number(timestamp?.[1]),
    perSid: text.match(/^exotel_exophone_affected\{/gm)?.length ?? 0,
  };
}

describe('a large heartbeat while /metrics is scraped', { timeout: 60_000 }, () => {
  it('is rendered in slices, and every scrape shows one whole state', async () => {
    expect(PAIRS).toBeGreaterThan(RENDER_SLICING.syncRows);
    const sids = Array.from({ length: SIDS }, (_, i) => `0${2030000000 + i}`);
    const large = heartbeat({
      timestamp: iso(T0 + 60),
      status: 'CRITICAL',
      incoming: sids,
      outgoing: sids.filter((_, i) => i % 2 === 0),
      phones: Object.fromEntries(sids.map((sid) => [sid, `+91${sid.slice(1)}`])),
    });
    expectOutcome(
      await postHeartbeat(
        `${url}/heartbeat/big`,
        heartbeat({ timestamp: iso(T0), status: 'WARNING', incoming: ['01'] }),
      ),
      'applied',
    );
    expect(await scrapeState()).toEqual({ timestamp: T0, perSid: 1 });

    const seen: { timestamp: number; perSid: number }[] = [];
    const posting = postHeartbeat(`${url}/heartbeat/big`, large);
    // An object, not a let: the loop reads what the promise callback writes.
    const ingest = { done: false };
    void posting.finally(() => (ingest.done = true));
    for (let i = 0; i < 2000; i++) {
      const state = await scrapeState();
      seen.push(state);
      if (ingest.done && state.timestamp === T0 + 60) break;
    }
    expectOutcome(await posting, 'applied');

    for (const state of seen) {
      expect([
        { timestamp: T0, perSid: 1 },
        { timestamp: T0 + 60, perSid: PAIRS },
      ]).toContainEqual(state);
    }
    expect(seen.at(-1)).toEqual({ timestamp: T0 + 60, perSid: PAIRS });
  });
});
