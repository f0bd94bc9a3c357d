import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig, type Config } from '../../src/config.js';
import { WebhookTokens } from '../../src/http/auth/webhookTokens.js';
import { compareSecretsByBehaviour } from '../helpers/secretEquality.js';

const TOKEN_A = 'tok-AAAAAAAAAAAAAAAAAAAA';
const TOKEN_B = 'tok-BBBBBBBBBBBBBBBBBBBB';
// Without it, toEqual sees no difference between configurations with different tokens.
compareSecretsByBehaviour([TOKEN_A, TOKEN_B]);

const NO_SECURITY: Config['security'] = {
  webhookTokens: new WebhookTokens([]),
  webhookTokensFile: null,
  webConfigFile: null,
  metricsListener: null,
  enableLifecycle: false,
};

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('uses sane defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toEqual(DEFAULTS);
    expect(config).toEqual({
      port: 8747,
      host: '',
      stateFile: './data/state.json',
      logLevel: 'info',
      logFormat: 'json',
      strictJson: false,
      futureToleranceSeconds: 300,
      maxAccounts: 100,
      maxSidSeries: 10_000,
      maxTotalSidSeries: 20_000,
      buildRevision: 'unknown',
      heartbeatIntervalSeconds: 300,
      grafanaUrl: null,
      accountExpirySeconds: null,
      rehearsalExpirySeconds: 600,
      // The API fallback is off without credentials (test/unit/fallbackConfig.test.ts).
      api: DEFAULTS.api,
      // HTTP limits: test/unit/httpLimits.test.ts.
      http: DEFAULTS.http,
      // No token, no web configuration, no metrics listener (test/unit/webhookAuth.test.ts).
      security: NO_SECURITY,
      replicaName: null,
    });
    expect(Number.isInteger(config.port) && config.port > 0 && config.port < 65_536).toBe(true);
    expect(config.maxAccounts).toBeGreaterThanOrEqual(1);
    expect(config.maxSidSeries).toBeGreaterThanOrEqual(1);
  });

  it('ignores unrelated variables', () => {
    expect(loadConfig({ PATH: '/bin', HOME: '/root', NODE_ENV: 'production' })).toEqual(DEFAULTS);
  });

  it.each<[string, Record<string, string>, Partial<Config>]>([
    ['PORT', { PORT: '9000' }, { port: 9000 }],
    ['PORT 0 (any free port)', { PORT: '0' }, { port: 0 }],
    ['PORT 65535', { PORT: '65535' }, { port: 65_535 }],
    ['PORT with spaces', { PORT: ' 8080 ' }, { port: 8080 }],
    ['HOST', { HOST: '127.0.0.1' }, { host: '127.0.0.1' }],
    ['HOST ::', { HOST: '::' }, { host: '::' }],
    [
      'STATE_FILE',
      { STATE_FILE: '/var/lib/exotel/state.json' },
      { stateFile: '/var/lib/exotel/state.json' },
    ],
    ['STATE_FILE empty disables persistence', { STATE_FILE: '' }, { stateFile: null }],
    ['STATE_FILE blank disables persistence', { STATE_FILE: '   ' }, { stateFile: null }],
    ['LOG_LEVEL', { LOG_LEVEL: 'debug' }, { logLevel: 'debug' }],
    ['LOG_LEVEL upper case', { LOG_LEVEL: 'WARN' }, { logLevel: 'warn' }],
    ['LOG_LEVEL silent', { LOG_LEVEL: 'silent' }, { logLevel: 'silent' }],
    ['STRICT_JSON true', { STRICT_JSON: 'true' }, { strictJson: true }],
    ['STRICT_JSON 1', { STRICT_JSON: '1' }, { strictJson: true }],
    ['STRICT_JSON TRUE', { STRICT_JSON: 'TRUE' }, { strictJson: true }],
    ['STRICT_JSON false', { STRICT_JSON: 'false' }, { strictJson: false }],
    ['STRICT_JSON 0', { STRICT_JSON: '0' }, { strictJson: false }],
    [
      'FUTURE_TOLERANCE_SECONDS',
      { FUTURE_TOLERANCE_SECONDS: '60' },
      { futureToleranceSeconds: 60 },
    ],
    [
      'FUTURE_TOLERANCE_SECONDS 0',
      { FUTURE_TOLERANCE_SECONDS: '0' },
      { futureToleranceSeconds: 0 },
    ],
    ['MAX_ACCOUNTS', { MAX_ACCOUNTS: '5' }, { maxAccounts: 5 }],
    ['MAX_ACCOUNTS 1 (default only)', { MAX_ACCOUNTS: '1' }, { maxAccounts: 1 }],
    ['MAX_SID_SERIES', { MAX_SID_SERIES: '250' }, { maxSidSeries: 250 }],
    ['MAX_TOTAL_SID_SERIES', { MAX_TOTAL_SID_SERIES: '500' }, { maxTotalSidSeries: 500 }],
    [
      'MAX_TOTAL_SID_SERIES 0 (counts only)',
      { MAX_TOTAL_SID_SERIES: '0' },
      { maxTotalSidSeries: 0 },
    ],
    ['BUILD_REVISION', { BUILD_REVISION: 'deadbeef' }, { buildRevision: 'deadbeef' }],
    [
      'WEBHOOK_TOKENS',
      { WEBHOOK_TOKENS: TOKEN_A },
      { security: { ...NO_SECURITY, webhookTokens: new WebhookTokens([TOKEN_A]) } },
    ],
    ['empty values fall back to defaults', { PORT: '', LOG_LEVEL: '', MAX_ACCOUNTS: '' }, {}],
  ])('parses %s', (_name, env, expected) => {
    expect(loadConfig(env)).toEqual({ ...DEFAULTS, ...expected });
  });

  it('tells configurations apart by their webhook tokens and API credentials', () => {
    const a = loadConfig({ WEBHOOK_TOKENS: TOKEN_A });
    expect(a).toEqual(loadConfig({ WEBHOOK_TOKENS: TOKEN_A }));
    expect(a).not.toEqual(loadConfig({ WEBHOOK_TOKENS: TOKEN_B }));
    expect(a).not.toEqual(DEFAULTS);
    const creds = {
      EXOTEL_API_KEY: 'key-1',
      EXOTEL_API_TOKEN: 'token-1',
      EXOTEL_ACCOUNT_SID: 'a1',
    };
    expect(loadConfig(creds)).toEqual(loadConfig(creds));
    expect(loadConfig(creds)).not.toEqual(loadConfig({ ...creds, EXOTEL_API_TOKEN: 'token-2' }));
    expect(loadConfig(creds)).not.toEqual(loadConfig({ ...creds, EXOTEL_API_KEY: 'key-2' }));
  });

  it('reads every variable at once', () => {
    expect(
      loadConfig({
        PORT: '1234',
        HOST: 'localhost',
        STATE_FILE: 's.json',
        LOG_LEVEL: 'error',
        STRICT_JSON: 'true',
        FUTURE_TOLERANCE_SECONDS: '10',
        MAX_ACCOUNTS: '3',
        MAX_SID_SERIES: '7',
        MAX_TOTAL_SID_SERIES: '9',
        BUILD_REVISION: 'r1',
      }),
    ).toEqual({
      port: 1234,
      host: 'localhost',
      stateFile: 's.json',
      logLevel: 'error',
      logFormat: 'json',
      strictJson: true,
      futureToleranceSeconds: 10,
      maxAccounts: 3,
      maxSidSeries: 7,
      maxTotalSidSeries: 9,
      buildRevision: 'r1',
      heartbeatIntervalSeconds: 300,
      grafanaUrl: null,
      accountExpirySeconds: null,
      rehearsalExpirySeconds: 600,
      api: DEFAULTS.api,
      // HTTP limits: test/unit/httpLimits.test.ts.
      http: DEFAULTS.http,
      // Tokens, web configuration, metrics listener: test/unit/webhookAuth.test.ts.
      security: NO_SECURITY,
      replicaName: null,
    });
  });

  it('takes ACCOUNT_EXPIRY_SECONDS from three heartbeat intervals plus an hour up, 0 meaning off', () => {
    expect(loadConfig({ ACCOUNT_EXPIRY_SECONDS: '0' }).accountExpirySeconds).toBeNull();
    expect(loadConfig({ ACCOUNT_EXPIRY_SECONDS: '4500' }).accountExpirySeconds).toBe(4500);
    expect(() => loadConfig({ ACCOUNT_EXPIRY_SECONDS: '4499' })).toThrow(
      /^invalid configuration: --limits.account-expiry-seconds\/ACCOUNT_EXPIRY_SECONDS must be 0 \(off\) or at least 4500 \(3 x HEARTBEAT_INTERVAL_SECONDS \+ 3600/,
    );
    // The minimum follows the heartbeat interval: ExotelHeartbeatMissing always fires first.
    expect(() =>
      loadConfig({ HEARTBEAT_INTERVAL_SECONDS: '600', ACCOUNT_EXPIRY_SECONDS: '4500' }),
    ).toThrow(/at least 5400/);
  });

  it('keeps REHEARSAL_EXPIRY_SECONDS below three heartbeat intervals, two by default', () => {
    expect(loadConfig({ HEARTBEAT_INTERVAL_SECONDS: '60' }).rehearsalExpirySeconds).toBe(120);
    expect(loadConfig({ REHEARSAL_EXPIRY_SECONDS: '899' }).rehearsalExpirySeconds).toBe(899);
    expect(() => loadConfig({ REHEARSAL_EXPIRY_SECONDS: '900' })).toThrow(
      /^invalid configuration: --limits.rehearsal-expiry-seconds\/REHEARSAL_EXPIRY_SECONDS must be below 3 x HEARTBEAT_INTERVAL_SECONDS \(900\)/,
    );
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['PORT', '1e3'],
    ['PORT', '0x50'],
    ['MAX_ACCOUNTS', '0'],
    ['MAX_ACCOUNTS', 'many'],
    ['MAX_SID_SERIES', '-5'],
    ['MAX_TOTAL_SID_SERIES', '20k'],
    ['MAX_TOTAL_SID_SERIES', '10000001'],
    ['LOG_LEVEL', 'loud'],
    ['LOG_LEVEL', 'warning'],
    ['STRICT_JSON', 'maybe'],
    ['STRICT_JSON', 'yes'],
    ['FUTURE_TOLERANCE_SECONDS', '-1'],
    ['FUTURE_TOLERANCE_SECONDS', '5m'],
    ['REPLICA_NAME', 'exporter 0'],
    ['REPLICA_NAME', '-exporter'],
    ['REPLICA_NAME', '<b>exporter</b>'],
    ['REPLICA_NAME', 'x'.repeat(254)],
  ])('refuses %s=%s with a ConfigError naming the variable', (variable, value) => {
    const error = configError({ [variable]: value });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it('takes REPLICA_NAME as given, and leaves it null (the host name) when unset or empty', () => {
    expect(loadConfig({ REPLICA_NAME: 'exotel-exporter-1' }).replicaName).toBe('exotel-exporter-1');
    expect(loadConfig({ REPLICA_NAME: 'node-7.example:2' }).replicaName).toBe('node-7.example:2');
    expect(loadConfig({ REPLICA_NAME: 'x'.repeat(253) }).replicaName).toHaveLength(253);
    expect(loadConfig({ REPLICA_NAME: '' }).replicaName).toBeNull();
    expect(loadConfig({}).replicaName).toBeNull();
  });

  it('names the bad variable even when others are fine', () => {
    expect(configError({ PORT: '9000', LOG_LEVEL: 'loud', HOST: 'x' }).variable).toBe('LOG_LEVEL');
  });
});
