/**
 * The status page's HTTP side on the real exporter: the JSON twin at /api/v1/status, the
 * security headers, and the refusals. What the page looks like is tested in test/browser/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startExporterInProcess,
  stopAllInProcess,
  type ExporterInProcess,
} from '../helpers/exporterInProcess.js';
import { heartbeat, heartbeatUrl, iso, json, postHeartbeat, request } from '../helpers/http.js';

let exporter: ExporterInProcess;
const t = Math.floor(Date.now() / 1000) - 60;

beforeAll(async () => {
  exporter = await startExporterInProcess({ HEARTBEAT_INTERVAL_SECONDS: '120' });
  const body = heartbeat({
    timestamp: iso(t),
    status: 'CRITICAL',
    incoming: ['07930061010'],
    phones: { '07930061010': '+917930061010' },
  });
  expect((await postHeartbeat(heartbeatUrl(exporter.url, 'acme'), body)).status).toBe(200);
  expect((await postHeartbeat(heartbeatUrl(exporter.url, 'acme'), body)).status).toBe(200);
  expect((await postHeartbeat(heartbeatUrl(exporter.url, 'Acme'), body)).status).toBe(400);
  expect((await postHeartbeat(heartbeatUrl(exporter.url, 'acme'), '{"timestamp":')).status).toBe(
    400,
  );
});

afterAll(async () => {
  await stopAllInProcess();
});

describe('GET /api/v1/status', () => {
  it('answers the per-account summary and the recent heartbeats as JSON, never a body', async () => {
    const answer = await request(`${exporter.url}/api/v1/status`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const status = json(answer) as Record<string, unknown>;
    expect(status).toMatchObject({
      heartbeat_interval_seconds: 120,
      accounts: [
        {
          account: 'acme',
          status: 'CRITICAL',
          freshness: 'on_time',
          heartbeat_timestamp: new Date(t * 1000).toISOString(),
          details_timestamp: new Date(t * 1000).toISOString(),
          affected: { incoming: 1, outgoing: 0 },
        },
        { account: 'default', status: null, freshness: 'never', last_received_at: null },
      ],
      recent_heartbeats: [
        {
          account: 'acme',
          http_status: 400,
          outcome: 'rejected',
          reason: 'invalid_json',
          detail: 'body is not valid JSON',
          body_bytes: 13,
        },
        {
          account: 'Acme',
          http_status: 400,
          outcome: 'rejected',
          reason: 'invalid_account',
          body_bytes: null,
        },
        { account: 'acme', http_status: 200, outcome: 'duplicate', status: 'CRITICAL' },
        {
          account: 'acme',
          http_status: 200,
          outcome: 'applied',
          status: 'CRITICAL',
          incoming: 1,
          outgoing: 0,
          repairs: [],
        },
      ],
    });
    expect(Date.parse(String(status['generated_at']))).toBeGreaterThan(Date.now() - 60_000);
    expect(answer.text).not.toContain('+917930061010');
  });
});

describe('security headers', () => {
  it.each(['/', '/status.css', '/favicon.svg', '/api/v1/status'])(
    '%s has a strict CSP and no sniffing, framing, referrer or caching',
    async (path) => {
      const answer = await request(`${exporter.url}${path}`);
      expect(answer.status).toBe(200);
      const csp = answer.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe');
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
      expect(answer.headers.get('cache-control')).toBe('no-store');
    },
  );

  it('serves the style sheet as CSS', async () => {
    const answer = await request(`${exporter.url}/status.css`);
    expect(answer.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(answer.text).toContain('.status.CRITICAL');
  });
});

describe('refusals', () => {
  it.each(['abc', '1', '99999', '-5'])('?refresh=%s is a 400 with a JSON error', async (value) => {
    const answer = await request(`${exporter.url}/?refresh=${value}`);
    expect(answer.status).toBe(400);
    expect(json(answer)).toEqual({
      error: 'invalid_refresh',
      detail: 'refresh must be 0 (off) or whole seconds from 5 to 3600',
    });
  });

  it.each(['/', '/api/v1/status', '/status.css'])('POST %s is a 405', async (path) => {
    const answer = await request(`${exporter.url}${path}`, { method: 'POST' });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET, HEAD');
  });
});
