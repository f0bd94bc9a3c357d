/**
 * A reload re-reads the API fallback's accounts file (in-process exporter, real files): a new
 * account gets its fallback series at once, a bad file keeps the accounts in force, and an
 * unchanged file leaves the running fallback alone.
 */
import * as fs from 'node:fs/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { startExporter, type RunningExporter } from '../../src/exporter.js';
import { systemTimers } from '../../src/timers.js';
import { scrape } from '../helpers/http.js';
import { captureLogs } from '../helpers/unit-logCapture.js';

const account = (name: string) => ({
  account: name,
  accountSid: `${name}sid`,
  apiKey: 'key-123',
  apiToken: 'tok-SECRET-456',
});

let dir: string;
let accountsFile: string;
let exporter: RunningExporter;
let url: string;
const logs = captureLogs();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'exotel-accounts-'));
  accountsFile = join(dir, 'accounts.json');
  await writeFile(accountsFile, JSON.stringify({ accounts: [account('acme')] }));
  exporter = await startExporter({
    // The base URL is never called: no account has a heartbeat that needs the API.
    config: loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      STATE_FILE: '',
      EXOTEL_ACCOUNTS_FILE: accountsFile,
      EXOTEL_API_BASE_URL: 'http://127.0.0.1:9',
    }),
    clock: systemClock,
    logger: logs.logger,
    fs,
    build: { version: 'test', revision: 'test', nodejsVersion: 'test' },
    fetch,
    timers: systemTimers,
    random: () => 0.5,
    runbookPath: fileURLToPath(new URL('../../docs/runbook.md', import.meta.url)),
    replica: 'test',
  });
  url = `http://127.0.0.1:${exporter.address.port}`;
});

afterAll(async () => {
  await exporter.close();
  await rm(dir, { recursive: true, force: true });
});

const reloaded = () => logs.lines().filter((l) => l['msg'] === 'configuration reloaded');

describe('reloading the accounts file', () => {
  it('adds a new account to the fallback', async () => {
    expect((await scrape(url)).metrics.get('exotel_api_poll_active', { account: 'support' })).toBe(
      undefined,
    );
    await writeFile(
      accountsFile,
      JSON.stringify({ accounts: [account('acme'), account('support')] }),
    );
    expect(await exporter.reload()).toEqual({ ok: true });
    const metrics = (await scrape(url)).metrics;
    expect(metrics.value('exotel_api_poll_active', { account: 'support' })).toBe(0);
    expect(metrics.value('exotel_api_poll_active', { account: 'acme' })).toBe(0);
    expect(reloaded().at(-1)).toMatchObject({
      apiAccounts: ['acme', 'support'],
      apiAccountsChanged: true,
    });
  });

  it('leaves the fallback alone when the file did not change', async () => {
    expect(await exporter.reload()).toEqual({ ok: true });
    expect(reloaded().at(-1)).toMatchObject({ apiAccountsChanged: false });
  });

  it('keeps the accounts in force when the new file is bad, without showing a secret', async () => {
    await writeFile(
      accountsFile,
      JSON.stringify({ accounts: [{ ...account('x'), api_token: 'tok-SECRET-456' }] }),
    );
    const outcome = await exporter.reload();
    expect(outcome.ok).toBe(false);
    const error = outcome.ok ? '' : outcome.error;
    expect(error).toContain('invalid configuration: --exotel.accounts-file/EXOTEL_ACCOUNTS_FILE');
    expect(error).not.toContain('tok-SECRET-456');
    const metrics = (await scrape(url)).metrics;
    expect(metrics.value('exotel_exporter_config_last_reload_successful')).toBe(0);
    expect(metrics.value('exotel_api_poll_active', { account: 'support' })).toBe(0);
  });
});
