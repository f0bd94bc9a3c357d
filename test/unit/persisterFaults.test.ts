/**
 * Disk faults with an injected failing fs, clock and timers: the old file is kept, every failure
 * is counted, the error log is throttled to one line a minute, and a failed save is retried with
 * backoff without waiting for the next heartbeat.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Timers } from '../../src/timers.js';
import { Persister, RETRY_FIRST_MS, RETRY_MAX_MS } from '../../src/persist/persister.js';
import { writeFileAtomic } from '../../src/persist/stateFile.js';
import { errnoError, FakeFs } from '../helpers/unit-fakeFs.js';
import { captureLogs } from '../helpers/unit-logCapture.js';

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'exotel-unit-faults-'));
  path = join(dir, 'state.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Timers that only fire when the test says so; records every requested delay. */
class ManualTimers implements Timers {
  readonly delays: number[] = [];
  private waiting: { resolve: () => void; signal: AbortSignal | undefined }[] = [];

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.delays.push(ms);
    return new Promise((resolve, reject) => {
      const entry = { resolve, signal };
      signal?.addEventListener('abort', () => {
        this.waiting = this.waiting.filter((w) => w !== entry);
        reject(new Error('aborted'));
      });
      this.waiting.push(entry);
    });
  }

  get pending(): number {
    return this.waiting.length;
  }

  fireAll(): void {
    const due = this.waiting;
    this.waiting = [];
    for (const w of due) w.resolve();
  }
}

/** Waits (real time, no fixed sleeps) until `condition` holds; the file system is real. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function setup() {
  const fake = new FakeFs();
  const logs = captureLogs();
  const timers = new ManualTimers();
  const clock = { ms: 1_000_000, now: () => clock.ms };
  let current = 'v0';
  const onSuccess = vi.fn();
  const onFailure = vi.fn();
  const persister = new Persister({
    serialize: () => current,
    write: (data) => writeFileAtomic(fake.fs, path, data),
    clock,
    logger: logs.logger,
    onSuccess,
    onFailure,
    timers,
  });
  const errors = () => logs.lines().filter((line) => line['level'] === 'error');
  return {
    fake,
    logs,
    timers,
    clock,
    persister,
    onSuccess,
    onFailure,
    errors,
    set: (v: string) => (current = v),
  };
}

const enospc = () => errnoError('ENOSPC', 'ENOSPC: no space left on device');

describe('persistence faults', () => {
  it.each(['write', 'sync', 'rename', 'open', 'mkdir'] as const)(
    'a failing %s keeps the old file whole, counts the failure, and the temp file is gone',
    async (op) => {
      const { persister, fake, onFailure, set } = setup();
      persister.schedule();
      await persister.flush();
      expect(await readFile(path, 'utf8')).toBe('v0');
      fake.failOn(op, op === 'rename' ? errnoError('EXDEV', 'EXDEV: cross-device') : enospc());
      set('v1');
      persister.schedule();
      await until(() => onFailure.mock.calls.length === 1);
      expect(await readFile(path, 'utf8')).toBe('v0');
      await expect(readFile(`${path}.tmp`, 'utf8')).rejects.toThrow(/ENOENT/);
    },
  );

  it('logs once a minute with a suppressed count, retries with backoff, and recovers', async () => {
    const { persister, fake, timers, clock, onFailure, onSuccess, errors, logs, set } = setup();
    persister.schedule();
    await until(() => onSuccess.mock.calls.length === 1);
    expect(await readFile(path, 'utf8')).toBe('v0');

    fake.failOn('rename', enospc(), () => true, 4);
    set('v1');
    persister.schedule();
    await until(() => onFailure.mock.calls.length === 1 && timers.pending === 1);
    expect(onFailure).toHaveBeenCalledTimes(1);
    expect(errors()).toHaveLength(1);
    expect(errors()[0]).toMatchObject({ failures: 1, retryInMs: RETRY_FIRST_MS, suppressed: 0 });
    expect(timers.pending).toBe(1);

    // A new heartbeat 1 s later fails too: counted, not logged, and the retry is pushed back.
    clock.ms += 1_000;
    set('v2');
    persister.schedule();
    await until(() => onFailure.mock.calls.length === 2 && timers.pending === 1);
    expect(onFailure).toHaveBeenCalledTimes(2);
    expect(errors()).toHaveLength(1);
    expect(timers.pending).toBe(1);

    // The timer retries on its own (no new heartbeat needed).
    clock.ms += 10_000;
    timers.fireAll();
    await until(() => onFailure.mock.calls.length === 3 && timers.pending === 1);
    expect(onFailure).toHaveBeenCalledTimes(3);
    expect(errors()).toHaveLength(1);
    expect(timers.delays).toEqual([RETRY_FIRST_MS, 2 * RETRY_FIRST_MS, 4 * RETRY_FIRST_MS]);

    // Past the minute, the next failure is logged again with what was held back.
    clock.ms += 60_000;
    timers.fireAll();
    await until(() => onFailure.mock.calls.length === 4 && timers.pending === 1);
    expect(onFailure).toHaveBeenCalledTimes(4);
    expect(errors()).toHaveLength(2);
    expect(errors()[1]).toMatchObject({ failures: 4, suppressed: 2 });
    expect(await readFile(path, 'utf8')).toBe('v0');
    expect(onSuccess).toHaveBeenCalledTimes(1);

    // The disk recovers: the next retry writes the latest state, and that is said once.
    timers.fireAll();
    await until(() => onSuccess.mock.calls.length === 2);
    expect(await readFile(path, 'utf8')).toBe('v2');
    expect(onSuccess).toHaveBeenCalledTimes(2);
    expect(timers.pending).toBe(0);
    expect(logs.lines().filter((l) => l['msg'] === 'saving state works again')).toHaveLength(1);
    expect(JSON.stringify(logs.lines())).not.toContain('v2'); // the state is never logged
  });

  it('caps the backoff at 5 minutes', () => {
    expect(Persister.retryDelayMs(1)).toBe(RETRY_FIRST_MS);
    expect(Persister.retryDelayMs(2)).toBe(2 * RETRY_FIRST_MS);
    expect(Persister.retryDelayMs(7)).toBe(RETRY_MAX_MS);
    expect(Persister.retryDelayMs(1_000)).toBe(RETRY_MAX_MS);
  });

  it('flush() (shutdown) tries a pending retry at once instead of waiting for its timer', async () => {
    const { persister, fake, timers, onFailure, set } = setup();
    fake.failOn('rename', enospc());
    set('v1');
    persister.schedule();
    await until(() => onFailure.mock.calls.length === 1 && timers.pending === 1);
    expect(onFailure).toHaveBeenCalledTimes(1);
    expect(timers.pending).toBe(1);
    await persister.flush();
    expect(await readFile(path, 'utf8')).toBe('v1');
    expect(timers.pending).toBe(0);
  });

  it('flush() on a disk that stays broken reports the failure and leaves no timer behind', async () => {
    const { persister, fake, timers, onFailure } = setup();
    fake.failOn('open', enospc(), () => true, 2);
    persister.schedule();
    await until(() => onFailure.mock.calls.length === 1 && timers.pending === 1);
    await persister.flush();
    expect(onFailure).toHaveBeenCalledTimes(2);
    expect(timers.pending).toBe(0);
  });
});
