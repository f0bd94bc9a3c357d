/**
 * Per-account webhook tokens and their rotation, with the whole exporter in-process (startExporter,
 * real HTTP, real files): every combination of bound/unbound token × own/other account × the four
 * places a token can be carried, then a rotation through the tokens file and a reload with
 * heartbeats flowing the whole time, and a bad tokens file that changes nothing.
 */
import * as fs from 'node:fs/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startExporter, type RunningExporter } from '../../src/exporter.js';
import { systemClock } from '../../src/clock.js';
import { systemTimers } from '../../src/timers.js';
import { heartbeat, iso, json, postHeartbeat, scrape, JSON_HEADERS } from '../helpers/http.js';
import { captureLogs } from '../helpers/unit-logCapture.js';

const ALL = 'tok-ALL-AAAAAAAAAAAAAAAAAAAA'; // WEBHOOK_TOKENS: every account
const FILE_ALL = 'tok-FILEALL-BBBBBBBBBBBBBBBB'; // file, plain entry: every account
const ACME = 'tok-ACME-CCCCCCCCCCCCCCCCCCC'; // file: [acme, support]
const DEFAULT_ONLY = 'tok-DEFAULT-DDDDDDDDDDDDDDDD'; // file: [default]
const NEW_ACME = 'tok-NEWACME-EEEEEEEEEEEEEEEE';
const UNAUTHORIZED = { error: 'unauthorized', detail: 'a valid webhook token is required' };

let dir: string;
let tokensFile: string;
let exporter: RunningExporter;
let url: string;
const logs = captureLogs();
let seconds = Math.floor(Date.now() / 1000) - 3_600;
const body = () => heartbeat({ timestamp: iso(++seconds), status: 'OK' });
const basic = (token: string) => `Basic ${Buffer.from(`exotel:${token}`).toString('base64')}`;

const FILE_V1 = `tokens:\n  - ${FILE_ALL}\n  - ${ACME}: [acme, support]\n  - ${DEFAULT_ONLY}: [default]\n`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'exotel-tokens-'));
  tokensFile = join(dir, 'tokens.yml');
  await writeFile(tokensFile, FILE_V1);
  exporter = await startExporter({
    config: loadConfig(
      { HOST: '127.0.0.1', PORT: '0', STATE_FILE: '', WEBHOOK_TOKENS: ALL },
      new Map([['webhook.tokens-file', tokensFile]]),
    ),
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

type Carrier = 'path' | 'query' | 'bearer' | 'basic';
const CARRIERS: readonly Carrier[] = ['path', 'query', 'bearer', 'basic'];

/** Posts for `account` (null: the default account's bare /heartbeat) with `token` in `carrier`. */
function post(account: string | null, token: string, carrier: Carrier) {
  const base = account === null ? `${url}/heartbeat` : `${url}/heartbeat/${account}`;
  const target =
    carrier === 'path'
      ? `${base}/t/${token}`
      : carrier === 'query'
        ? `${base}?token=${token}`
        : base;
  const headers: Record<string, string> = { ...JSON_HEADERS };
  if (carrier === 'bearer') headers['authorization'] = `Bearer ${token}`;
  if (carrier === 'basic') headers['authorization'] = basic(token);
  return postHeartbeat(target, body(), headers);
}

async function expectAnswer(
  account: string | null,
  token: string,
  carrier: Carrier,
  allowed: boolean,
) {
  const answer = await post(account, token, carrier);
  if (allowed) {
    expect({ status: answer.status, body: json(answer) }).toEqual({
      status: 200,
      body: { result: 'applied' },
    });
  } else {
    expect({ status: answer.status, body: json(answer) }).toEqual({
      status: 401,
      body: UNAUTHORIZED,
    });
    expect(answer.headers.get('www-authenticate')).toContain('Bearer');
  }
}

describe('bound and unbound tokens × own and other accounts × every carrier', () => {
  // [token, description, account, allowed]
  const cases: [string, string, string | null, boolean][] = [
    [ALL, 'unbound (variable)', 'acme', true],
    [ALL, 'unbound (variable)', 'other', true],
    [ALL, 'unbound (variable)', null, true],
    [FILE_ALL, 'unbound (file)', 'acme', true],
    [FILE_ALL, 'unbound (file)', 'other', true],
    [FILE_ALL, 'unbound (file)', null, true],
    [ACME, 'bound to acme, support', 'acme', true],
    [ACME, 'bound to acme, support', 'support', true],
    [ACME, 'bound to acme, support', 'other', false],
    [ACME, 'bound to acme, support', null, false],
    [ACME, 'bound to acme, support', 'default', false],
    [DEFAULT_ONLY, 'bound to default', null, true],
    [DEFAULT_ONLY, 'bound to default', 'default', true],
    [DEFAULT_ONLY, 'bound to default', 'acme', false],
  ];
  for (const carrier of CARRIERS) {
    it.each(cases)(`${carrier}: %#`, async (token, _what, account, allowed) => {
      await expectAnswer(account, token, carrier, allowed);
    });
  }

  it('a bound token for another account is the same 401 as an unknown token', async () => {
    const wrong = await post('other', ACME, 'bearer');
    const unknown = await post('other', 'tok-UNKNOWN-ZZZZZZZZZZZZZZZZ', 'bearer');
    expect(wrong.status).toBe(unknown.status);
    expect(wrong.text).toBe(unknown.text);
    expect([...wrong.headers.entries()].filter(([k]) => k !== 'date')).toEqual(
      [...unknown.headers.entries()].filter(([k]) => k !== 'date'),
    );
  });

  it('a bound token with a second, unbound one for another account is refused', async () => {
    // Every credential presented must be valid for the account.
    const answer = await postHeartbeat(`${url}/heartbeat/other/t/${ALL}`, body(), {
      ...JSON_HEADERS,
      authorization: `Bearer ${ACME}`,
    });
    expect(answer.status).toBe(401);
  });
});

describe('rotation through the tokens file, without downtime', () => {
  it('old and new both valid during the rotation, then only the new; in-flight requests unaffected', async () => {
    // A steady stream of heartbeats with the old token while the file changes and reloads run.
    const flow = { stop: false };
    const statuses: number[] = [];
    const stream = (async () => {
      while (!flow.stop) statuses.push((await post('acme', ACME, 'bearer')).status);
    })();

    // Step 1: add the new token next to the old one.
    await writeFile(tokensFile, `${FILE_V1}  - ${NEW_ACME}: [acme]\n`);
    expect(await exporter.reload()).toEqual({ ok: true });
    await expectAnswer('acme', NEW_ACME, 'path', true);
    await expectAnswer('acme', ACME, 'path', true);
    await expectAnswer('support', NEW_ACME, 'path', false);
    flow.stop = true;
    await stream;
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set([200]));

    // Step 2: Exotel now uses the new URL; drop the old token.
    await writeFile(tokensFile, `tokens:\n  - ${FILE_ALL}\n  - ${NEW_ACME}: [acme]\n`);
    expect(await exporter.reload()).toEqual({ ok: true });
    await expectAnswer('acme', ACME, 'path', false);
    await expectAnswer('acme', NEW_ACME, 'query', true);
    // The variable's token is not in the file and stays.
    await expectAnswer('acme', ALL, 'bearer', true);
  });

  it('an invalid tokens file keeps the old tokens, says so in the log and the metric', async () => {
    await writeFile(tokensFile, 'tokens:\n  - short\n');
    const outcome = await exporter.reload();
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? '' : outcome.error).toBe(
      'invalid configuration: --webhook.tokens-file/WEBHOOK_TOKENS_FILE tokens[0] must be 16 to 256 characters of A-Z, a-z, 0-9, ".", "_", "~" and "-" (value not shown)',
    );
    await expectAnswer('acme', NEW_ACME, 'bearer', true);
    const failed = await scrape(url);
    expect(failed.metrics.value('exotel_exporter_config_last_reload_successful', {})).toBe(0);
    const lastGood = failed.metrics.value(
      'exotel_exporter_config_last_reload_success_timestamp_seconds',
      {},
    );
    expect(
      logs
        .lines()
        .some((l) => l['msg'] === 'reload failed; the previous configuration is still in force'),
    ).toBe(true);

    // A missing file is refused the same way.
    await rm(tokensFile);
    expect((await exporter.reload()).ok).toBe(false);
    await expectAnswer('acme', NEW_ACME, 'bearer', true);

    await writeFile(tokensFile, `tokens:\n  - ${NEW_ACME}: [acme]\n`);
    expect(await exporter.reload()).toEqual({ ok: true });
    const ok = await scrape(url);
    expect(ok.metrics.value('exotel_exporter_config_last_reload_successful', {})).toBe(1);
    expect(
      ok.metrics.value('exotel_exporter_config_last_reload_success_timestamp_seconds', {}),
    ).toBeGreaterThanOrEqual(lastGood);
  });
});
