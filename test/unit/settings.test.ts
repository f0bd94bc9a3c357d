import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig } from '../../src/config.js';
import { parseTokensFile } from '../../src/http/auth/tokensFile.js';
import { WebhookTokens } from '../../src/http/auth/webhookTokens.js';
import { requestAccount } from '../../src/http/auth/webhookAuth.js';
import { toLogfmt } from '../../src/logfmt.js';
import { helpText } from '../../src/settings/help.js';
import {
  FLAGS,
  OUR_PREFIXES,
  parseFlags,
  resolveSettings,
  unknownVariables,
  UsageError,
  VARIABLES,
} from '../../src/settings/resolve.js';
import { SETTINGS } from '../../src/settings/table.js';
import { compareSecretsByBehaviour } from '../helpers/secretEquality.js';

const TOKEN_A = 'tok-AAAAAAAAAAAAAAAAAAAA';
const TOKEN_B = 'tok-BBBBBBBBBBBBBBBBBBBB';
// Without it, toEqual sees no difference between configurations with different tokens.
compareSecretsByBehaviour([TOKEN_A, TOKEN_B]);

const flags = (...args: string[]) => parseFlags(args).flags;
const load = (env: Record<string, string>, ...args: string[]) => loadConfig(env, flags(...args));

function usageError(args: string[]): string {
  try {
    parseFlags(args);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`expected a UsageError for ${JSON.stringify(args)}`);
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('the settings table', () => {
  it('has unique flags and variables, and a default its own parser accepts', () => {
    const specs = Object.values(SETTINGS);
    expect(new Set(specs.map((s) => s.flag)).size).toBe(specs.length);
    expect(new Set(VARIABLES).size).toBe(VARIABLES.length);
    for (const spec of specs) {
      expect(spec.help.length).toBeGreaterThan(10);
      expect(spec.flag).toMatch(/^[a-z]+(\.[a-z-]+)+$/);
    }
  });

  it('its defaults are the configuration with nothing set', () => {
    expect(loadConfig({})).toEqual(DEFAULTS);
    expect(loadConfig({ WEBHOOK_TOKENS: TOKEN_A })).not.toEqual(DEFAULTS);
    expect(resolveSettings(new Map(), {}).values.listenAddress).toEqual({ host: '', port: 8747 });
  });

  it('derives the prefixes that make a variable "ours" from the variables themselves', () => {
    expect(OUR_PREFIXES).toEqual(
      expect.arrayContaining(['EXOTEL_', 'WEBHOOK_', 'WEB_', 'METRICS_']),
    );
    for (const prefix of OUR_PREFIXES) {
      expect(VARIABLES.filter((v) => v.startsWith(prefix)).length).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('flags', () => {
  it('flag > environment > default, for every form of a flag', () => {
    expect(load({}).logLevel).toBe('info');
    expect(load({ LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
    expect(load({ LOG_LEVEL: 'warn' }, '--log.level=debug').logLevel).toBe('debug');
    expect(load({ LOG_LEVEL: 'warn' }, '--log.level', 'error').logLevel).toBe('error');
    expect(load({ WEBHOOK_TOKENS: TOKEN_A }, `--webhook.tokens=${TOKEN_B}`)).toEqual(
      load({ WEBHOOK_TOKENS: TOKEN_B }),
    );
    expect(load({ PORT: '1', HOST: '10.0.0.1' }, '--web.listen-address=127.0.0.1:9')).toMatchObject(
      { host: '127.0.0.1', port: 9 },
    );
    expect(load({}, '--web.listen-address', '[::1]:0')).toMatchObject({ host: '::1', port: 0 });
    expect(load({ PORT: '9000' })).toMatchObject({ host: '', port: 9000 });
    expect(load({ HOST: '127.0.0.1' })).toMatchObject({ host: '127.0.0.1', port: 8747 });
  });

  it('boolean flags: alone, --no-, or with a value; an empty value is the default', () => {
    expect(load({}, '--web.enable-lifecycle').security.enableLifecycle).toBe(true);
    expect(
      load({ WEB_ENABLE_LIFECYCLE: 'true' }, '--no-web.enable-lifecycle').security.enableLifecycle,
    ).toBe(false);
    expect(load({}, '--heartbeat.strict-json=false').strictJson).toBe(false);
    expect(load({}, '--heartbeat.strict-json=1').strictJson).toBe(true);
    expect(load({ MAX_ACCOUNTS: '7' }, '--limits.max-accounts=').maxAccounts).toBe(7);
  });

  it('--state.file= (empty) turns persistence off, as STATE_FILE= does', () => {
    expect(load({}, '--state.file=').stateFile).toBeNull();
    expect(load({ STATE_FILE: '' }).stateFile).toBeNull();
    expect(load({ STATE_FILE: '/x.json' }, '--state.file', '/y.json').stateFile).toBe('/y.json');
  });

  it("--web.metrics-listen-address: an empty host is the main listener's", () => {
    expect(
      load({ HOST: '10.0.0.1' }, '--web.metrics-listen-address=:9100').security.metricsListener,
    ).toEqual({
      host: '10.0.0.1',
      port: 9100,
    });
    expect(load({ METRICS_HOST: '127.0.0.1' }).security.metricsListener).toBeNull();
  });

  it.each([
    [
      ['--web.listen-adress=:1'],
      'unknown flag --web.listen-adress, did you mean --web.listen-address?',
    ],
    [
      ['--webhook.token-file=x'],
      'unknown flag --webhook.token-file, did you mean --webhook.tokens-file?',
    ],
    [['--completely-else'], 'unknown flag --completely-else'],
    [['--no-log.level'], '--no-log.level takes no value'],
    [['positional'], 'unexpected argument "positional"'],
    [['-x'], 'unknown flag "-x"'],
  ])('%j is a usage error: %s', (args, message) => {
    expect(usageError(args)).toBe(message);
  });

  it('--help and -h, --version', () => {
    expect(parseFlags(['-h']).help).toBe(true);
    expect(parseFlags(['--version']).version).toBe(true);
    expect(FLAGS).toContain('help');
  });

  it('a bad flag value names the flag; a bad variable names flag and variable', () => {
    const fromFlag = configError(() => load({}, '--limits.max-accounts=0'));
    expect(fromFlag.message).toBe(
      'invalid configuration: --limits.max-accounts must be between 1 and 100000, got 0',
    );
    const fromEnv = configError(() => load({ MAX_ACCOUNTS: '0' }));
    expect(fromEnv.message).toBe(
      'invalid configuration: --limits.max-accounts/MAX_ACCOUNTS must be between 1 and 100000, got 0',
    );
    expect(fromEnv.variable).toBe('MAX_ACCOUNTS');
    expect(configError(() => load({ HOST: 'a b' })).message).toMatch(
      /^invalid configuration: --web.listen-address\/HOST must be an IP address or a host name/,
    );
  });
});

describe('unknown environment variables', () => {
  it('warns about ours with the closest valid one, and leaves everything else alone', () => {
    expect(
      unknownVariables({
        EXOTEL_API_KYE: 'x',
        EXOTEL_FOO: 'x',
        WEBHOOK_TOKEN: 'x',
        STATEFILE: 'x',
        LOG_LEVLE: 'x',
        PATH: '/bin',
        HOME: '/root',
        HOSTNAME: 'box',
        NODE_ENV: 'production',
        EXOTEL_EXPORTER_SERVICE_HOST: '10.0.0.1',
        EXOTEL_EXPORTER_PORT: 'tcp://10.0.0.1:8747',
        EXOTEL_EXPORTER_PORT_8747_TCP_ADDR: '10.0.0.1',
        PORT: '1',
      }),
    ).toEqual([
      'unknown environment variable EXOTEL_API_KYE ignored, did you mean EXOTEL_API_KEY?',
      'unknown environment variable EXOTEL_FOO ignored',
      'unknown environment variable LOG_LEVLE ignored, did you mean LOG_LEVEL?',
      'unknown environment variable STATEFILE ignored, did you mean STATE_FILE?',
      'unknown environment variable WEBHOOK_TOKEN ignored, did you mean WEBHOOK_TOKENS?',
    ]);
  });
});

describe('--help', () => {
  it('lists every flag, its default and its variables', () => {
    const text = helpText([{ name: 'send', summary: 'post a heartbeat' }]);
    for (const spec of Object.values(SETTINGS)) {
      expect(text).toContain(spec.flag);
      for (const variable of spec.env) expect(text).toContain(`$${variable}`);
    }
    expect(text).toContain('send        post a heartbeat');
  });
});

describe('logfmt', () => {
  it.each([
    [
      '{"level":"info","time":"2026-01-01T00:00:00.000Z","service":"x","msg":"listening","port":8747,"tls":false}',
      'ts=2026-01-01T00:00:00.000Z level=info msg=listening service=x port=8747 tls=false',
    ],
    [
      '{"level":"warn","msg":"two words","detail":"a=b \\"q\\"","n":null}',
      'level=warn msg="two words" detail="a=b \\"q\\"" n=null',
    ],
    [
      '{"msg":"x","config":{"a":{"b":1},"list":[1,2],"empty":""}}',
      'msg=x config.a.b=1 config.list=[1,2] config.empty=""',
    ],
    ['{"msg":"line\\nbreak"}', 'msg="line\\nbreak"'],
    ['not json', 'msg="not json"'],
  ])('%s', (line, expected) => {
    expect(toLogfmt(line)).toBe(expected);
  });
});

describe('the webhook tokens file', () => {
  const A = 'tok-AAAAAAAAAAAAAAAAAAAA';
  const B = 'tok-BBBBBBBBBBBBBBBBBBBB';

  it('reads plain (every account) and bound entries', () => {
    expect(parseTokensFile(`tokens:\n  - ${A}\n  - ${B}: [acme, support]\n`)).toEqual([
      { token: A, accounts: null },
      { token: B, accounts: ['acme', 'support'] },
    ]);
    expect(parseTokensFile('')).toEqual([]);
    expect(parseTokensFile('tokens:\n')).toEqual([]);
  });

  it.each([
    ['tokens: [short]', 'tokens[0] must be 16 to 256 characters'],
    [`tokens:\n  - ${A}: []`, 'tokens[0] must bind its token to a non-empty list of accounts'],
    [`tokens:\n  - ${A}: acme`, 'tokens[0] must bind its token to a non-empty list of accounts'],
    [`tokens:\n  - ${A}: [ACME]`, 'tokens[0] account 1 must be 1-63 of a-z'],
    [`tokens:\n  - ${A}\n  - ${A}`, 'tokens[1] repeats an earlier token'],
    [
      `tokens:\n  - {${A}: [a], ${B}: [b]}`,
      'tokens[0] must be a token, or one "token: [accounts]" pair',
    ],
    [`token:\n  - ${A}`, 'field "token" is not a known field'],
    ['tokens: {a: 1}', 'field "tokens" must be a list'],
    ['tokens: [', 'is not valid YAML'],
  ])('refuses %j without showing a token', (text, reason) => {
    const error = configError(() => parseTokensFile(text));
    expect(error.message).toContain(
      `invalid configuration: --webhook.tokens-file/WEBHOOK_TOKENS_FILE ${reason}`,
    );
    expect(error.message).not.toContain(A);
    expect(error.message).not.toContain(B);
  });
});

describe('tokens bound to accounts', () => {
  const ALL = 'tok-ALLLLLLLLLLLLLLLLLLL';
  const ACME = 'tok-ACMEEEEEEEEEEEEEEEEE';
  const tokens = new WebhookTokens([ALL, { token: ACME, accounts: ['acme'] }]);

  it.each([
    [ALL, 'acme', true],
    [ALL, 'other', true],
    [ALL, null, true],
    [ACME, 'acme', true],
    [ACME, 'other', false],
    [ACME, 'default', false],
    [ACME, null, false],
    ['tok-UNKNOWNNNNNNNNNNNNN', 'acme', false],
  ])('%s for %s → %s', (token, account, allowed) => {
    expect(tokens.allows(token, account)).toBe(allowed);
    expect(tokens.matches(token)).toBe(token !== 'tok-UNKNOWNNNNNNNNNNNNN');
  });

  it.each([
    ['/heartbeat', 'default'],
    ['/heartbeat/', 'default'],
    ['/heartbeat/t/tok', 'default'],
    ['/HEARTBEAT/T/tok/', 'default'],
    ['/heartbeat/acme', 'acme'],
    ['/heartbeat/acme/', 'acme'],
    ['/heartbeat/acme/t/tok', 'acme'],
    ['/heartbeat/t', 't'],
    ['/heartbeat/t/t/tok', 't'],
    ['/heartbeat/a%63me', 'acme'],
    ['/heartbeat/%E0%A4%A', null],
  ])('the account of %s is %s', (path, account) => {
    expect(requestAccount(path)).toBe(account);
  });
});
