/**
 * The package as a user gets it: `npm pack`, then a global install of the tarball into a temporary
 * prefix, from npm's cache where it can (`--prefer-offline`; what is missing comes from the
 * registry `npm ci` used). The installed command must print its version, start and become ready,
 * and `send` a heartbeat that the running exporter applies.
 *
 * It packs the `dist/` that `npm test` has just built (`--ignore-scripts`): letting `prepack`
 * build it again would cost 7 s of CPU and rewrite the files other test files' exporters are
 * starting from. That `npm pack` builds first is checked on package.json instead.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/binaries.js';
import { tempDir } from '../helpers/exporterProcess.js';
import { waitFor } from '../helpers/http.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
  private?: boolean;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};
const dir = tempDir('exotel-pack-');
let bin: string;
let files: string[];

beforeAll(() => {
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir.path], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as { filename: string; files: { path: string }[] }[];
  const tarball = join(dir.path, packed[0]?.filename ?? '');
  files = packed[0]?.files.map((f) => f.path) ?? [];
  const prefix = join(dir.path, 'prefix');
  execFileSync(
    'npm',
    ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
    { stdio: 'pipe' },
  );
  bin = join(prefix, 'bin', 'exotel-heartbeat-exporter');
}, 120_000);

afterAll(() => {
  dir.cleanup();
});

describe('npm pack and a global install', () => {
  it('ships the built code and the docs, not the sources or the tests', () => {
    expect(files).toContain('dist/main.js');
    expect(files).toContain('package.json');
    expect(files).toContain('README.md');
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    expect(pkg.engines.node).toBe('>=20.15');
    // A plain `npm pack` (or publish) builds dist/ first, so it never ships a stale build.
    expect(pkg.scripts['prepack']).toBe('npm run build');
    // Everything the installed exporter imports at run time is a dependency (the install above
    // would otherwise leave it out and the commands below would fail).
    expect(Object.keys(pkg.dependencies)).toContain('fastest-levenshtein');
  });

  it('installs a command that prints its version', () => {
    expect(existsSync(bin)).toBe(true);
    const result = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`exotel-heartbeat-exporter, version ${pkg.version} `);
  });

  it('runs the exporter until ready, and `send` posts a heartbeat it applies', async () => {
    const port = await freePort();
    const child = spawn(bin, ['--web.listen-address', `127.0.0.1:${port}`, '--state.file='], {
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: 'ignore',
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitFor(
        'the installed exporter to be ready',
        async () => {
          try {
            return (await fetch(`${url}/-/ready`)).status === 200;
          } catch {
            return false;
          }
        },
        20_000,
      );
      const sent = spawnSync(
        bin,
        [
          'send',
          '--url',
          `${url}/heartbeat/packed`,
          '--status',
          'critical',
          '--sids',
          '07930061010',
        ],
        {
          encoding: 'utf8',
        },
      );
      expect({ status: sent.status, stderr: sent.stderr }).toEqual({ status: 0, stderr: '' });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^exotel_heartbeat_status\{account="packed",status="CRITICAL"\} 1$/m);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
