/**
 * Crash safety with real processes: 100 × `kill -9` at random moments while state is being saved
 * (a small process around the real save path), and 8 kills of the real exporter mid-stream. The
 * state file is always exactly one whole version that was written (never torn, never a mix), and
 * a restart serves it. Then SIGTERM during a 10 MB ingest: the request
 * completes with 200, the state is flushed, the exit code is 0.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeState } from '../../src/persist/snapshotCodec.js';
import { encodeState } from '../helpers/encodeState.js';
import { expectOutcome, onlyStatus, statusSet } from '../helpers/domain.js';
import { startExporterProcess, stopAll, tempDir } from '../helpers/exporterProcess.js';
import { heartbeat, iso, postHeartbeat, scrape, T0 } from '../helpers/http.js';
import { detailMaps, detailsFromMaps } from '../helpers/detailMaps.js';

const dirs: (() => void)[] = [];
afterAll(() => {
  stopAll();
  for (const cleanup of dirs) cleanup();
});

const SIDS_PER_VERSION = 200;
const sidsOf = (v: number) => Array.from({ length: SIDS_PER_VERSION }, (_, i) => `v${v}s${i}`);

/**
 * The version a state file holds, checked to be whole and self-consistent (timestamp, status and
 * all 200 SIDs of one and the same version); null: no file yet. `offset` is the version's
 * timestamp at version 0.
 */
function versionOnDisk(stateFile: string, offset: number): number | null {
  if (!existsSync(stateFile)) return null;
  const decoded = decodeState(readFileSync(stateFile, 'utf8'));
  if (!decoded.ok) throw new Error(`torn or invalid state file: ${decoded.detail}`);
  const state = decoded.accounts.get('crash');
  if (state?.applied == null || state.details == null) throw new Error('no crash account in file');
  const v = state.applied.timestamp.seconds - offset;
  expect(state.applied.status).toBe(v % 2 === 0 ? 'WARNING' : 'CRITICAL');
  expect(state.details.timestamp.seconds - offset).toBe(v);
  expect([...detailMaps(state.details).since.incoming.keys()].sort()).toEqual(sidsOf(v).sort());
  return v;
}

interface Tally {
  kills: number;
  advanced: number;
  tempLeft: number;
}

const CHILD = fileURLToPath(new URL('../helpers/persistChild.js', import.meta.url));
const SENTINEL = 777_777_777;

/** The child's template: the real encoder's output for one version, with the version marked. */
function writeTemplate(path: string): void {
  const timestamp = { seconds: SENTINEL, nanos: 0 };
  const text = encodeState(
    new Map([
      [
        'crash',
        {
          applied: { timestamp, status: 'WARNING' },
          details: detailsFromMaps({
            timestamp,
            since: {
              incoming: new Map(sidsOf(SENTINEL).map((sid) => [sid, SENTINEL])),
              outgoing: new Map(),
            },
            phones: new Map(),
          }),
          lastReceivedMs: SENTINEL * 1000,
        },
      ],
    ]),
  );
  writeFileSync(
    path,
    text.replaceAll(String(SENTINEL), 'VERSION').replaceAll('"WARNING"', '"STATUS"'),
  );
}

/** Starts the save loop at `first`, kills it with SIGKILL 10–100 ms after it is up. */
async function killDuringSaves(stateFile: string, template: string, first: number): Promise<void> {
  const child = spawn(process.execPath, [CHILD, stateFile, template, String(first)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // None of this process's environment: NODE_OPTIONS or NODE_EXTRA_CA_CERTS (a CA bundle to
    // parse) would cost each of the 100 starts time the save path does not need.
    env: { PATH: process.env['PATH'] ?? '' },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 90));
  child.kill('SIGKILL');
  await exited;
}

describe('kill -9 during persistence', () => {
  it(
    'leaves a whole old or whole new state file in each of 100 kills',
    { timeout: 60_000 },
    async () => {
      const tally: Tally = { kills: 0, advanced: 0, tempLeft: 0 };
      const worker = async () => {
        const dir = tempDir('exotel-crash-');
        dirs.push(dir.cleanup);
        const stateFile = join(dir.path, 'state.json');
        const template = join(dir.path, 'template.json');
        writeTemplate(template);
        let onDisk: number | null = null;
        let next = 0;
        for (let i = 0; i < 25; i++) {
          await killDuringSaves(stateFile, template, next);
          tally.kills++;
          if (existsSync(`${stateFile}.tmp`)) tally.tempLeft++;
          const now = versionOnDisk(stateFile, 0);
          if (now !== null) {
            // Only versions this run wrote, never older than what was already on disk.
            if (onDisk !== null) expect(now).toBeGreaterThanOrEqual(onDisk);
            // …and otherwise one this run wrote (it starts at `next` + 1).
            if (now !== onDisk) expect(now).toBeGreaterThan(next);
            if (now !== onDisk) tally.advanced++;
            next = now + 1_000_000; // the next run's versions are all distinct from this one's
          }
          onDisk = now;
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      expect(tally.kills).toBe(100);
      // The kills landed while saves were happening: the file moved on in many iterations, and
      // some kills left a half-written temp file beside the (whole) real one.
      expect(tally.advanced).toBeGreaterThanOrEqual(30);
      console.log(
        `kill -9 ×${tally.kills}: state file advanced ${tally.advanced} times; ` +
          `${tally.tempLeft} kills left a partial temp file; the state file was whole every time`,
      );
    },
  );

  it(
    'a killed exporter restarts serving exactly the version on disk (8 kills of the real process)',
    { timeout: 60_000 },
    async () => {
      const worker = async () => {
        const dir = tempDir('exotel-crash-');
        dirs.push(dir.cleanup);
        const stateFile = join(dir.path, 'state.json');
        let next = 1;
        let onDisk: number | null = null;
        for (let i = 0; i < 4; i++) {
          const exporter = await startExporterProcess({ STATE_FILE: stateFile });
          if (onDisk !== null) {
            const text = await (await fetch(`${exporter.url}/metrics`)).text();
            expect(text).toContain(
              `exotel_heartbeat_timestamp_seconds{account="crash"} ${T0 + onDisk}`,
            );
          }
          const sent = new Set<number>(onDisk === null ? [] : [onDisk]);
          const run = { killed: false };
          const stream = (async () => {
            while (!run.killed) {
              const v = next++;
              sent.add(v);
              const body = heartbeat({
                timestamp: iso(T0 + v),
                status: v % 2 === 0 ? 'WARNING' : 'CRITICAL',
                incoming: sidsOf(v),
              });
              try {
                await postHeartbeat(`${exporter.url}/heartbeat/crash`, body);
              } catch {
                return; // the process died mid-request
              }
            }
          })();
          await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
          run.killed = true;
          await exporter.kill9();
          await stream;
          const now = versionOnDisk(stateFile, T0);
          if (now !== null) {
            expect(sent.has(now)).toBe(true);
            if (onDisk !== null) expect(now).toBeGreaterThanOrEqual(onDisk);
          }
          onDisk = now;
        }
        expect(onDisk).not.toBeNull();
      };
      await Promise.all([worker(), worker()]);
    },
  );
});

describe('SIGTERM during a 10 MB ingest', () => {
  it(
    'completes the request with 200, flushes the state, and exits 0',
    { timeout: 30_000 },
    async () => {
      const dir = tempDir('exotel-sigterm-');
      dirs.push(dir.cleanup);
      const stateFile = join(dir.path, 'state.json');
      const exporter = await startExporterProcess({ STATE_FILE: stateFile });
      const body = JSON.stringify(
        heartbeat({ timestamp: iso(T0 + 5), status: 'CRITICAL', incoming: ['07930061010'] }),
      );
      const padded = Buffer.from(`${body.slice(0, -1)}${' '.repeat(10_000_000 - body.length)}}`);
      // Send the body in slices so SIGTERM certainly arrives while it is being read.
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          const slice = 1_000_000;
          for (let offset = 0; offset < padded.length; offset += slice) {
            controller.enqueue(padded.subarray(offset, offset + slice));
            if (offset === 2 * slice) {
              exporter.child.kill('SIGTERM');
            }
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          controller.close();
        },
      });
      const answer = await fetch(`${exporter.url}/heartbeat/big`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(padded.length) },
        body: stream,
        duplex: 'half',
      });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ result: 'applied' });
      expect(await exporter.exited).toEqual({ code: 0, signal: null });
      expect(exporter.logs.some((l) => l.msg === 'shutting down')).toBe(true);

      const restarted = await startExporterProcess({ STATE_FILE: stateFile });
      expect(statusSet((await scrape(restarted.url)).metrics, 'big')).toEqual(
        onlyStatus('CRITICAL'),
      );
      expectOutcome(
        await postHeartbeat(
          `${restarted.url}/heartbeat/big`,
          heartbeat({ timestamp: iso(T0 + 5), status: 'CRITICAL', incoming: ['07930061010'] }),
        ),
        'duplicate',
      );
      await restarted.stop();
    },
  );
});
