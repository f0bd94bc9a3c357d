/**
 * What one replica of several says about itself (README "High availability"): its name in every
 * log line and on the status page, and — for a replica that starts with no state — nothing that
 * a "freshest wins" merge across replicas could take for news: no series at all for an account
 * it never saw, and zeros ("never") for the always-present `default` account.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startExporterInProcess, stopAllInProcess } from '../helpers/exporterInProcess.js';
import { tempDir } from '../helpers/exporterProcess.js';
import {
  heartbeat,
  heartbeatUrl,
  iso,
  json,
  postHeartbeat,
  request,
  scrape,
} from '../helpers/http.js';

afterAll(async () => {
  await stopAllInProcess();
});

describe('replica identity', () => {
  it('names REPLICA_NAME in every log line, on the status page and in its JSON', async () => {
    const exporter = await startExporterInProcess({ REPLICA_NAME: 'exotel-exporter-1' });
    const status = json(await request(`${exporter.url}/api/v1/status`)) as Record<string, unknown>;
    expect(status['replica']).toBe('exotel-exporter-1');
    const page = await request(`${exporter.url}/`);
    expect(page.text).toContain('replica <code class="replica">exotel-exporter-1</code>');
    // Not a label on the metrics: Prometheus's `instance` already tells targets apart.
    expect((await request(`${exporter.url}/metrics`)).text).not.toContain('exotel-exporter-1');
    await exporter.stop();
    expect(exporter.logs.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['starting', 'listening', 'ready', 'shutting down', 'stopped']),
    );
    for (const line of exporter.logs) expect(line['replica'], line.msg).toBe('exotel-exporter-1');
  });

  it('defaults to the host name (the pod name in Kubernetes)', async () => {
    const exporter = await startExporterInProcess();
    const status = json(await request(`${exporter.url}/api/v1/status`)) as Record<string, unknown>;
    expect(status['replica']).toBe(hostname());
    expect(exporter.logs.find((line) => line.msg === 'ready')?.['replica']).toBe(hostname());
    await exporter.stop();
  });

  it('refuses a bad REPLICA_NAME at start-up, naming it', async () => {
    await expect(startExporterInProcess({ REPLICA_NAME: 'two words' })).rejects.toThrow(
      /invalid configuration: --replica\.name\/REPLICA_NAME must be/,
    );
  });
});

describe('a replica that starts with no state', () => {
  const dir = tempDir('exotel-replica-');
  afterAll(() => dir.cleanup());

  it('exposes nothing for an account only its peer saw, and zeros for default', async () => {
    const t = Math.floor(Date.now() / 1000) - 30;
    const seen = await startExporterInProcess({ STATE_FILE: join(dir.path, 'a.json') });
    const fresh = await startExporterInProcess({ STATE_FILE: join(dir.path, 'b.json') });
    const body = heartbeat({ timestamp: iso(t), status: 'CRITICAL', incoming: ['s1'] });
    expect((await postHeartbeat(heartbeatUrl(seen.url, 'acme'), body)).status).toBe(200);

    // Ready means: state file handled (here: none yet) and listening; heartbeats are accepted.
    expect((await request(`${fresh.url}/-/ready`)).status).toBe(200);
    const metrics = (await scrape(fresh.url)).metrics;
    expect(metrics.account('acme').size).toBe(0);
    expect(metrics.value('exotel_heartbeat_timestamp_seconds', { account: 'default' })).toBe(0);
    expect(
      metrics.value('exotel_heartbeat_last_received_timestamp_seconds', { account: 'default' }),
    ).toBe(0);
    expect(metrics.value('exotel_exophone_details_timestamp_seconds', { account: 'default' })).toBe(
      0,
    );
    expect(metrics.select('exotel_heartbeat_status', { account: 'default' })).toHaveLength(4);
    expect(
      metrics.select('exotel_heartbeat_status', { account: 'default' }).map((s) => s.value),
    ).toEqual([0, 0, 0, 0]);
    expect(metrics.select('exotel_exophone_affected')).toEqual([]);

    // The peer that saw it, for contrast: a real timestamp, which any merge takes over 0.
    const peer = (await scrape(seen.url)).metrics;
    expect(peer.value('exotel_heartbeat_timestamp_seconds', { account: 'acme' })).toBe(t);
    await seen.stop();
    await fresh.stop();
  });
});
