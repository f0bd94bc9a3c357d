import { describe, expect, it } from 'vitest';
import { presentedTokens } from '../../src/http/auth/presentedTokens.js';
import { redactTarget } from '../../src/http/auth/redact.js';
import { WebhookTokens } from '../../src/http/auth/webhookTokens.js';
import { loadConfig } from '../../src/config.js';

/** The security part of the configuration, with the main listener's PORT and HOST. */
function loadSecurityConfig(env: Record<string, string>, main: { port: number; host: string }) {
  return loadConfig({ ...env, PORT: String(main.port), HOST: main.host }).security;
}

const A = 'token-aaaaaaaaaaaaaaaa';
const B = 'token-bbbbbbbbbbbbbbbb';
const basic = (userAndPassword: string) =>
  `Basic ${Buffer.from(userAndPassword).toString('base64')}`;

describe('WebhookTokens', () => {
  const tokens = new WebhookTokens([A, B]);

  it('matches every configured token exactly, and nothing else', () => {
    expect(tokens.matches(A)).toBe(true);
    expect(tokens.matches(B)).toBe(true);
    for (const wrong of ['', A.slice(0, -1), `${A}a`, A.toUpperCase(), ` ${A}`, `${A}\0`]) {
      expect(tokens.matches(wrong)).toBe(false);
    }
  });

  it('is disabled when none is configured, and never serializes a token', () => {
    expect(new WebhookTokens([]).enabled).toBe(false);
    expect(tokens.enabled).toBe(true);
    const json = JSON.stringify({ config: { tokens } });
    expect(json).toBe('{"config":{"tokens":{"configured":2,"bound":0}}}');
  });
});

describe('presentedTokens', () => {
  const parts = (path: string, query = '', authorization?: string) =>
    presentedTokens({ path, query, authorization });

  it.each([
    ['/heartbeat/t/abc', '', undefined, ['abc']],
    ['/heartbeat/acme/t/abc', '', undefined, ['abc']],
    ['/heartbeat/acme/t/a%2Fb', '', undefined, ['a/b']],
    ['/heartbeat/t/abc/', '', undefined, ['abc']],
    ['/heartbeat/acme', 'token=abc', undefined, ['abc']],
    ['/heartbeat', 'x=1&token=a%20b', undefined, ['a b']],
    ['/heartbeat', '', 'Bearer abc', ['abc']],
    ['/heartbeat', '', 'bearer   abc', ['abc']],
    ['/heartbeat', '', basic('exotel:abc'), ['abc']],
    ['/heartbeat', '', basic(':abc:def'), ['abc:def']],
    ['/heartbeat/t/x', 'token=y', 'Bearer z', ['x', 'y', 'z']],
    ['/heartbeat/acme', '', undefined, []],
    // `t` as an account name with no token after it is just an account.
    ['/heartbeat/t', '', undefined, []],
  ])('%s ? %s [%s] → %j', (path, query, authorization, expected) => {
    expect(parts(path, query, authorization)).toEqual({ ok: true, tokens: expected });
  });

  it.each([
    ['/heartbeat/t/%E0%A4%A', '', undefined],
    ['/heartbeat', 'token=a&token=b', undefined],
    ['/heartbeat', 'token=a&token=a', undefined],
    ['/heartbeat', '', 'Bearer'],
    ['/heartbeat', '', 'Bearer a b'],
    ['/heartbeat', '', 'Digest abc'],
    ['/heartbeat', '', 'Basic !!!'],
    ['/heartbeat', '', basic('no-colon')],
    ['/heartbeat', '', ''],
  ])('refuses %s ? %s [%s] as malformed', (path, query, authorization) => {
    expect(parts(path, query, authorization)).toEqual({ ok: false });
  });
});

describe('redactTarget', () => {
  it.each([
    ['/heartbeat/t/SECRET', '/heartbeat/t/[redacted]'],
    ['/heartbeat/acme/t/SECRET', '/heartbeat/acme/t/[redacted]'],
    ['/heartbeat/acme/t/SECRET/', '/heartbeat/acme/t/[redacted]/'],
    ['/heartbeat?token=SECRET', '/heartbeat?token=[redacted]'],
    ['/heartbeat?a=1&token=SECRET&b=2', '/heartbeat?a=1&token=[redacted]&b=2'],
    ['/heartbeat?%74oken=SECRET', '/heartbeat?token=[redacted]'],
    ['/heartbeat?TOKEN=SECRET', '/heartbeat?token=[redacted]'],
    ['/heartbeat/t/SECRET?token=SECRET', '/heartbeat/t/[redacted]?token=[redacted]'],
    ['/heartbeat/acme', '/heartbeat/acme'],
    ['/metrics', '/metrics'],
  ])('%s → %s', (target, expected) => {
    expect(redactTarget(target)).toBe(expected);
    expect(redactTarget(target)).not.toContain('SECRET');
  });
});

describe('loadSecurityConfig', () => {
  const main = { port: 8747, host: '' };

  it('reads several comma-separated tokens, trimming and skipping empty entries', () => {
    const config = loadSecurityConfig({ WEBHOOK_TOKENS: ` ${A} ,, ${B},` }, main);
    expect(config.webhookTokens.count).toBe(2);
    expect(config.webhookTokens.matches(A) && config.webhookTokens.matches(B)).toBe(true);
  });

  it.each(['short', `${A},bad token with spaces!!`, `${A},x`, 'é'.repeat(20), 'a'.repeat(257)])(
    'refuses a weak or URL-unsafe token without echoing it (%#)',
    (value) => {
      expect(() => loadSecurityConfig({ WEBHOOK_TOKENS: value }, main)).toThrow(
        /^invalid configuration: --webhook.tokens\/WEBHOOK_TOKENS token \d of \d must be 16 to 256 characters/,
      );
      try {
        loadSecurityConfig({ WEBHOOK_TOKENS: value }, main);
      } catch (error) {
        expect((error as Error).message).not.toContain(value.split(',').at(-1));
      }
    },
  );

  it('METRICS_PORT: optional, must differ from PORT, METRICS_HOST defaults to HOST', () => {
    expect(loadSecurityConfig({}, main).metricsListener).toBeNull();
    expect(
      loadSecurityConfig({ METRICS_PORT: '9000' }, { port: 8747, host: '10.0.0.1' }),
    ).toMatchObject({
      metricsListener: { port: 9000, host: '10.0.0.1' },
    });
    expect(
      loadSecurityConfig({ METRICS_PORT: '9000', METRICS_HOST: '127.0.0.1' }, main).metricsListener,
    ).toEqual({ port: 9000, host: '127.0.0.1' });
    expect(() => loadSecurityConfig({ METRICS_PORT: '8747' }, main)).toThrow(
      'invalid configuration: --web.metrics-listen-address/METRICS_PORT must differ from the port of --web.listen-address (PORT)',
    );
    expect(() => loadSecurityConfig({ METRICS_PORT: 'x' }, main)).toThrow(/METRICS_PORT/);
  });
});
