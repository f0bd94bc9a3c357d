/**
 * What a real Prometheus asks for and gets: Debian's Prometheus scrapes the real exporter process
 * through a recording proxy in this test, which notes the `Accept` header Prometheus sends and the
 * `Content-Type` the exporter answers. Debian bookworm ships Prometheus 2.42, whose header is the
 * 2.33–2.48 constant in test/unit/negotiate.test.ts; Prometheus 3's header is covered there (from
 * Prometheus's own source) and by test/integration/operations.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { negotiateFormat } from '../../src/metrics/negotiate.js';
import { freePort, startBinary, stopAllBinaries, type RunningBinary } from '../helpers/binaries.js';
import {
  startExporterProcess,
  stopAll,
  tempDir,
  type ExporterProcess,
} from '../helpers/exporterProcess.js';
import { waitFor } from '../helpers/http.js';

interface Seen {
  readonly accept: string;
  readonly contentType: string;
}

const dir = tempDir('exotel-accept-');
const seen: Seen[] = [];
let exporter: ExporterProcess;
let proxy: Server;
let prometheus: RunningBinary;
let prometheusUrl: string;

beforeAll(async () => {
  exporter = await startExporterProcess();
  proxy = createServer((req, res) => {
    const upstream = httpRequest(
      `${exporter.url}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        seen.push({
          accept: req.headers.accept ?? '',
          contentType: answer.headers['content-type'] ?? '',
        });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const proxyPort = await freePort();
  await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
  const promPort = await freePort();
  prometheusUrl = `http://127.0.0.1:${promPort}`;
  writeFileSync(
    join(dir.path, 'prometheus.yml'),
    `global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n  - job_name: accept\n    static_configs: [{targets: ['127.0.0.1:${proxyPort}']}]\n`,
  );
  prometheus = await startBinary(
    'prometheus',
    [
      `--config.file=${join(dir.path, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir.path, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    `${prometheusUrl}/-/ready`,
  );
}, 60_000);

afterAll(async () => {
  await prometheus.stop();
  stopAllBinaries();
  stopAll();
  await new Promise((resolve) => proxy.close(resolve));
  dir.cleanup();
});

describe('a real Prometheus scraping the exporter', () => {
  it('asks with its default Accept header and gets OpenMetrics 1.0.0, which it ingests', async () => {
    await waitFor('a scrape by Prometheus', () => seen.length > 0, 20_000);
    const first = seen[0] as Seen;
    expect(first.accept).toBe(
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
    );
    expect(first.contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(negotiateFormat(first.accept).contentType).toBe(first.contentType);

    // Prometheus parsed it: the exporter's own build info is queryable.
    await waitFor(
      'exotel_exporter_build_info in Prometheus',
      async () => {
        const response = await fetch(
          `${prometheusUrl}/api/v1/query?query=${encodeURIComponent('exotel_exporter_build_info{job="accept"}')}`,
        );
        const body = (await response.json()) as { data?: { result?: unknown[] } };
        return (body.data?.result?.length ?? 0) === 1;
      },
      20_000,
    );
  });
});
