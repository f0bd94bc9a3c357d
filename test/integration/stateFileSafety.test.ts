/**
 * Issue 13, reproductions 4, 5 and 6: the state file at start-up.
 *
 * 4. A restored applied timestamp far in the future froze the account: every real heartbeat was
 *    answered `out_of_order`. Now times beyond FUTURE_TOLERANCE_SECONDS are clamped to the
 *    restore time, so the next real heartbeat applies. Entries a request could not have made (a
 *    bad SID) are left out, the rest restored.
 * 5. A STATE_FILE that was a directory, or unreadable, was renamed away as "corrupt". Now anything
 *    but a regular file (directory, device, FIFO) and any read error stop start-up (exit 2, a line
 *    naming STATE_FILE) and nothing is renamed.
 * 6. The file was read whole, whatever its size: a link to /dev/zero or a huge file took hundreds
 *    of MB before being set aside. Now a device is refused without reading; a regular file larger
 *    than MAX_ACCOUNTS × 36 MB + 64 KiB, or whose first 256 bytes are not a state file's, is set
 *    aside unread. The peak RSS of the process (VmHWM) is checked.
 *
 * Start-up refusals (exit 2) and peak RSS need a process of their own, which runs the built
 * exporter; EACCES, which root (this suite's CI) cannot meet on a real file, is injected through
 * the file system on an in-process exporter, and the restore rules (4) are checked in process.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startExporter } from '../../src/exporter.js';
import { encodeState } from '../helpers/encodeState.js';
import { StateFileError } from '../../src/persist/stateFile.js';
import { systemTimers } from '../../src/timers.js';
import { accountsIn, expectOutcome, onlyStatus, statusSet } from '../helpers/domain.js';
import { startExporterInProcess, stopAllInProcess } from '../helpers/exporterInProcess.js';
import { startExporterProcess, stopAll, tempDir } from '../helpers/exporterProcess.js';
import { heartbeat, iso, postHeartbeat, scrape } from '../helpers/http.js';
import { errnoError, FakeFs } from '../helpers/unit-fakeFs.js';
import { captureLogs } from '../helpers/unit-logCapture.js';

const cleanups: (() => void)[] = [];
afterAll(async () => {
  stopAll();
  await stopAllInProcess();
  for (const cleanup of cleanups) cleanup();
});

function dir(): string {
  const made = tempDir();
  cleanups.push(made.cleanup);
  return made.path;
}

/** Peak resident memory of a running process, in MiB (Linux). */
function peakRssMiB(pid: number): number {
  const line = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1]) / 1024;
}

describe('a STATE_FILE that is not a regular file', () => {
  it.each([
    [
      'a directory',
      (path: string) => mkdirSync(join(path, 'inside'), { recursive: true }),
      /is a directory/,
    ],
    [
      'a link to /dev/zero',
      (path: string) => symlinkSync('/dev/zero', path),
      /is a character device/,
    ],
    [
      'a link to /dev/full',
      (path: string) => symlinkSync('/dev/full', path),
      /is a character device/,
    ],
    ['a FIFO', (path: string) => execFileSync('mkfifo', [path]), /is a FIFO/],
  ])('%s stops start-up naming STATE_FILE, and nothing is renamed', async (_name, make, why) => {
    const parent = dir();
    const path = join(parent, 'state.json');
    make(path);
    const before = readdirSync(parent);
    const failure = await startExporterProcess({ STATE_FILE: path }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toContain('(code 2,');
    expect(message).toContain(`invalid configuration: --state.file/STATE_FILE "${path}"`);
    expect(message).toMatch(why);
    expect(readdirSync(parent)).toEqual(before);
  });

  it('a file that cannot be read (EACCES) stops start-up, and is neither renamed nor changed', async () => {
    const path = join(dir(), 'state.json');
    const content = encodeState(new Map());
    writeFileSync(path, content);
    const fake = new FakeFs();
    fake.failOn('open', errnoError('EACCES', `EACCES: permission denied, open '${path}'`));
    const logs = captureLogs();
    const started = startExporter({
      config: loadConfig({ PORT: '0', HOST: '127.0.0.1', STATE_FILE: path }),
      clock: { now: () => Date.now() },
      logger: logs.logger,
      fs: fake.fs,
      build: { version: 'test', revision: 'test', nodejsVersion: 'test' },
      replica: 'test',
      fetch,
      timers: systemTimers,
      random: () => 0.5,
      runbookPath: fileURLToPath(new URL('../../docs/runbook.md', import.meta.url)),
    });
    await expect(started).rejects.toBeInstanceOf(StateFileError);
    await expect(started).rejects.toThrow(
      /^invalid configuration: --state.file\/STATE_FILE .* cannot be opened: EACCES/,
    );
    expect(fake.ops('rename')).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe(content);
  });
});

describe('a huge or stray state file', () => {
  it.each([
    // MAX_ACCOUNTS=1: the limit is 36,000,000 + 65,536 bytes; 1 GiB is over it, unread.
    ['over the limit MAX_ACCOUNTS allows', { MAX_ACCOUNTS: '1' }, 'larger than 36065536 bytes'],
    // Under the default limit (3.6 GB) but not a state file: 256 bytes are read, not 1 GiB.
    ['that does not begin like a state file', {}, 'does not begin like a state file'],
  ])('(1 GiB) %s is set aside in bounded memory', async (name, env, problem) => {
    const parent = dir();
    const path = join(parent, 'state.json');
    writeFileSync(path, '');
    truncateSync(path, 1024 ** 3); // sparse: no disk used
    const exporter = await startExporterProcess({ STATE_FILE: path, ...env });
    try {
      const peak = peakRssMiB(exporter.child.pid ?? 0);
      console.log(`start-up against a 1 GiB state file ${name}: peak RSS ${peak.toFixed(1)} MiB`);
      expect(peak).toBeLessThan(150);
      expect(existsSync(path)).toBe(false);
      expect(readdirSync(parent).filter((n) => n.startsWith('state.json.corrupt-'))).toHaveLength(
        1,
      );
      const metrics = (await scrape(exporter.url)).metrics;
      expect(metrics.value('exotel_state_load_errors_total')).toBe(1);
      expect(exporter.logs.some((l) => JSON.stringify(l).includes(problem))).toBe(true);
    } finally {
      await exporter.stop();
    }
  });

  it('under the limit and beginning like one, is read (to its size) and set aside when it does not parse', async () => {
    const parent = dir();
    const path = join(parent, 'state.json');
    const head = '{"format":"exotel-heartbeat-exporter/state","version":1,"accounts":[';
    writeFileSync(path, `${head}${'x'.repeat(30 * 1024 * 1024)}`);
    const exporter = await startExporterProcess({ STATE_FILE: path, MAX_ACCOUNTS: '1' });
    try {
      const peak = peakRssMiB(exporter.child.pid ?? 0);
      console.log(
        `start-up against a 30 MiB unparsable state file: peak RSS ${peak.toFixed(1)} MiB`,
      );
      expect(peak).toBeLessThan(250);
      expect(readdirSync(parent).filter((n) => n.startsWith('state.json.corrupt-'))).toHaveLength(
        1,
      );
      expect(exporter.logs.some((l) => JSON.stringify(l).includes('not valid JSON'))).toBe(true);
    } finally {
      await exporter.stop();
    }
  });
});

describe('a restored state goes through the rules a request meets', () => {
  const nowMs = Date.now();
  const yearAheadSeconds = Math.floor(nowMs / 1000) + 365 * 86_400;

  it('a far-future timestamp does not freeze the account: the next real heartbeat applies', async () => {
    const path = join(dir(), 'state.json');
    writeFileSync(
      path,
      encodeState(
        new Map([
          [
            'acme',
            {
              applied: { timestamp: { seconds: yearAheadSeconds, nanos: 0 }, status: 'OK' },
              details: {
                timestamp: { seconds: yearAheadSeconds, nanos: 0 },
                since: {
                  incoming: new Map([['07930061010', yearAheadSeconds]]),
                  outgoing: new Map(),
                },
                phones: new Map(),
              },
              lastReceivedMs: yearAheadSeconds * 1000,
            },
          ],
        ]),
      ),
    );
    const exporter = await startExporterInProcess({ STATE_FILE: path });
    try {
      const restored = (await scrape(exporter.url)).metrics;
      const received = restored.value('exotel_heartbeat_last_received_timestamp_seconds', {
        account: 'acme',
      });
      // Clamped to the restore time, so ExotelHeartbeatMissing is not held off for a year.
      expect(received).toBeLessThan(Date.now() / 1000 + 1);
      expect(received).toBeGreaterThanOrEqual(nowMs / 1000 - 1);

      const now = Math.floor(Date.now() / 1000) + 1;
      const critical = heartbeat({
        timestamp: iso(now),
        status: 'CRITICAL',
        incoming: ['07930061010'],
      });
      expectOutcome(await postHeartbeat(`${exporter.url}/heartbeat/acme`, critical), 'applied');
      expect(statusSet((await scrape(exporter.url)).metrics, 'acme')).toEqual(
        onlyStatus('CRITICAL'),
      );
      expect(
        exporter.logs.some(
          (l) =>
            l.msg.includes('beyond FUTURE_TOLERANCE_SECONDS') && JSON.stringify(l).includes('acme'),
        ),
      ).toBe(true);
    } finally {
      await exporter.stop();
    }
  });

  it('an entry with an invalid SID or account name is left out; the others are restored', async () => {
    const parent = dir();
    const path = join(parent, 'state.json');
    const good = JSON.parse(
      encodeState(
        new Map([
          [
            'acme',
            {
              applied: { timestamp: { seconds: 1_700_000_000, nanos: 0 }, status: 'WARNING' },
              details: null,
              lastReceivedMs: nowMs,
            },
          ],
          [
            'beta',
            {
              applied: { timestamp: { seconds: 1_700_000_000, nanos: 0 }, status: 'OK' },
              details: null,
              lastReceivedMs: nowMs,
            },
          ],
        ]),
      ),
    ) as { accounts: Record<string, unknown>[] };
    good.accounts.push({
      ...good.accounts[0],
      account: 'gamma',
      details: {
        timestamp: { seconds: 1, nanos: 0 },
        incoming: [['bad sid"', 1]],
        outgoing: [],
        phones: [],
      },
    });
    good.accounts.push({ ...good.accounts[0], account: 'Not An Account' });
    writeFileSync(path, JSON.stringify(good));
    const exporter = await startExporterInProcess({ STATE_FILE: path });
    try {
      const metrics = (await scrape(exporter.url)).metrics;
      expect(accountsIn(metrics)).toEqual(['acme', 'beta', 'default']);
      expect(statusSet(metrics, 'acme')).toEqual(onlyStatus('WARNING'));
      expect(metrics.value('exotel_accounts_removed_total', { reason: 'invalid_state' })).toBe(2);
      expect(metrics.value('exotel_state_load_errors_total')).toBe(0);
      const refusals = exporter.logs.filter((l) => l.msg.includes('breaks the rules'));
      expect(refusals.map((l) => l['index'])).toEqual([2, 3]);
      expect(JSON.stringify(refusals)).not.toContain('bad sid');
      expect(readdirSync(parent).some((n) => n.includes('.corrupt-'))).toBe(false);
    } finally {
      await exporter.stop();
    }
  });
});
