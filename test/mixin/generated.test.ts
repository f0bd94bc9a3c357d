import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generate } from '../../scripts/mixin.js';
import { OUTPUTS, ROOT } from '../helpers/mixin.js';

/**
 * The committed rules and dashboards are generated from mixin/ (one source of truth): this
 * regenerates every output of `npm run generate` into a temporary directory and fails on any
 * difference with the committed file.
 */
const work = mkdtempSync(join(tmpdir(), 'exotel-generate-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let written: string[] = [];
beforeAll(async () => {
  written = await generate(work);
});

describe('npm run generate', () => {
  test('writes exactly the declared outputs', () => {
    expect(written).toEqual(OUTPUTS.map((o) => o.path));
    expect(written).toEqual(
      expect.arrayContaining([
        'alerts/exotel.rules.yml',
        'grafana/dashboards/exotel-heartbeat.json',
      ]),
    );
  });

  test.each(OUTPUTS.map((o) => o.path))('%s is up to date with mixin/', (path) => {
    const fresh = readFileSync(join(work, path), 'utf8');
    const committed = readFileSync(join(ROOT, path), 'utf8');
    // Not toBe(): on a difference, the message says what to do.
    if (fresh !== committed) {
      expect.fail(`${path} differs from what mixin/ renders: run npm run generate and commit it`);
    }
  });
});
