import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Most files spend their time waiting on real processes (Prometheus, Alertmanager, nginx,
    // helm, the exporter), so three files at a time keep both cores busy; vitest's default on a
    // 2-core machine is one file at a time (cores - 1), which took twice as long.
    maxWorkers: 3,
    // Integration tests start real processes; give them room on a shared 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
