/**
 * Disk faults with the whole exporter in-process (startExporter, real HTTP) and an injected
 * failing file system: a failing write or rename keeps the old state file, the exporter keeps
 * answering and serving the new state from memory, every failure is counted in
 * exotel_state_persist_errors_total, the error is logged once per minute (injected clock), and
 * the save is retried by timer (injected timers) until the disk works again.
 */
import { fileURLToPath } from 'node:url';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startExporter, type RunningExporter } from '../../src/exporter.js';
import { sweepIntervalMs } from '../../src/state/expirySweep.js';
import type { Timers } from '../../src/timers.js';
import { expectOutcome, onlyStatus, statusSet } from '../helpers/domain.js';
import { heartbeat, iso, postHeartbeat, scrape, T0, waitFor } from '../helpers/http.js';
import { errnoError, FakeFs } from '../helpers/unit-fakeFs.js';
import { captureLogs } from '../helpers/unit-logCapture.js';

/**
 * Timers that fire only when the test says so. The account-expiry sweep's wait (its own interval)
 * is left waiting and not counted: these tests are about the save retries.
 */
class ManualTimers implements Timers {
  private waiting: (() => void)[] = [];
  constructor(private readonly ignoredMs: number) {}
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms === this.ignoredMs) {
      return new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(new Error('aborted')));
      });
    }
    return new Promise((resolve, reject) => {
      this.waiting.push(resolve);
      signal?.addEventListener('abort', () => {
        this.waiting = this.waiting.filter((w) => w !== resolve);
        reject(new Error('aborted'));
      });
    });
  }
  get pending(): number {
    return this.waiting.length;
  }
  fireAll(): void {
    const due = this.waiting;
    this.waiting = [];
    for (const resolve of due) resolve();
  }
}

let dir: string;
let stateFile: string;
let exporter: RunningExporter;
let url: string;
const fake = new FakeFs();
const logs = captureLogs();
const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', STATE_FILE: '' });
const timers = new ManualTimers(sweepIntervalMs(config));
const clock = { ms: Date.UTC(2024, 0, 2), now: () => clock.ms };
let failing = false;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'exotel-disk-faults-'));
  stateFile = join(dir, 'state.json');
  fake.failOn(
    'rename',
    errnoError('ENOSPC', 'ENOSPC: no space left on device'),
    () => failing,
    1e9,
  );
  fake.failOn('write', errnoError('EIO', 'EIO: i/o error'), () => failing, 1e9);
  exporter = await startExporter({
    config: loadConfig({ PORT: '0', HOST: '127.0.0.1', STATE_FILE: stateFile }),
    clock,
    logger: logs.logger,
    fs: fake.fs,
    build: { version: 'test', revision: 'test', nodejsVersion: 'test' },
    replica: 'test',
    fetch,
    timers,
    random: () => 0.5,
    runbookPath: fileURLToPath(new URL('../../docs/runbook.md', import.meta.url)),
  });
  url = `http://127.0.0.1:${exporter.address.port}`;
});

afterAll(async () => {
  failing = false;
  await exporter.close();
  await rm(dir, { recursive: true, force: true });
});

const post = (t: number, status: 'OK' | 'WARNING' | 'CRITICAL') =>
  postHeartbeat(`${url}/heartbeat/disk`, heartbeat({ timestamp: iso(t), status }));
const persistErrors = async () =>
  (await scrape(url)).metrics.value('exotel_state_persist_errors_total');
const errorLines = () => logs.lines().filter((line) => line['level'] === 'error');

describe('disk errors while saving, in-process', () => {
  it('keeps serving, keeps the old file, counts each failure, logs once a minute, then recovers', async () => {
    expectOutcome(await post(T0, 'OK'), 'applied');
    await waitFor(
      'the first save',
      async () => (await persistErrors()) === 0 && fake.ops('rename').length === 1,
    );
    const good = await readFile(stateFile, 'utf8');

    failing = true;
    // Rename fails (ENOSPC), then a write fails (EIO): both are save failures.
    for (const [i, status] of (['WARNING', 'CRITICAL', 'WARNING'] as const).entries()) {
      expectOutcome(await post(T0 + 60 * (i + 1), status), 'applied');
      await waitFor(`failure ${i + 1}`, async () => (await persistErrors()) >= i + 1);
    }
    const failures = await persistErrors();
    expect(failures).toBeGreaterThanOrEqual(3);
    // Served from memory: the newest heartbeat is what /metrics shows.
    expect(statusSet((await scrape(url)).metrics, 'disk')).toEqual(onlyStatus('WARNING'));
    expect((await fetch(`${url}/-/ready`)).status).toBe(200);
    // The old file, whole; no temp file left behind.
    expect(await readFile(stateFile, 'utf8')).toBe(good);
    await expect(readFile(`${stateFile}.tmp`, 'utf8')).rejects.toThrow(/ENOENT/);
    // One error line for all of them (the clock has not moved a minute); no state in the log.
    expect(errorLines()).toHaveLength(1);
    expect(JSON.stringify(errorLines()[0])).toMatch(/ENOSPC|EIO/);
    expect(JSON.stringify(logs.lines())).not.toContain('"status_type"');

    // A minute later, the next failure is logged again, with the count held back.
    clock.ms += 61_000;
    expect(timers.pending).toBe(1);
    timers.fireAll();
    await waitFor('the retry to fail', async () => (await persistErrors()) === failures + 1);
    expect(errorLines()).toHaveLength(2);
    expect(errorLines()[1]?.['suppressed']).toBe(failures - 1);

    // The disk recovers: the retry timer saves the newest state without a new heartbeat.
    failing = false;
    timers.fireAll();
    await waitFor('the retry to succeed', async () => (await readFile(stateFile, 'utf8')) !== good);
    expect(await persistErrors()).toBe(failures + 1);
    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as {
      accounts: { account: string; applied: { status: string } }[];
    };
    expect(saved.accounts.find((a) => a.account === 'disk')?.applied.status).toBe('WARNING');
    expect(logs.lines().some((l) => l['msg'] === 'saving state works again')).toBe(true);
    expect(timers.pending).toBe(0);
  });
});
