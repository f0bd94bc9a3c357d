import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Test files that replace a module with `vi.mock`. They run isolated (a fresh module graph per
 * file), so their mock never reaches another file and no other file's copy of the real module
 * reaches them. Found by reading the files, so a new one cannot be forgotten here.
 */
const MOCKING = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .filter((path) => path.endsWith('.test.ts'))
  .map((path) => join('test', path))
  .filter((path) => /\bvi\.(?:do)?mock\(/.test(readFileSync(path, 'utf8')));

export default defineConfig({
  test: {
    // Most files spend their time waiting on real processes (Prometheus, Alertmanager, nginx,
    // helm, the exporter), so three files at a time keep both cores busy; vitest's default on a
    // 2-core machine is one file at a time (cores - 1), which took twice as long.
    maxWorkers: 3,
    // Integration tests start real processes; give them room on a shared 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...MOCKING],
          // A worker imports the sources (and express, typebox, prom-client, …) once for all the
          // files it runs, instead of once per file: that import was half of the unit tests'
          // CPU time. Safe because the sources keep no state in modules (clock, registry, file
          // system and logger are injected; each test builds its own), and what the test helpers
          // keep across tests (the processes and in-process exporters they started) is emptied
          // by each file's afterAll.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: MOCKING, isolate: true } },
    ],
  },
});
