import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Persister } from '../../src/persist/persister.js';
import { writeFileAtomic } from '../../src/persist/stateFile.js';
import { errnoError, FakeFs } from '../helpers/unit-fakeFs.js';
import { captureLogs } from '../helpers/unit-logCapture.js';

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'exotel-unit-persister-'));
  path = join(dir, 'state.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Lets setImmediate callbacks and promise chains run. */
async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

function setup() {
  const fake = new FakeFs();
  const logs = captureLogs();
  let current = 'v0';
  let clockMs = 1_000_000;
  const serialize = vi.fn(() => current);
  const onSuccess = vi.fn();
  const onFailure = vi.fn();
  const persister = new Persister({
    serialize,
    write: (data) => writeFileAtomic(fake.fs, path, data),
    clock: {
      now: () => {
        clockMs += 250;
        return clockMs;
      },
    },
    logger: logs.logger,
    onSuccess,
    onFailure,
  });
  const targetRenames = () => fake.ops('rename').filter((call) => call.arg === path);
  return {
    fake,
    logs,
    persister,
    serialize,
    onSuccess,
    onFailure,
    targetRenames,
    setState: (value: string) => {
      current = value;
    },
  };
}

describe('Persister', () => {
  it('writes off the caller’s turn, never synchronously', async () => {
    const { persister, fake } = setup();
    persister.schedule();
    expect(fake.calls).toEqual([]);
    await persister.flush();
    expect(await readFile(path, 'utf8')).toBe('v0');
  });

  it('coalesces 10 schedule() calls during one write into at most one more write, of the latest state', async () => {
    const { persister, fake, serialize, targetRenames, setState, onSuccess } = setup();
    const pause = fake.pauseOn('rename');
    persister.schedule();
    await pause.reached;
    for (let i = 1; i <= 10; i++) {
      setState(`v${i}`);
      persister.schedule();
    }
    pause.release();
    await persister.flush();
    const renames = targetRenames();
    expect(renames.length).toBeGreaterThanOrEqual(1);
    expect(renames.length).toBeLessThanOrEqual(2);
    expect(serialize).toHaveBeenCalledTimes(renames.length);
    expect(serialize.mock.results.at(-1)?.value).toBe('v10');
    expect(await readFile(path, 'utf8')).toBe('v10');
    expect(onSuccess).toHaveBeenCalledTimes(renames.length);
  });

  it('saves again when the state changes while a serialize in steps is under way', async () => {
    const fake = new FakeFs();
    let current = 'v0';
    let encoding: () => void = () => undefined;
    const serialize = vi.fn((): Promise<string> => {
      const snapshot = current; // taken when serialize starts, as the exporter's is
      return new Promise((resolve) => {
        encoding = () => resolve(snapshot);
      });
    });
    const persister = new Persister({
      serialize,
      write: (data) => writeFileAtomic(fake.fs, path, data),
      clock: { now: () => 0 },
      logger: captureLogs().logger,
      onSuccess: () => undefined,
      onFailure: () => undefined,
    });
    persister.schedule();
    await settle();
    expect(serialize).toHaveBeenCalledTimes(1);
    current = 'v1';
    persister.schedule();
    encoding();
    await vi.waitFor(() => expect(serialize).toHaveBeenCalledTimes(2));
    encoding();
    await persister.flush();
    expect(serialize).toHaveBeenCalledTimes(2);
    expect(await readFile(path, 'utf8')).toBe('v1');
  });

  it('collapses a burst before the first write into one write', async () => {
    const { persister, targetRenames, setState } = setup();
    for (let i = 0; i < 10; i++) {
      setState(`burst${i}`);
      persister.schedule();
    }
    await persister.flush();
    expect(targetRenames()).toHaveLength(1);
    expect(await readFile(path, 'utf8')).toBe('burst9');
  });

  it('flush() waits for the write in progress', async () => {
    const { persister, fake } = setup();
    const pause = fake.pauseOn('rename');
    persister.schedule();
    await pause.reached;
    let flushed = false;
    const flushing = persister.flush().then(() => {
      flushed = true;
    });
    await settle();
    expect(flushed).toBe(false);
    pause.release();
    await flushing;
    expect(flushed).toBe(true);
    expect(await readFile(path, 'utf8')).toBe('v0');
  });

  it('flush() also waits for the follow-up write scheduled during a write', async () => {
    const { persister, fake, setState } = setup();
    const pause = fake.pauseOn('rename');
    persister.schedule();
    await pause.reached;
    setState('later');
    persister.schedule();
    const flushing = persister.flush();
    pause.release();
    await flushing;
    expect(await readFile(path, 'utf8')).toBe('later');
  });

  it('flush() with nothing scheduled resolves at once', async () => {
    const { persister, fake } = setup();
    await persister.flush();
    expect(fake.calls).toEqual([]);
  });

  it('reports success with the clock’s time and the duration', async () => {
    const { persister, onSuccess, onFailure } = setup();
    persister.schedule();
    await persister.flush();
    // the fake clock advances 250 ms per read: started at 1_000_250, finished at 1_000_500
    expect(onSuccess).toHaveBeenCalledExactlyOnceWith(1_000_500, 250);
    expect(onFailure).not.toHaveBeenCalled();
  });

  it('reports a failed write, logs it, keeps the old file, and retries on the next schedule()', async () => {
    const { persister, fake, logs, onFailure, onSuccess, setState } = setup();
    persister.schedule();
    await persister.flush();
    expect(await readFile(path, 'utf8')).toBe('v0');
    onSuccess.mockClear();

    fake.failOn('rename', errnoError('ENOSPC', 'ENOSPC: no space left on device'));
    setState('v1');
    persister.schedule();
    await persister.flush();
    expect(onFailure).toHaveBeenCalledTimes(1);
    expect(onSuccess).not.toHaveBeenCalled();
    expect(await readFile(path, 'utf8')).toBe('v0');

    const errors = logs.lines().filter((line) => line['level'] === 'error');
    expect(errors).toHaveLength(1);
    const [line] = errors;
    expect(line?.['msg']).toMatch(/sav/i);
    expect((line?.['err'] as { message?: unknown } | undefined)?.message).toBe(
      'ENOSPC: no space left on device',
    );
    expect(JSON.stringify(line)).not.toContain('v1'); // the state itself is never logged

    setState('v2');
    persister.schedule();
    await persister.flush();
    expect(onSuccess).toHaveBeenCalledTimes(1);
    expect(onFailure).toHaveBeenCalledTimes(1);
    expect(await readFile(path, 'utf8')).toBe('v2');
  });

  it('never throws from schedule(), even when serialize() throws', async () => {
    const { persister, serialize, onFailure, logs } = setup();
    serialize.mockImplementationOnce(() => {
      throw new Error('cannot serialize');
    });
    expect(() => persister.schedule()).not.toThrow();
    await persister.flush();
    expect(onFailure).toHaveBeenCalledTimes(1);
    const errors = logs.lines().filter((line) => line['level'] === 'error');
    expect((errors[0]?.['err'] as { message?: unknown } | undefined)?.message).toBe(
      'cannot serialize',
    );

    persister.schedule();
    await persister.flush();
    expect(await readFile(path, 'utf8')).toBe('v0');
  });

  it('logs a non-Error rejection as an Error', async () => {
    const { persister, fake, onFailure, logs } = setup();
    fake.failOn('write', 'plain string failure');
    persister.schedule();
    await persister.flush();
    expect(onFailure).toHaveBeenCalledTimes(1);
    const errors = logs.lines().filter((line) => line['level'] === 'error');
    expect((errors[0]?.['err'] as { message?: unknown } | undefined)?.message).toBe(
      'plain string failure',
    );
  });
});
