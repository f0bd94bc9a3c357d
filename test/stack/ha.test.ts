/**
 * Static checks of the high-availability examples: docker-compose.ha.yml against the Compose
 * Specification schema and against docker-compose.yml (what it overrides must exist there, what
 * it adds must be wired to files that exist), and deploy/prometheus/prometheus-ha.yml with
 * promtool, kept in step with prometheus.yml. The running pieces are tested in
 * test/deploy/nginx.test.ts and test/e2e/ha.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { composeValidator } from './composeSchema.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type Json = Record<string, unknown>;
interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: Json;
  volumes?: { type: string; source?: string; target?: string }[];
  networks?: Record<string, { aliases?: string[] }>;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const base = parse(read('docker-compose.yml')) as Compose;
const ha = parse(read('docker-compose.ha.yml')) as Compose;

function service(file: Compose, name: string): Service {
  const found = file.services[name];
  if (found === undefined) throw new Error(`no service ${name}`);
  return found;
}

describe('docker-compose.ha.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const validate = composeValidator();
    const valid = validate(ha);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('overrides only services docker-compose.yml has, and adds the second replica and peer', () => {
    const added = Object.keys(ha.services).filter((name) => !(name in base.services));
    expect(added.sort()).toEqual(['alertmanager-2', 'exporter-1', 'nginx']);
  });

  it('runs the second exporter replica like the first, with its own state volume and name', () => {
    const first = service(base, 'exporter');
    const second = service(ha, 'exporter-1');
    expect(second.image).toBe(first.image);
    expect(second.healthcheck).toEqual(first.healthcheck);
    expect(second.environment?.['REPLICA_NAME']).toBe('exporter-1');
    expect(service(ha, 'exporter').environment?.['REPLICA_NAME']).toBe('exporter-0');
    const volumeOf = (s: Service) => s.volumes?.find((v) => v.type === 'volume');
    expect(volumeOf(second)?.target).toBe(volumeOf(first)?.target);
    expect(volumeOf(second)?.source).not.toBe(volumeOf(first)?.source);
    expect(Object.keys(ha.volumes ?? {})).toContain(volumeOf(second)?.source);
    // The names the nginx examples and prometheus-ha.yml use.
    expect(service(ha, 'exporter').networks?.['default']?.aliases).toEqual(['exporter-0']);
  });

  it('mounts files that exist, and nginx gets one of the tested examples', () => {
    for (const svc of Object.values(ha.services)) {
      for (const volume of svc.volumes ?? []) {
        if (volume.type === 'bind') expect(existsSync(join(ROOT, volume.source ?? ''))).toBe(true);
      }
    }
    const nginxConf = service(ha, 'nginx').volumes?.[0]?.source;
    expect(['./deploy/nginx/exotel-mirror.conf', './deploy/nginx/exotel-balance.conf']).toContain(
      nginxConf,
    );
    const text = read('deploy/nginx/exotel-mirror.conf');
    expect(text).toContain('exporter-0:8747');
    expect(text).toContain('exporter-1:8747');
  });

  it('joins the two Alertmanagers into one cluster, each naming the other', () => {
    const first = service(ha, 'alertmanager').command ?? [];
    const second = service(ha, 'alertmanager-2').command ?? [];
    expect(first).toContain('--cluster.peer=alertmanager-2:9094');
    expect(second).toContain('--cluster.peer=alertmanager:9094');
    // Same configuration file: cluster members must route alike to deduplicate.
    expect(first.find((a) => a.startsWith('--config.file'))).toBe(
      second.find((a) => a.startsWith('--config.file')),
    );
    expect(service(ha, 'alertmanager-2').image).toBe(service(base, 'alertmanager').image);
  });
});

interface ScrapeConfig {
  job_name: string;
  static_configs: { targets: string[] }[];
  [limit: string]: unknown;
}
interface PrometheusConfig {
  global: Json & { external_labels?: Record<string, string> };
  rule_files: string[];
  alerting: {
    alert_relabel_configs?: { action: string; regex: string }[];
    alertmanagers: { static_configs: { targets: string[] }[] }[];
  };
  scrape_configs: ScrapeConfig[];
}

describe('deploy/prometheus/prometheus-ha.yml', () => {
  const text = read('deploy/prometheus/prometheus-ha.yml');
  const haConfig = parse(text) as PrometheusConfig;
  const single = parse(read('deploy/prometheus/prometheus.yml')) as PrometheusConfig;

  it('drops the Prometheus replica label from alerts and sends to every Alertmanager', () => {
    const replicaLabel = Object.keys(haConfig.global.external_labels ?? {});
    expect(replicaLabel).toEqual(['replica']);
    expect(haConfig.alerting.alert_relabel_configs).toEqual([
      { action: 'labeldrop', regex: 'replica' },
    ]);
    const targets = haConfig.alerting.alertmanagers.flatMap((a) =>
      a.static_configs.flatMap((s) => s.targets),
    );
    const composeAlertmanagers = Object.keys({ ...base.services, ...ha.services }).filter((n) =>
      n.startsWith('alertmanager'),
    );
    expect(targets.sort()).toEqual(composeAlertmanagers.map((n) => `${n}:9093`).sort());
  });

  it('scrapes every replica with the same job and limits as prometheus.yml', () => {
    const [job] = haConfig.scrape_configs;
    const [singleJob] = single.scrape_configs;
    expect(haConfig.scrape_configs).toHaveLength(1);
    const withoutTargets = (c: ScrapeConfig | undefined) =>
      Object.fromEntries(Object.entries(c ?? {}).filter(([key]) => key !== 'static_configs'));
    expect(withoutTargets(job)).toEqual(withoutTargets(singleJob));
    expect(job?.static_configs.flatMap((s) => s.targets)).toEqual([
      'exporter-0:8747',
      'exporter-1:8747',
    ]);
    expect(haConfig.rule_files).toEqual(single.rule_files);
  });

  it('promtool check config accepts it, with the repository rules in place of the mount', () => {
    const document = parseDocument(text);
    document.set('rule_files', [join(ROOT, 'alerts', '*.yml')]);
    const dir = mkdtempSync(join(tmpdir(), 'exotel-prometheus-ha-'));
    try {
      const path = join(dir, 'prometheus.yml');
      writeFileSync(path, document.toString());
      const result = spawnSync('promtool', ['check', 'config', path], { encoding: 'utf8' });
      if (result.error) throw new Error(`promtool could not run: ${result.error.message}`);
      expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
