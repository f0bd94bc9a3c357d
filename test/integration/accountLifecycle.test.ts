/**
 * Issue 13, reproductions 2 and 3, on the whole exporter (in process, as main.ts starts
 * it) with a real state file:
 *
 * 2. An account, once created, could never go: a typo'd URL or a rehearsal left an account that
 *    was saved, restored for ever and paged ExotelHeartbeatMissing. Now an operator removes it
 *    (DELETE /api/v1/accounts/<account>, as protected as /metrics), the removal is saved, and
 *    rehearsal accounts expire on their own before the absence alert could fire.
 * 3. An account named like a webhook token (posted while the webhook was open) came back from the
 *    state file after WEBHOOK_TOKENS was set, putting the token in /metrics. Now it is dropped at
 *    restore, with a log line that names no token.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { accountsIn, expectOutcome } from '../helpers/domain.js';
import { startExporterInProcess, stopAllInProcess } from '../helpers/exporterInProcess.js';
import { tempDir } from '../helpers/exporterProcess.js';
import { freePort } from '../helpers/binaries.js';
import { heartbeat, iso, postHeartbeat, request, scrape, T0, waitFor } from '../helpers/http.js';

const cleanups: (() => void)[] = [];
afterAll(async () => {
  await stopAllInProcess();
  for (const cleanup of cleanups) cleanup();
});

function stateFile(): string {
  const dir = tempDir();
  cleanups.push(dir.cleanup);
  return join(dir.path, 'state.json');
}

const ok = (t: number) => heartbeat({ timestamp: iso(t), status: 'OK' });

describe('removing an account', () => {
  it('takes its series off /metrics, is saved, and does not come back after a restart', async () => {
    const file = stateFile();
    const metricsPort = await freePort();
    const env = { STATE_FILE: file, METRICS_PORT: String(metricsPort) };
    const exporter = await startExporterInProcess(env);
    const pages = `http://127.0.0.1:${metricsPort}`;
    try {
      expectOutcome(await postHeartbeat(`${exporter.url}/heartbeat/acme`, ok(T0)), 'applied');
      expectOutcome(await postHeartbeat(`${exporter.url}/heartbeat/acmee`, ok(T0)), 'applied');
      expect(accountsIn((await scrape(pages)).metrics)).toEqual(['acme', 'acmee', 'default']);

      // The webhook port has no pages, so no removal either.
      expect(
        (await request(`${exporter.url}/api/v1/accounts/acmee`, { method: 'DELETE' })).status,
      ).toBe(404);
      const removed = await request(`${pages}/api/v1/accounts/acmee`, { method: 'DELETE' });
      expect({ status: removed.status, body: JSON.parse(removed.text) as unknown }).toEqual({
        status: 200,
        body: { removed: 'acmee' },
      });
      const again = await request(`${pages}/api/v1/accounts/acmee`, { method: 'DELETE' });
      expect(again.status).toBe(404);
      expect(
        (await request(`${pages}/api/v1/accounts/Bad%20Name`, { method: 'DELETE' })).status,
      ).toBe(400);

      const metrics = (await scrape(pages)).metrics;
      expect(accountsIn(metrics)).toEqual(['acme', 'default']);
      expect(metrics.value('exotel_accounts_removed_total', { reason: 'admin' })).toBe(1);
      expect(
        exporter.logs.some((l) => l.msg === 'account removed' && l['account'] === 'acmee'),
      ).toBe(true);
      await waitFor(
        'the removal to be saved',
        () => !readFileSync(file, 'utf8').includes('"acmee"'),
      );
    } finally {
      await exporter.stop();
    }
    const restarted = await startExporterInProcess(env);
    try {
      expect(accountsIn((await scrape(`http://127.0.0.1:${metricsPort}`)).metrics)).toEqual([
        'acme',
        'default',
      ]);
    } finally {
      await restarted.stop();
    }
  });

  it('is refused (403) where /metrics is unprotected: no basic auth, no METRICS_PORT', async () => {
    const exporter = await startExporterInProcess();
    try {
      expectOutcome(await postHeartbeat(`${exporter.url}/heartbeat/acme`, ok(T0)), 'applied');
      const answer = await request(`${exporter.url}/api/v1/accounts/acme`, { method: 'DELETE' });
      expect(answer.status).toBe(403);
      expect(answer.text).toContain('admin_disabled');
      expect(accountsIn((await scrape(exporter.url)).metrics)).toContain('acme');
    } finally {
      await exporter.stop();
    }
  });

  it('happens on its own for a rehearsal account, before the absence alert could fire', async () => {
    // 3-second heartbeats: the absence alert's threshold is 9 s, rehearsal accounts go after 2.
    const exporter = await startExporterInProcess({
      HEARTBEAT_INTERVAL_SECONDS: '3',
      REHEARSAL_EXPIRY_SECONDS: '2',
    });
    try {
      const sent = Date.now();
      expectOutcome(await postHeartbeat(`${exporter.url}/heartbeat/rehearsal`, ok(T0)), 'applied');
      expectOutcome(await postHeartbeat(`${exporter.url}/heartbeat/acme`, ok(T0)), 'applied');
      await waitFor(
        'the rehearsal account to expire',
        async () => !accountsIn((await scrape(exporter.url)).metrics).includes('rehearsal'),
      );
      expect(Date.now() - sent).toBeLessThan(9_000);
      const metrics = (await scrape(exporter.url)).metrics;
      expect(accountsIn(metrics)).toEqual(['acme', 'default']);
      expect(metrics.value('exotel_accounts_removed_total', { reason: 'rehearsal_expired' })).toBe(
        1,
      );
    } finally {
      await exporter.stop();
    }
  });
});

describe('an account named like a webhook token', () => {
  it('is dropped at restore once the token is configured, and the log names no token', async () => {
    const token = 'mistyped0token0in0the0url';
    const file = stateFile();
    const open = await startExporterInProcess({ STATE_FILE: file });
    try {
      // The URL given to Exotel with `t/` forgotten, while the webhook is still open.
      expectOutcome(await postHeartbeat(`${open.url}/heartbeat/${token}`, ok(T0)), 'applied');
      expectOutcome(await postHeartbeat(`${open.url}/heartbeat/acme`, ok(T0)), 'applied');
    } finally {
      await open.stop();
    }
    expect(readFileSync(file, 'utf8')).toContain(token);

    const closed = await startExporterInProcess({ STATE_FILE: file, WEBHOOK_TOKENS: token });
    try {
      const { text, metrics } = await scrape(closed.url);
      expect(text).not.toContain(token);
      expect(accountsIn(metrics)).toEqual(['acme', 'default']);
      expect(metrics.value('exotel_accounts_removed_total', { reason: 'token_name' })).toBe(1);
      expect((await request(`${closed.url}/api/v1/status`)).text).not.toContain(token);
      expect(
        closed.logs.some((l) => l.msg.includes('named like a webhook token') && l['count'] === 1),
      ).toBe(true);
      expect(JSON.stringify(closed.logs)).not.toContain(token);
      // The restored state is saved at once: the token leaves the file too.
      await waitFor(
        'the file to lose the token',
        () => !readFileSync(file, 'utf8').includes(token),
      );
    } finally {
      await closed.stop();
    }
  });
});
