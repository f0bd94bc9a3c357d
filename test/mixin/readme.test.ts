import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { KUBE_PROMETHEUS_CONFIG, ROOT, renderMixin } from '../helpers/mixin.js';

/**
 * README "Alerts" tells users how to vendor the mixin and render it with their own `_config`:
 * its example runs here, with its exact command lines, against a vendor directory laid out as
 * jsonnet-bundler lays it out (pointing at this checkout), and its `_config` table lists every
 * field with its real default.
 */
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'exotel-readme-mixin-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function block(after: string, lang: string): string {
  const start = readme.indexOf(after);
  if (start < 0) throw new Error(`README has no "${after}"`);
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(readme.slice(start));
  if (match?.[1] === undefined) throw new Error(`no ${lang} block after "${after}"`);
  return match[1];
}

/** The `_config` table: from its header to the first blank line. */
function configTable(): string {
  const start = readme.indexOf('| `_config` field');
  if (start < 0) throw new Error('README has no `_config` table');
  return readme.slice(start, readme.indexOf('\n\n', start));
}

describe('README: rendering the mixin with your settings', () => {
  test('the worked example renders, with the documented commands, to the kube-prometheus rules', () => {
    const install = block('Vendor it with', 'sh');
    const [, , repoPath] =
      /jb install (github\.com\/([^@\s]+))\/mixin@main/.exec(install) ?? ([] as string[]);
    expect(repoPath, install).toBeDefined();
    // What `jb install` leaves: vendor/<repository path>/mixin.
    mkdirSync(join(work, 'vendor', 'github.com', repoPath ?? '', '..'), { recursive: true });
    symlinkSync(ROOT, join(work, 'vendor', 'github.com', repoPath ?? ''));
    writeFileSync(join(work, 'exotel.jsonnet'), block('`exotel.jsonnet`:', 'jsonnet'));

    const commands = block('Render with plain `jsonnet`', 'sh').trim().split('\n');
    expect(commands[1]).toMatch(/^jsonnet /);
    for (const command of commands) {
      const result = spawnSync('sh', ['-c', command], { cwd: work, encoding: 'utf8' });
      if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
      expect({ command, status: result.status, stderr: result.stderr }).toMatchObject({
        command,
        status: 0,
      });
    }
    const rendered = parse(readFileSync(join(work, 'out/exotel.rules.yml'), 'utf8')) as unknown;
    const expected = renderMixin(KUBE_PROMETHEUS_CONFIG);
    expect(rendered).toEqual({ groups: [...expected.recordingGroups, ...expected.alertGroups] });
    const dashboard = JSON.parse(
      readFileSync(join(work, 'out/exotel-heartbeat.json'), 'utf8'),
    ) as unknown;
    expect(dashboard).toEqual(expected.dashboards['exotel-heartbeat.json']);
  });

  test('the _config table lists every field with its default, and nothing else', () => {
    const config = renderMixin().config;
    const rows = new Map(
      [...configTable().matchAll(/^\| `([A-Za-z]+)` +\| `([^`]*)`[^|]*\|/gm)].map((m) => [
        m[1] ?? '',
        m[2] ?? '',
      ]),
    );
    expect([...rows.keys()].sort()).toEqual(Object.keys(config).sort());
    for (const [field, value] of Object.entries(config)) {
      const shown = Array.isArray(value)
        ? `[${value.map((v) => `'${String(v)}'`).join(', ')}]`
        : String(value);
      expect({ field, default: rows.get(field) }).toEqual({ field, default: shown });
    }
  });
});
