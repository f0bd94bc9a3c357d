/**
 * State across restarts: `kill -9` after the state file caught up, graceful SIGTERM (exit 0 within
 * 10 s, state flushed) on the built exporter's process, and unusable state files (moved aside,
 * exporter starts empty) on the whole exporter in process.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  accountsIn,
  affectedCounts,
  expectOutcome,
  onlyStatus,
  perSid,
  statusSet,
} from '../helpers/domain.js';
import { startExporterInProcess, stopAllInProcess } from '../helpers/exporterInProcess.js';
import { startExporterProcess, stopAll, tempDir } from '../helpers/exporterProcess.js';
import {
  familyLines,
  heartbeat,
  heartbeatUrl,
  iso,
  postHeartbeat,
  rawExchange,
  request,
  scrape,
  T0,
  waitFor,
  type Exposition,
  type HeartbeatSpec,
} from '../helpers/http.js';

const SID_A = '07930061010';
const SID_B = '08030752522';
const SID_C = '02230001111';
const PHONES = { [SID_A]: '+917930061010', [SID_B]: '+918030752522', [SID_C]: '+912230001111' };

/** Every gauge that describes ExoPhone state; counters restart at zero by design. */
const STATE_FAMILIES = [
  'exotel_heartbeat_status',
  'exotel_heartbeat_timestamp_seconds',
  'exotel_heartbeat_last_received_timestamp_seconds',
  'exotel_exophones_affected',
  'exotel_exophone_affected',
  'exotel_exophone_affected_since_timestamp_seconds',
  'exotel_exophone_series_dropped',
  'exotel_exophone_details_timestamp_seconds',
];

const dirs: (() => void)[] = [];
function stateDir(): string {
  const dir = tempDir();
  dirs.push(dir.cleanup);
  return dir.path;
}

// The tests share nothing (own processes, own directories), so they run concurrently; each stops
// its own processes, and this catches whatever a failing test left behind.
afterAll(async () => {
  stopAll();
  await stopAllInProcess();
  for (const cleanup of dirs) cleanup();
});

async function post(exporter: { url: string }, account: string | null, spec: HeartbeatSpec) {
  const result = await postHeartbeat(heartbeatUrl(exporter.url, account), heartbeat(spec));
  expect(result.status, result.text).toBe(200);
}

interface StoredAccount {
  account?: unknown;
  lastReceivedMs?: unknown;
  applied?: { timestamp?: { seconds?: unknown } } | null;
}

/**
 * True once the state file reflects what /metrics showed for every account: the same applied
 * timestamp and the same last-received time.
 */
function fileMatches(path: string, metrics: Exposition): boolean {
  let accounts: StoredAccount[];
  try {
    accounts = (JSON.parse(readFileSync(path, 'utf8')) as { accounts: StoredAccount[] }).accounts;
  } catch {
    return false;
  }
  return accountsIn(metrics).every((account) => {
    const stored = accounts.find((entry) => entry.account === account);
    const lastReceived = metrics.value('exotel_heartbeat_last_received_timestamp_seconds', {
      account,
    });
    const timestamp = metrics.value('exotel_heartbeat_timestamp_seconds', { account });
    if (stored === undefined) return lastReceived === 0;
    return (
      stored.lastReceivedMs === Math.round(lastReceived * 1000) &&
      (stored.applied?.timestamp?.seconds ?? 0) === Math.floor(timestamp)
    );
  });
}

describe.concurrent('restart after kill -9', () => {
  it('restores status, per-SID series, affected-since and last-received', async () => {
    const stateFile = join(stateDir(), 'nested', 'state.json');
    const first = await startExporterProcess({ STATE_FILE: stateFile });
    const t1 = T0 + 60;
    const t2 = T0 + 120;
    await post(first, 'streak', {
      timestamp: iso(t1),
      status: 'WARNING',
      incoming: [SID_A, SID_B],
      outgoing: [SID_A],
      phones: PHONES,
    });
    await post(first, 'streak', {
      timestamp: iso(t2),
      status: 'CRITICAL',
      incoming: [SID_A, SID_C],
      outgoing: [SID_A],
      phones: PHONES,
    });
    await post(first, 'too-large', {
      timestamp: iso(t1),
      status: 'WARNING',
      incoming: [SID_B],
      phones: PHONES,
    });
    await post(first, 'too-large', { timestamp: iso(t2), status: 'PAYLOAD_TOO_LARGE' });
    await post(first, null, { timestamp: iso(t2), status: 'OK' });
    // An out-of-order heartbeat moves last-received only; that must survive too.
    await post(first, null, { timestamp: iso(t1), status: 'OK' });

    const before = await scrape(first.url);
    expect(before.metrics.value('exotel_state_persist_errors_total')).toBe(0);
    await waitFor('the state file to hold every heartbeat', () =>
      fileMatches(stateFile, before.metrics),
    );
    // Scraped again: `before` may predate the save the file shows (a loaded machine).
    expect(
      (await scrape(first.url)).metrics.value(
        'exotel_state_persist_last_success_timestamp_seconds',
      ),
    ).toBeGreaterThan(0);
    await first.kill9();

    const second = await startExporterProcess({ STATE_FILE: stateFile });
    const after = await scrape(second.url);
    expect(familyLines(after.text, STATE_FAMILIES)).toBe(familyLines(before.text, STATE_FAMILIES));

    // The same, spelled out, so a failure says what was lost.
    const m = after.metrics;
    expect(statusSet(m, 'streak')).toEqual(onlyStatus('CRITICAL'));
    expect(perSid(m, 'exotel_exophone_affected_since_timestamp_seconds', 'streak')).toEqual({
      [`incoming ${SID_A} ${PHONES[SID_A]}`]: t1,
      [`incoming ${SID_C} ${PHONES[SID_C]}`]: t2,
      [`outgoing ${SID_A} ${PHONES[SID_A]}`]: t1,
    });
    expect(statusSet(m, 'too-large')).toEqual(onlyStatus('PAYLOAD_TOO_LARGE'));
    expect(m.value('exotel_exophone_details_timestamp_seconds', { account: 'too-large' })).toBe(t1);
    expect(affectedCounts(m, 'too-large')).toEqual({ incoming: 1, outgoing: 0 });
    expect(statusSet(m, 'default')).toEqual(onlyStatus('OK'));
    expect(
      m.value('exotel_heartbeat_last_received_timestamp_seconds', { account: 'default' }),
    ).toBe(
      before.metrics.value('exotel_heartbeat_last_received_timestamp_seconds', {
        account: 'default',
      }),
    );
    expect(
      m.value('exotel_heartbeat_last_received_timestamp_seconds', { account: 'default' }),
    ).toBeGreaterThan(0);
    expect(m.value('exotel_state_load_errors_total')).toBe(0);

    // Ordering continues from the restored state: the old heartbeat is still old.
    expectOutcome(
      await postHeartbeat(
        heartbeatUrl(second.url, 'streak'),
        heartbeat({ timestamp: iso(t1), status: 'OK' }),
      ),
      'out_of_order',
    );
    await second.stop();
  });
});

describe.concurrent('graceful SIGTERM', () => {
  it('exits 0 within 10 s with the state flushed', async () => {
    const stateFile = join(stateDir(), 'state.json');
    const first = await startExporterProcess({ STATE_FILE: stateFile });
    await post(first, 'graceful', {
      timestamp: iso(T0),
      status: 'CRITICAL',
      incoming: [SID_A],
      phones: PHONES,
    });
    const started = Date.now();
    const exit = await first.stop();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(exit).toEqual({ code: 0, signal: null });

    const second = await startExporterProcess({ STATE_FILE: stateFile });
    const { metrics } = await scrape(second.url);
    expect(statusSet(metrics, 'graceful')).toEqual(onlyStatus('CRITICAL'));
    expect(perSid(metrics, 'exotel_exophone_affected', 'graceful')).toEqual({
      [`incoming ${SID_A} ${PHONES[SID_A]}`]: 1,
    });
    await second.stop();
  });

  it(
    'exits 0 within 10 s even while a client holds a half-sent request open',
    { timeout: 20_000 },
    async () => {
      const exporter = await startExporterProcess({ STATE_FILE: join(stateDir(), 'state.json') });
      await post(exporter, 'slow', { timestamp: iso(T0), status: 'OK' });
      // Headers never finished: the connection is busy, not idle, so only a forced close ends it.
      let written: () => void = () => undefined;
      const sent = new Promise<void>((resolve) => (written = resolve));
      const stalled = rawExchange(
        exporter.port,
        (socket) =>
          socket.write(
            'POST /heartbeat/slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n',
            () => written(),
          ),
        { timeoutMs: 15_000, untilClose: true },
      );
      await sent;
      // Connections are accepted in order: once a later one is answered, the stalled one is in.
      expect((await request(`${exporter.url}/-/healthy`)).status).toBe(200);
      const started = Date.now();
      const exit = await exporter.stop();
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(exit).toEqual({ code: 0, signal: null });
      expect((await stalled).closedByServer).toBe(true);
    },
  );
});

describe.concurrent('unusable state file', () => {
  const variants: [string, string | Buffer][] = [
    [
      'garbage bytes',
      Buffer.from([0x00, 0xff, 0xfe, 0x7b, 0x22, 0x0a, 0x89, 0x50, 0x4e, 0x47, 0x1f, 0x8b]),
    ],
    ['an empty file', ''],
    [
      'valid JSON of the wrong shape',
      JSON.stringify({ accounts: { default: 'OK' }, hello: [1, 2, 3] }),
    ],
    [
      // An entry with an unsafe SID is left out on its own: test/integration/stateFileSafety.test.ts.
      'the right envelope with accounts that are not a list',
      JSON.stringify({ format: 'exotel-heartbeat-exporter/state', version: 1, accounts: {} }),
    ],
  ];

  it.each(variants)(
    '%s: starts empty, moves the file aside, counts and logs it',
    async (_name, content) => {
      const dir = stateDir();
      const stateFile = join(dir, 'state.json');
      writeFileSync(stateFile, content);

      const exporter = await startExporterInProcess({ STATE_FILE: stateFile });
      expect((await request(`${exporter.url}/-/ready`)).status).toBe(200);
      const { metrics } = await scrape(exporter.url);
      expect(accountsIn(metrics)).toEqual(['default']);
      expect(statusSet(metrics, 'default')).toEqual(onlyStatus(null));
      expect(metrics.value('exotel_state_load_errors_total')).toBe(1);

      const aside = readdirSync(dirname(stateFile)).filter((name) =>
        name.startsWith(`${basename(stateFile)}.corrupt-`),
      );
      expect(aside).toHaveLength(1);
      expect(readFileSync(join(dir, aside[0] ?? ''))).toEqual(Buffer.from(content));
      expect(existsSync(stateFile)).toBe(false);
      const warnings = exporter.logs.filter(
        (line) => line.level === 'warn' && JSON.stringify(line).includes('.corrupt-'),
      );
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.msg).toMatch(/state file/i);

      // And it goes on saving fresh state where the bad file was.
      await post(exporter, 'fresh', { timestamp: iso(T0), status: 'OK' });
      await waitFor(
        'a fresh state file',
        () => existsSync(stateFile) && readFileSync(stateFile, 'utf8').includes('"fresh"'),
      );
      await exporter.stop();
    },
  );
});
