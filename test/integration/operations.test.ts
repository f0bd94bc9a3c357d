/**
 * What operators touch: health and readiness, the landing page, exposition formats and content
 * types, build info (the whole exporter in process, as main.ts starts it), and start-up failures
 * on bad configuration (the built exporter as a process: its exit code and stderr).
 */
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOutcome, fixture } from '../helpers/domain.js';
import { expectPromtoolClean } from '../helpers/promtool.js';
import {
  startExporterInProcess,
  stopAllInProcess,
  type ExporterInProcess,
} from '../helpers/exporterInProcess.js';
import {
  heartbeat,
  heartbeatUrl,
  iso,
  postHeartbeat,
  request,
  scrape,
  T0,
} from '../helpers/http.js';

const TEXT_FORMAT = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS_FORMAT = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
/** What Prometheus 2.x sends by default when scraping. */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';

let exporter: ExporterInProcess;

beforeAll(async () => {
  exporter = await startExporterInProcess({ BUILD_REVISION: 'abc123def' });
  expectOutcome(
    await postHeartbeat(
      heartbeatUrl(exporter.url, 'ops-critical'),
      fixture('vendor-scenario-3-critical.json'),
    ),
    'applied',
  );
  expectOutcome(
    await postHeartbeat(
      heartbeatUrl(exporter.url, 'ops-dotted'),
      heartbeat({ timestamp: iso(T0), status: 'WARNING', incoming: ['SID.with:colon-x'] }),
    ),
    'applied',
  );
});

afterAll(async () => {
  await stopAllInProcess();
});

describe('health and readiness', () => {
  it('answers /-/healthy and /-/ready with 200', async () => {
    const healthy = await request(`${exporter.url}/-/healthy`);
    expect({ status: healthy.status, text: healthy.text }).toEqual({ status: 200, text: 'OK\n' });
    const ready = await request(`${exporter.url}/-/ready`);
    expect({ status: ready.status, text: ready.text }).toEqual({ status: 200, text: 'OK\n' });
  });
});

describe('landing page', () => {
  it('lists accounts, their status and affected SIDs, and links to /metrics', async () => {
    // A refused heartbeat with markup in it must not reach the page.
    const refused = await postHeartbeat(
      heartbeatUrl(exporter.url, 'ops-critical'),
      heartbeat({
        timestamp: iso(T0 + 60),
        status: 'WARNING',
        incoming: ['<script>alert(1)</script>'],
      }),
    );
    expect(refused.status).toBe(400);

    const page = await request(`${exporter.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.text).toMatch(/<a href="[^"]*metrics">/);
    for (const name of ['default', 'ops-critical', 'ops-dotted'])
      expect(page.text).toContain(`Account ${name}`);
    expect(page.text).toMatch(/ops-critical <span class="status CRITICAL">CRITICAL</);
    expect(page.text).toMatch(/ops-dotted <span class="status WARNING">WARNING</);
    expect(page.text).toContain('<td>07930061010</td><td>+917930061010</td><td>incoming</td>');
    expect(page.text).toContain('<td>08030752522</td><td>+918030752522</td><td>incoming</td>');
    expect(page.text).toContain('<td>07930061010</td><td>+917930061010</td><td>outgoing</td>');
    expect(page.text).toContain('<td>SID.with:colon-x</td>');
    expect(page.text).not.toContain('<script');
    expect(page.text).not.toContain('alert(1)');
  });
});

describe('/metrics formats', () => {
  it('serves the 0.0.4 text format by default', async () => {
    const result = await scrape(exporter.url);
    expect(result.status).toBe(200);
    expect(result.contentType).toBe(TEXT_FORMAT);
    expect(result.text).not.toContain('# EOF');
    expect(result.text).toContain('# TYPE exotel_heartbeats_received_total counter\n');
  });

  it('serves OpenMetrics 1.0.0 for the Accept header Prometheus sends', async () => {
    const result = await scrape(exporter.url, PROMETHEUS_ACCEPT);
    expect(result.status).toBe(200);
    expect(result.contentType).toBe(OPENMETRICS_FORMAT);
    expect(result.text.endsWith('# EOF\n')).toBe(true);
  });

  it('serves OpenMetrics 1.0.0 for a bare application/openmetrics-text', async () => {
    const result = await scrape(exporter.url, 'application/openmetrics-text');
    expect(result.contentType).toBe(OPENMETRICS_FORMAT);
    expect(result.text.endsWith('# EOF\n')).toBe(true);
    expect(result.text.match(/^# EOF$/gm)).toHaveLength(1);
    // Counter families drop `_total` in OpenMetrics; their samples keep it.
    expect(result.text).toContain('# TYPE exotel_heartbeats_received counter\n');
    expect(result.text).toMatch(
      /^exotel_heartbeats_received_total\{account="ops-critical",status="CRITICAL"\} 1$/m,
    );
  });

  it('compresses /metrics with gzip when asked, one member a strict reader accepts', async () => {
    const plain = await rawGet(exporter.url, {});
    const zipped = await rawGet(exporter.url, { 'accept-encoding': 'gzip' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(zipped.headers['content-encoding']).toBe('gzip');
    for (const answer of [plain, zipped]) {
      expect(answer.headers['vary']).toMatch(/Accept-Encoding/i);
      expect(Number(answer.headers['content-length'])).toBe(answer.body.length);
    }
    // gunzipSync checks the CRC-32 and the length in the trailer, and refuses trailing members.
    const text = gunzipSync(zipped.body).toString('utf8');
    expectPromtoolClean(text);
    const domain = (body: string) =>
      body.split('\n').filter((line) => line.startsWith('exotel_exophone'));
    expect(domain(text)).toEqual(domain(plain.body.toString('utf8')));
    expect(domain(text).length).toBeGreaterThan(0);
    // A second compressed scrape of the same state (the cached part) decodes just as well.
    const again = await rawGet(exporter.url, { 'accept-encoding': 'gzip, deflate, br' });
    expect(domain(gunzipSync(again.body).toString('utf8'))).toEqual(domain(text));
  });

  it('falls back to the text format for an Accept it cannot serve', async () => {
    const result = await scrape(exporter.url, 'application/json');
    expect(result.status).toBe(200);
    expect(result.contentType).toBe(TEXT_FORMAT);
  });

  it('reports build info with BUILD_REVISION', async () => {
    const { metrics } = await scrape(exporter.url);
    expect(metrics.select('exotel_exporter_build_info')).toEqual([
      {
        name: 'exotel_exporter_build_info',
        labels: { version: '0.1.0', revision: 'abc123def', nodejs_version: process.version },
        value: 1,
      },
    ]);
  });

  it('leaves out the prom-client gauges promtool flags', async () => {
    const { text } = await scrape(exporter.url);
    expect(text).not.toMatch(/^nodejs_active_\w+_total/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });
});

describe('configuration errors', () => {
  const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

  function run(
    env: Record<string, string>,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [MAIN], {
        env: {
          PATH: process.env['PATH'] ?? '',
          PORT: '0',
          HOST: '127.0.0.1',
          STATE_FILE: '',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      // A process that does not exit on its own is killed, and then has no exit code: the
      // assertion on `code` below is what catches a start-up that hangs instead of stopping.
      // How long a start-up takes is not asserted: under a loaded CI machine it varies.
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  // Concurrent: each is a separate short-lived process with nothing shared.
  it.concurrent.for([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['MAX_ACCOUNTS', '0'],
    ['LOG_LEVEL', 'loud'],
    ['STRICT_JSON', 'maybe'],
    ['FUTURE_TOLERANCE_SECONDS', '-5'],
    ['MAX_SID_SERIES', '1e3'],
  ] as const)(
    '%s=%s stops start-up with one stderr line naming it',
    async ([variable, value], { expect }) => {
      const result = await run({ [variable]: value });
      expect(result.code).not.toBe(0);
      expect(result.code).not.toBeNull();
      const lines = result.stderr.split('\n').filter((line) => line !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(variable);
      expect(result.stdout).not.toContain('"listening"');
    },
  );
});

/** GET /metrics with node:http, which (unlike fetch) neither asks for nor undoes compression. */
function rawGet(
  base: string,
  headers: Record<string, string>,
): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(`${base}/metrics`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}
