import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig } from '../../src/config.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('status page configuration', () => {
  it('defaults to a 5-minute heartbeat interval and no Grafana link', () => {
    expect(DEFAULTS.heartbeatIntervalSeconds).toBe(300);
    expect(DEFAULTS.grafanaUrl).toBeNull();
    expect(loadConfig({}).heartbeatIntervalSeconds).toBe(300);
  });

  it.each([
    [{ HEARTBEAT_INTERVAL_SECONDS: '60' }, { heartbeatIntervalSeconds: 60 }],
    [{ HEARTBEAT_INTERVAL_SECONDS: '1' }, { heartbeatIntervalSeconds: 1 }],
    [
      { GRAFANA_URL: 'https://grafana.example.com/d/exotel-heartbeat?orgId=1' },
      { grafanaUrl: 'https://grafana.example.com/d/exotel-heartbeat?orgId=1' },
    ],
    [{ GRAFANA_URL: 'http://grafana:3000' }, { grafanaUrl: 'http://grafana:3000/' }],
    [{ GRAFANA_URL: '' }, { grafanaUrl: null }],
  ])('parses %j', (env, expected) => {
    expect(loadConfig(env)).toMatchObject(expected);
  });

  it.each([
    ['HEARTBEAT_INTERVAL_SECONDS', '0'],
    ['HEARTBEAT_INTERVAL_SECONDS', '5m'],
    ['HEARTBEAT_INTERVAL_SECONDS', '86401'],
    ['GRAFANA_URL', 'grafana.example.com/d/x'],
    ['GRAFANA_URL', 'javascript:alert(1)'],
    ['GRAFANA_URL', 'ftp://grafana.example.com/'],
    ['GRAFANA_URL', 'https://admin:secret@grafana.example.com/'],
  ])('refuses %s=%s with a ConfigError naming the variable', (variable, value) => {
    const error = configError({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).not.toContain('secret');
  });
});
