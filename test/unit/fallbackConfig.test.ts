import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig } from '../../src/config.js';

const FALLBACK_DEFAULTS = DEFAULTS.api.settings;
const loadFallbackConfig = (env: Record<string, string>) => loadConfig(env).api;
import { loadApiAccounts, parseAccountsFile } from '../../src/fallback/accountsFile.js';
import { Secret } from '../../src/fallback/secret.js';
import { captureLogs } from '../helpers/unit-logCapture.js';

const CREDS = {
  EXOTEL_API_KEY: 'key-123',
  EXOTEL_API_TOKEN: 'tok-SECRET-456',
  EXOTEL_ACCOUNT_SID: 'acme1',
};

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('fallback configuration from the environment', () => {
  it('is off by default, with the documented defaults', () => {
    const config = loadConfig({}).api;
    expect(config).toEqual({
      defaultAccount: null,
      accountsFile: null,
      baseUrlOverride: null,
      settings: FALLBACK_DEFAULTS,
    });
    expect(FALLBACK_DEFAULTS.requestsPerMinute).toBeLessThan(50);
  });

  it('builds the default account on api.exotel.com, or the chosen region', () => {
    expect(loadFallbackConfig(CREDS).defaultAccount).toMatchObject({
      account: 'default',
      accountSid: 'acme1',
      baseUrl: 'https://api.exotel.com',
    });
    expect(
      loadFallbackConfig({ ...CREDS, EXOTEL_API_HOST: 'api.in.exotel.com' }).defaultAccount
        ?.baseUrl,
    ).toBe('https://api.in.exotel.com');
  });

  it('refuses other hosts unless EXOTEL_API_BASE_URL says so explicitly', () => {
    expect(
      configError(() => loadFallbackConfig({ ...CREDS, EXOTEL_API_HOST: 'evil.example' })).variable,
    ).toBe('EXOTEL_API_HOST');
    const config = loadFallbackConfig({ ...CREDS, EXOTEL_API_BASE_URL: 'http://127.0.0.1:9999' });
    expect(config.defaultAccount?.baseUrl).toBe('http://127.0.0.1:9999');
  });

  it.each([
    ['ftp://x', 'EXOTEL_API_BASE_URL'],
    ['http://u:p@127.0.0.1', 'EXOTEL_API_BASE_URL'],
    ['http://127.0.0.1/prefix', 'EXOTEL_API_BASE_URL'],
    ['not a url', 'EXOTEL_API_BASE_URL'],
  ])('EXOTEL_API_BASE_URL=%s is refused', (value, variable) => {
    expect(configError(() => loadFallbackConfig({ EXOTEL_API_BASE_URL: value })).variable).toBe(
      variable,
    );
  });

  it('half a set of credentials names the missing variable', () => {
    expect(
      configError(() => loadFallbackConfig({ EXOTEL_API_KEY: 'k', EXOTEL_ACCOUNT_SID: 'a' }))
        .variable,
    ).toBe('EXOTEL_API_TOKEN');
    expect(
      configError(() => loadFallbackConfig({ ...CREDS, EXOTEL_ACCOUNT_SID: 'a/b' })).variable,
    ).toBe('EXOTEL_ACCOUNT_SID');
  });

  it.each([
    ['EXOTEL_API_CONCURRENCY', '3'],
    ['EXOTEL_API_REQUESTS_PER_MINUTE', '0'],
    ['EXOTEL_API_MAX_RETRIES', 'many'],
    ['EXOTEL_API_POLL_INTERVAL_SECONDS', '0'],
  ])('%s=%s is refused by name', (variable, value) => {
    expect(configError(() => loadConfig({ [variable]: value })).variable).toBe(variable);
  });

  it('never shows the secrets: JSON, string, inspect and a logged config', () => {
    const config = loadConfig(CREDS);
    expect(JSON.stringify(config)).not.toContain('tok-SECRET-456');
    expect(JSON.stringify(config)).not.toContain('key-123');
    expect(inspect(config, { depth: 10 })).not.toContain('tok-SECRET-456');
    expect(String(new Secret('tok-SECRET-456'))).toBe('[redacted]');
    const logs = captureLogs();
    logs.logger.info({ config }, 'starting');
    expect(JSON.stringify(logs.lines())).not.toContain('tok-SECRET-456');
    expect(config.api.defaultAccount?.apiToken.reveal()).toBe('tok-SECRET-456');
  });
});

describe('EXOTEL_ACCOUNTS_FILE', () => {
  const base = loadFallbackConfig({ EXOTEL_ACCOUNTS_FILE: '/etc/exotel.json' });

  it('adds one account per entry, on its region or the override', () => {
    const text = JSON.stringify({
      accounts: [
        {
          account: 'acme',
          accountSid: 'acme1',
          apiKey: 'k',
          apiToken: 't',
          host: 'api.in.exotel.com',
        },
        { account: 'beta', accountSid: 'beta1', apiKey: 'k2', apiToken: 't2' },
      ],
    });
    expect(parseAccountsFile(text, base).map((a) => [a.account, a.baseUrl])).toEqual([
      ['acme', 'https://api.in.exotel.com'],
      ['beta', 'https://api.exotel.com'],
    ]);
    const overridden = { ...base, baseUrlOverride: 'http://127.0.0.1:1' };
    expect(parseAccountsFile(text, overridden).map((a) => a.baseUrl)).toEqual([
      'http://127.0.0.1:1',
      'http://127.0.0.1:1',
    ]);
  });

  it.each([
    ['{', 'is not valid JSON'],
    ['[]', 'field (top level) is invalid'],
    [
      '{"accounts":[{"account":"Acme","accountSid":"a","apiKey":"k","apiToken":"t"}]}',
      'field /accounts/0/account',
    ],
    [
      '{"accounts":[{"account":"a","accountSid":"a","apiKey":"k","api_token":"SECRET-x"}]}',
      'field /accounts/0',
    ],
    [
      '{"accounts":[{"account":"a","accountSid":"a","apiKey":"k","apiToken":"t","host":"evil.example"}]}',
      'field /accounts/0/host',
    ],
    [
      '{"accounts":[{"account":"a","accountSid":"a","apiKey":"k","apiToken":"t"},{"account":"a","accountSid":"b","apiKey":"k","apiToken":"t"}]}',
      'field /accounts/1/account',
    ],
  ])('%s → an error naming the variable and the field, never a value', (text, message) => {
    const error = configError(() => parseAccountsFile(text, base));
    expect(error.variable).toBe('EXOTEL_ACCOUNTS_FILE');
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('SECRET');
  });

  it('"default" in the file clashes with the environment credentials', () => {
    const config = loadFallbackConfig({ ...CREDS, EXOTEL_ACCOUNTS_FILE: 'x' });
    const text =
      '{"accounts":[{"account":"default","accountSid":"a","apiKey":"k","apiToken":"t"}]}';
    expect(configError(() => parseAccountsFile(text, config)).message).toContain(
      'configured twice',
    );
  });

  it('an unreadable file is a configuration error naming the variable', async () => {
    const missing = Object.assign(new Error('nope'), { code: 'ENOENT' });
    await expect(loadApiAccounts(base, () => Promise.reject(missing))).rejects.toThrow(
      'invalid configuration: --exotel.accounts-file/EXOTEL_ACCOUNTS_FILE cannot be read (ENOENT)',
    );
  });
});
