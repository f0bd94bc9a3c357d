/**
 * The Helm chart, rendered by the real helm (`helm lint --strict`, `helm template`) for the
 * default values and every value set in charts/exotel-heartbeat-exporter/ci/, each object
 * validated against the Kubernetes and prometheus-operator schemas (kubernetes-models), and the
 * properties that matter asserted: the security context, the ServiceMonitor selecting the
 * Service, the rules' job selector matching the job the ServiceMonitor produces, an Ingress for
 * the webhook only, no secret in a ConfigMap, replicas with their own state, TLS end to end.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { StatefulSet } from 'kubernetes-models/apps/v1';
import { NetworkPolicy, Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHART_CONFIG } from '../../scripts/mixin.js';
import { DEFAULTS, loadConfig } from '../../src/config.js';
import { maxExpositionSamples } from '../../src/metrics/seriesBudget.js';
import { parseWebConfig } from '../../src/webConfig/webConfig.js';
import { CHART, helm, helmBinary, render, type K8sObject } from '../helpers/helm.js';
import { tempDir } from '../helpers/exporterProcess.js';

const CI = join(CHART, 'ci');
const VALUE_SETS = readdirSync(CI)
  .filter((file) => file.endsWith('-values.yaml'))
  .sort();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every kind the chart may render, with the schema it must satisfy. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'v1/Secret': Secret,
  'v1/ConfigMap': ConfigMap,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

interface Container {
  name: string;
  image: string;
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
  ports?: { name: string; containerPort: number }[];
  securityContext?: Record<string, unknown>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Probe {
  httpGet?: { path: string; port: string | number; scheme: string };
  exec?: { command: string[] };
}
interface PodSpec {
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: {
    name: string;
    emptyDir?: unknown;
    persistentVolumeClaim?: { claimName: string };
    secret?: { secretName: string };
  }[];
  affinity?: { podAntiAffinity?: Record<string, unknown> };
  automountServiceAccountToken?: boolean;
}
interface StatefulSetSpec {
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  volumeClaimTemplates?: { metadata: { name: string } }[];
}

let helmPath = '';
const rendered = new Map<string, K8sObject[]>();

beforeAll(async () => {
  helmPath = await helmBinary();
  for (const set of ['default', ...VALUE_SETS]) {
    rendered.set(set, await render(helmPath, set === 'default' ? [] : [join(CI, set)]));
  }
}, 120_000);

function objects(set: string): K8sObject[] {
  const list = rendered.get(set);
  if (list === undefined) throw new Error(`no render for ${set}`);
  return list;
}
function only(set: string, kind: string): K8sObject {
  const found = objects(set).filter((o) => o.kind === kind);
  expect(
    found.map((o) => o.kind),
    `${set}: exactly one ${kind}`,
  ).toEqual([kind]);
  return found[0] as K8sObject;
}
function statefulSet(set: string): StatefulSetSpec {
  return only(set, 'StatefulSet')['spec'] as StatefulSetSpec;
}
function exporterContainer(set: string): Container {
  const container = statefulSet(set).template.spec.containers.find((c) => c.name === 'exporter');
  if (container === undefined) throw new Error('no exporter container');
  return container;
}
function subset(small: Record<string, string>, big: Record<string, string> | undefined): boolean {
  return Object.entries(small).every(([key, value]) => big?.[key] === value);
}

describe('helm itself', () => {
  it('is the real binary, at the pinned version', async () => {
    const { stdout } = await helm(helmPath, ['version', '--template', '{{.Version}}']);
    expect(stdout).toBe('v4.1.4');
  });

  it('lints the chart (--strict) with the default values and every value set', async () => {
    for (const set of ['default', ...VALUE_SETS]) {
      const args = [
        'lint',
        '--strict',
        CHART,
        ...(set === 'default' ? [] : ['--values', join(CI, set)]),
      ];
      const { stdout } = await helm(helmPath, args);
      expect(stdout, set).toContain('1 chart(s) linted, 0 chart(s) failed');
    }
  });

  it('prints NOTES with the URL to give Exotel, and warns when the webhook is open', async () => {
    const install = (values: string[]) =>
      helm(helmPath, [
        'install',
        'exotel',
        CHART,
        '-n',
        'monitoring',
        '--dry-run=client',
        ...values,
      ]);
    const open = (await install([])).stdout;
    expect(open).toContain('WARNING: no webhook token is set');
    expect(open).toContain('serviceMonitor.additionalLabels.release=<its release name>');
    const withIngress = (await install(['--values', join(CI, 'ingress-networkpolicy-values.yaml')]))
      .stdout;
    expect(withIngress).toContain(
      'https://exotel-exporter.example.com/heartbeat/<account>/t/<token>',
    );
    expect(withIngress).not.toContain('WARNING: no webhook token');
  });

  it('refuses operator mistakes with a message naming the value', async () => {
    const cases: [string[], string][] = [
      [['replicaCount=two'], "at '/replicaCount': got string, want integer"],
      [['secrets.webhookTokens[0]=short'], "'/secrets/webhookTokens/0': 'short' does not match"],
      [
        ['replicaCount=2', 'persistence.existingClaim=mine'],
        'persistence.existingClaim holds one replica',
      ],
      [['webConfig.tls.enabled=true'], 'webConfig.tls.enabled needs webConfig.tls.secretName'],
      [
        ['serviceMonitor.jobLabel=nope'],
        'serviceMonitor.jobLabel "nope" is not a label of the Service',
      ],
      [['persistance.enabled=false'], "additional properties 'persistance' not allowed"],
    ];
    for (const [set, message] of cases) {
      await expect(render(helmPath, [], { set }), set.join(' ')).rejects.toThrow(message);
    }
  });
});

describe.each(['default', ...VALUE_SETS])('value set %s', (set) => {
  it('renders only known kinds, each valid against its Kubernetes / prometheus-operator schema', () => {
    for (const object of objects(set)) {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect(Model, `${object.apiVersion} ${object.kind}`).toBeDefined();
      if (Model === undefined) continue;
      expect(
        () => new Model(object as never).validate(),
        `${object.kind} ${object.metadata.name}`,
      ).not.toThrow();
      expect(object.metadata.namespace ?? 'monitoring', object.kind).toBe('monitoring');
    }
  });

  it('runs as a numeric non-root user with a read-only root, no privilege escalation, no capabilities, seccomp RuntimeDefault', () => {
    const pod = statefulSet(set).template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(exporterContainer(set).securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    // The only writable place is the state volume, where STATE_FILE points.
    const env = exporterContainer(set).env ?? [];
    expect(env.find((e) => e.name === 'STATE_FILE')?.value).toBe(
      '/var/lib/exotel-exporter/state.json',
    );
    expect(exporterContainer(set).volumeMounts).toContainEqual({
      name: 'state',
      mountPath: '/var/lib/exotel-exporter',
    });
  });

  it('gives the exporter an environment its own configuration loader accepts', () => {
    const env: Record<string, string> = {};
    for (const variable of exporterContainer(set).env ?? []) {
      // Secret references stand in for values the exporter would validate the same way.
      env[variable.name] =
        variable.value ??
        (variable.name === 'WEBHOOK_TOKENS'
          ? '0123456789abcdef0123'
          : variable.name === 'EXOTEL_API_HOST'
            ? 'api.exotel.com'
            : 'x');
    }
    delete env['EXOTEL_ACCOUNT_SID'];
    delete env['EXOTEL_API_KEY'];
    delete env['EXOTEL_API_TOKEN'];
    expect(() => loadConfig(env)).not.toThrow();
    expect(loadConfig(env).port).toBe(8747);
  });

  it('probes /-/healthy and /-/ready on the container port, over HTTPS when TLS is on', () => {
    const container = exporterContainer(set);
    const tls = objects(set).some(
      (o) => o.kind === 'StatefulSet' && JSON.stringify(o).includes('"name":"tls"'),
    );
    const probes = [container.startupProbe, container.livenessProbe, container.readinessProbe];
    const paths = ['/-/healthy', '/-/healthy', '/-/ready'];
    probes.forEach((probe, i) => {
      if (probe?.exec !== undefined) {
        expect(probe.exec.command).toEqual([
          'node',
          '/app/dist/main.js',
          'healthcheck',
          ...(paths[i] === '/-/ready' ? ['--ready'] : []),
        ]);
      } else {
        expect(probe?.httpGet).toEqual({
          path: paths[i],
          port: 'http',
          scheme: tls ? 'HTTPS' : 'HTTP',
        });
        expect(container.ports).toContainEqual({
          name: 'http',
          containerPort: 8747,
          protocol: 'TCP',
        });
      }
    });
  });

  it('has a ServiceMonitor that selects the Service, on its port, in its namespace', () => {
    const monitors = objects(set).filter((o) => o.kind === 'ServiceMonitor');
    if (set === 'no-servicemonitor-values.yaml') {
      expect(monitors).toEqual([]);
      return;
    }
    const service = only(set, 'Service');
    const monitor = only(set, 'ServiceMonitor');
    const spec = monitor['spec'] as {
      selector: { matchLabels: Record<string, string> };
      namespaceSelector: { matchNames: string[] };
      endpoints: { port: string; path: string; scheme: string }[];
      sampleLimit: number;
    };
    expect(subset(spec.selector.matchLabels, service.metadata.labels)).toBe(true);
    expect(spec.namespaceSelector.matchNames).toContain(service.metadata.namespace);
    const servicePorts = (service['spec'] as { ports: { name: string; targetPort: string }[] })
      .ports;
    for (const endpoint of spec.endpoints) {
      expect(servicePorts.map((p) => p.name)).toContain(endpoint.port);
      expect(endpoint.path).toBe('/metrics');
    }
    // The Service reaches the pods and their named port.
    const serviceSpec = service['spec'] as { selector: Record<string, string> };
    expect(subset(serviceSpec.selector, statefulSet(set).template.metadata.labels)).toBe(true);
    expect(servicePorts[0]?.targetPort).toBe('http');
  });

  it("has rules whose every job selector is the job the ServiceMonitor produces, in the release's namespace", () => {
    const rules = objects(set).filter((o) => o.kind === 'PrometheusRule');
    if (set === 'no-servicemonitor-values.yaml') {
      expect(rules).toEqual([]);
      return;
    }
    const service = only(set, 'Service');
    const monitor = only(set, 'ServiceMonitor');
    // prometheus-operator: job = the Service's jobLabel label value, else the Service name.
    const jobLabel = (monitor['spec'] as { jobLabel?: string }).jobLabel;
    const job =
      jobLabel === undefined ? service.metadata.name : service.metadata.labels?.[jobLabel];
    expect(job).toBeDefined();
    const text = JSON.stringify(only(set, 'PrometheusRule')['spec']);
    expect(text).not.toContain('__EXOTEL_SELECTOR__');
    const selectors = [...text.matchAll(/job=\\"([^"\\]*)\\"/g)].map((m) => m[1]);
    expect(selectors.length).toBeGreaterThan(5);
    expect(new Set(selectors)).toEqual(new Set([job]));
    const namespaces = [...text.matchAll(/namespace=\\"([^"\\]*)\\"/g)].map((m) => m[1]);
    expect(namespaces.length).toBe(selectors.length);
    expect(new Set(namespaces)).toEqual(new Set(['monitoring']));
  });

  it("points every runbook_url at the exporter's own /runbook through the Service", () => {
    if (set === 'no-servicemonitor-values.yaml') return; // no PrometheusRule: asserted above
    const spec = only(set, 'PrometheusRule')['spec'] as {
      groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[];
    };
    const service = only(set, 'Service');
    const port = (service['spec'] as { ports: { port: number }[] }).ports[0]?.port;
    // The scheme the exporter serves, as the ServiceMonitor scrapes it (https with TLS on).
    const scheme = (only(set, 'ServiceMonitor')['spec'] as { endpoints: { scheme: string }[] })
      .endpoints[0]?.scheme;
    const alerts = spec.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
    expect(alerts.length).toBeGreaterThan(5);
    for (const alert of alerts) {
      expect(alert.annotations?.['runbook_url']).toBe(
        `${scheme}://${service.metadata.name}.monitoring.svc:${port}/runbook#${alert.alert?.toLowerCase() ?? ''}`,
      );
    }
  });

  it('puts no secret value in a ConfigMap', () => {
    const secrets = objects(set)
      .filter((o) => o.kind === 'Secret')
      .flatMap((o) => Object.values((o['data'] ?? {}) as Record<string, string>))
      .map((value) => Buffer.from(value, 'base64').toString('utf8'));
    const secretValues = secrets
      .flatMap((text) => [text, ...text.split(','), ...text.split(/\s+/)])
      .filter((v) => v.length >= 12);
    const configMapText = objects(set)
      .filter((o) => o.kind === 'ConfigMap')
      .map((o) => JSON.stringify(o['data']))
      .join('\n');
    for (const value of secretValues) expect(configMapText).not.toContain(value);
    // And no environment variable carries a secret in plain text.
    const secretVariables = [
      'WEBHOOK_TOKENS',
      'EXOTEL_ACCOUNT_SID',
      'EXOTEL_API_KEY',
      'EXOTEL_API_TOKEN',
    ];
    for (const variable of exporterContainer(set).env ?? []) {
      if (secretVariables.includes(variable.name)) {
        expect(variable.value, variable.name).toBeUndefined();
        expect(variable.valueFrom?.secretKeyRef, variable.name).toBeDefined();
      }
    }
  });
});

describe('specific value sets', () => {
  it('default: the kinds rendered', () => {
    expect(
      objects('default')
        .map((o) => o.kind)
        .sort(),
    ).toEqual([
      'ConfigMap',
      'PrometheusRule',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
      'StatefulSet',
    ]);
    // One replica: no budget (it would block drains) and no anti-affinity; a claim of its own.
    expect(statefulSet('default').replicas).toBe(1);
    expect(statefulSet('default').template.spec.affinity).toBeUndefined();
    expect(statefulSet('default').volumeClaimTemplates?.map((t) => t.metadata.name)).toEqual([
      'state',
    ]);
  });

  it('several replicas: a PodDisruptionBudget, anti-affinity and one state claim per replica', () => {
    const set = 'replicas-values.yaml';
    const sts = statefulSet(set);
    expect(sts.replicas).toBe(3);
    const pdb = only(set, 'PodDisruptionBudget')['spec'] as {
      maxUnavailable: number;
      selector: { matchLabels: Record<string, string> };
    };
    expect(pdb.maxUnavailable).toBe(1);
    expect(subset(pdb.selector.matchLabels, sts.template.metadata.labels)).toBe(true);
    const anti = sts.template.spec.affinity?.podAntiAffinity as {
      requiredDuringSchedulingIgnoredDuringExecution: {
        topologyKey: string;
        labelSelector: { matchLabels: Record<string, string> };
      }[];
    };
    const term = anti.requiredDuringSchedulingIgnoredDuringExecution[0];
    expect(term?.topologyKey).toBe('kubernetes.io/hostname');
    expect(subset(term?.labelSelector.matchLabels ?? {}, sts.template.metadata.labels)).toBe(true);
    // Each replica's own claim from the template; no claim shared through the pod's volumes.
    expect(sts.volumeClaimTemplates?.map((t) => t.metadata.name)).toEqual(['state']);
    expect(sts.template.spec.volumes?.some((v) => v.name === 'state') ?? false).toBe(false);
  });

  it('several replicas with the default soft anti-affinity', async () => {
    const list = await render(helmPath, [], { set: ['replicaCount=2'] });
    const sts = list.find((o) => o.kind === 'StatefulSet')?.['spec'] as StatefulSetSpec;
    expect(Object.keys(sts.template.spec.affinity?.podAntiAffinity ?? {})).toEqual([
      'preferredDuringSchedulingIgnoredDuringExecution',
    ]);
    expect(list.filter((o) => o.kind === 'PodDisruptionBudget')).toHaveLength(1);
  });

  it('emptyDir: no claim, the state on an emptyDir', () => {
    const sts = statefulSet('emptydir-values.yaml');
    expect(sts.volumeClaimTemplates).toBeUndefined();
    expect(sts.template.spec.volumes).toContainEqual({
      name: 'state',
      emptyDir: { sizeLimit: '64Mi' },
    });
  });

  it('existing claim: the pod mounts it, no claim template', () => {
    const sts = statefulSet('existing-claim-values.yaml');
    expect(sts.volumeClaimTemplates).toBeUndefined();
    expect(sts.template.spec.volumes).toContainEqual({
      name: 'state',
      persistentVolumeClaim: { claimName: 'exotel-exporter-state' },
    });
  });

  it('TLS and basic auth: a web config the exporter accepts, HTTPS probes and scrapes', () => {
    const set = 'tls-basic-auth-values.yaml';
    const webConfigSecret = objects(set).find(
      (o) => o.kind === 'Secret' && o.metadata.name.endsWith('-web-config'),
    );
    const file = Buffer.from(
      ((webConfigSecret?.['data'] ?? {}) as Record<string, string>)['web-config.yml'] ?? '',
      'base64',
    ).toString('utf8');
    const parsed = parseWebConfig(file);
    expect(parsed.tls).toMatchObject({
      certFile: '/etc/exotel-exporter/tls/tls.crt',
      keyFile: '/etc/exotel-exporter/tls/tls.key',
      minVersion: 'TLSv1.3',
    });
    expect([...parsed.basicAuthUsers.keys()]).toEqual(['prometheus']);
    expect(parsed.headers).toEqual({ 'Strict-Transport-Security': 'max-age=31536000' });
    const container = exporterContainer(set);
    expect(container.env).toContainEqual({
      name: 'WEB_CONFIG_FILE',
      value: '/etc/exotel-exporter/web-config.yml',
    });
    expect(container.volumeMounts?.map((m) => m.mountPath)).toEqual(
      expect.arrayContaining(['/etc/exotel-exporter/web-config.yml', '/etc/exotel-exporter/tls']),
    );
    expect(statefulSet(set).template.spec.volumes).toContainEqual({
      name: 'tls',
      secret: { secretName: 'exotel-exporter-tls' },
    });
    const endpoint = (
      only(set, 'ServiceMonitor')['spec'] as { endpoints: Record<string, unknown>[] }
    ).endpoints[0];
    expect(endpoint).toMatchObject({
      scheme: 'https',
      tlsConfig: { insecureSkipVerify: true },
      basicAuth: { username: { name: 'exotel-exporter-scrape', key: 'user' } },
    });
    expect(only(set, 'ServiceMonitor').metadata.labels?.['release']).toBe('kube-prometheus-stack');
  });

  it('existing secrets: the chart creates no Secret and refers to the given ones', () => {
    const set = 'existing-secret-values.yaml';
    expect(objects(set).filter((o) => o.kind === 'Secret')).toEqual([]);
    const env = exporterContainer(set).env ?? [];
    expect(env.find((e) => e.name === 'WEBHOOK_TOKENS')?.valueFrom?.secretKeyRef).toEqual({
      name: 'exotel-exporter-secrets',
      key: 'WEBHOOK_TOKENS',
      optional: true,
    });
    expect(statefulSet(set).template.spec.volumes).toContainEqual({
      name: 'web-config',
      secret: { secretName: 'exotel-exporter-web-config' },
    });
  });

  it('the Ingress exposes only the webhook path prefix, never /metrics or the status page', () => {
    const set = 'ingress-networkpolicy-values.yaml';
    const ingress = only(set, 'Ingress')['spec'] as {
      rules: {
        host: string;
        http: { paths: { path: string; pathType: string; backend: unknown }[] };
      }[];
    };
    const service = only(set, 'Service');
    expect(ingress.rules).toEqual([
      {
        host: 'exotel-exporter.example.com',
        http: {
          paths: [
            {
              path: '/heartbeat',
              pathType: 'Prefix',
              backend: { service: { name: service.metadata.name, port: { name: 'http' } } },
            },
          ],
        },
      },
    ]);
    // Kubernetes Prefix matching is per path element.
    const routed = (path: string) =>
      ingress.rules.some((rule) =>
        rule.http.paths.some(
          (p) => p.pathType === 'Prefix' && (path === p.path || path.startsWith(`${p.path}/`)),
        ),
      );
    for (const path of [
      '/heartbeat',
      '/heartbeat/acme',
      '/heartbeat/acme/t/0123456789abcdef0123',
    ]) {
      expect(routed(path), path).toBe(true);
    }
    for (const path of [
      '/',
      '/metrics',
      '/api/v1/status',
      '/api/v1/accounts/acme',
      '/runbook',
      '/status.css',
      '/-/healthy',
      '/-/ready',
      '/heartbeats',
    ]) {
      expect(routed(path), path).toBe(false);
    }
  });

  it('the API credentials and tokens land in the Secret, not anywhere in plain text', () => {
    const set = 'ingress-networkpolicy-values.yaml';
    const secret = objects(set).find(
      (o) => o.kind === 'Secret' && !o.metadata.name.endsWith('-web-config'),
    );
    const data = Object.fromEntries(
      Object.entries((secret?.['data'] ?? {}) as Record<string, string>).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString('utf8'),
      ]),
    );
    expect(data).toEqual({
      WEBHOOK_TOKENS: 'token-one-0123456789abcdef,token-two-0123456789abcdef',
      EXOTEL_ACCOUNT_SID: 'acme-account-sid',
      EXOTEL_API_KEY: 'api-key-secret-value-123',
      EXOTEL_API_TOKEN: 'api-token-secret-value-456',
    });
    const elsewhere = JSON.stringify(objects(set).filter((o) => o.kind !== 'Secret'));
    for (const value of [
      'token-one-0123456789abcdef',
      'api-key-secret-value-123',
      'api-token-secret-value-456',
    ]) {
      expect(elsewhere).not.toContain(value);
    }
    const policy = only(set, 'NetworkPolicy')['spec'] as {
      policyTypes: string[];
      ingress: { ports: unknown[] }[];
    };
    expect(policy.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.ingress[0]?.ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
  });

  it('the dashboard ConfigMap carries the sidecar label and the generated dashboard, selecting this release', () => {
    const map = objects('default').find((o) => o.kind === 'ConfigMap');
    expect(map?.metadata.labels?.['grafana_dashboard']).toBe('1');
    const json = ((map?.['data'] ?? {}) as Record<string, string>)['exotel-heartbeat.json'] ?? '';
    const generated = readFileSync(join(CHART, 'files', 'dashboard.json'), 'utf8');
    expect(generated).toContain('{__EXOTEL_SELECTOR__');
    const selector = 'job="exotel-exotel-heartbeat-exporter",namespace="monitoring"';
    expect(JSON.parse(json)).toEqual(
      JSON.parse(
        generated.replaceAll('__EXOTEL_SELECTOR__', JSON.stringify(selector).slice(1, -1)),
      ),
    );
    expect(json).not.toContain('__EXOTEL_SELECTOR__');
    expect((JSON.parse(json) as { uid?: string }).uid).toBe('exotel-heartbeat');
  });

  it("renders the mixin with replica and group labels a ServiceMonitor's targets really have", () => {
    // prometheus-operator gives every ServiceMonitor target these labels (besides relabelings).
    const targetLabels = [
      'job',
      'namespace',
      'service',
      'pod',
      'container',
      'endpoint',
      'instance',
    ];
    const config = CHART_CONFIG as { instanceLabels: string[]; groupLabels: string[] };
    for (const label of [...config.instanceLabels, ...config.groupLabels]) {
      expect(targetLabels).toContain(label);
    }
    // Replicas are told apart by pod; releases by namespace (and job).
    expect(config.instanceLabels).toContain('pod');
    expect(config.groupLabels).toEqual(['job', 'namespace']);
  });

  it('the rendered rules pass promtool check rules', async () => {
    const dir = tempDir('exotel-chart-rules-');
    try {
      const file = join(dir.path, 'rules.yml');
      writeFileSync(file, JSON.stringify(only('default', 'PrometheusRule')['spec']));
      const { stdout } = await promisify(execFile)('promtool', ['check', 'rules', file]);
      expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
    } finally {
      dir.cleanup();
    }
  });
});

describe('defaults that follow from measurements and budgets', () => {
  const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as {
    config: { maxSidSeries: number; maxAccounts: number; maxTotalSidSeries: number };
    serviceMonitor: { sampleLimit: number };
    resources: { limits: { memory: string } };
  };

  it('the chart passes the exporter its own defaults', () => {
    expect(values.config.maxSidSeries).toBe(DEFAULTS.maxSidSeries);
    expect(values.config.maxAccounts).toBe(DEFAULTS.maxAccounts);
    expect(values.config.maxTotalSidSeries).toBe(DEFAULTS.maxTotalSidSeries);
  });

  it("sampleLimit covers the exporter's series budget for the chart's settings (seriesBudget.ts)", () => {
    const bound = maxExpositionSamples(values.config);
    expect(values.serviceMonitor.sampleLimit).toBeGreaterThanOrEqual(bound);
    // And its headroom is the shipped Prometheus configuration's, for the same defaults.
    const prometheus = readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8');
    expect(prometheus).toContain(`sample_limit: ${values.serviceMonitor.sampleLimit}`);
    expect(bound).toBe(maxExpositionSamples(DEFAULTS));
  });

  it('the memory limit is the peak RSS of `npm run bench` (10 MB heartbeat) plus at least 20%', () => {
    const bench = JSON.parse(readFileSync(join(ROOT, 'bench/results/latest.json'), 'utf8')) as {
      memory: { peakRss: number };
    };
    const limit = /^(\d+)Mi$/.exec(values.resources.limits.memory);
    expect(limit).not.toBeNull();
    const bytes = Number(limit?.[1]) * 1024 * 1024;
    expect(bytes).toBeGreaterThanOrEqual(bench.memory.peakRss * 1.2);
    const mib = Math.round(bench.memory.peakRss / 1024 / 1024);
    expect(readFileSync(join(CHART, 'values.yaml'), 'utf8')).toContain(`peak RSS ${mib} MB`);
  });

  it('the image runs as the user the chart declares, with the exporter where the exec probes look', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    // The exec probes' /app/dist/main.js is where the image puts the exporter.
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^WORKDIR \/app$/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
  });
});
