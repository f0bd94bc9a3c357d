import { renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from './environment.js';
import type { IngestResult } from './measure/ingest.js';
import type { MemoryResult } from './measure/memory.js';
import type { PrometheusResult } from './measure/prometheusScrape.js';
import type { RenderResult } from './measure/render.js';
import type { ScrapeUnderLoadResult } from './measure/scrapeUnderLoad.js';
import type { SmallResult } from './measure/smallHeartbeats.js';
import { RESULTS_DIR } from './paths.js';

/** Everything one run measured: all raw samples next to their medians, and the environment. */
export interface BenchResults {
  readonly environment: Environment;
  readonly quick: boolean;
  readonly heartbeats: readonly {
    readonly name: string;
    readonly sids: number;
    readonly pairs: number;
    readonly bytes: number;
  }[];
  readonly ingest: IngestResult[];
  readonly render: RenderResult[];
  readonly prometheus: PrometheusResult | null;
  readonly scrapeUnderLoad: ScrapeUnderLoadResult;
  readonly memory: MemoryResult;
  readonly small: SmallResult;
  /** Measurements left out, with the reason (a missing binary). */
  readonly skipped: string[];
  readonly notes: string[];
  readonly durationSeconds: number;
  /** 1-minute load average at the end (the bench's own load included). */
  readonly loadAverageAtEnd: number;
}

/**
 * Writes bench/results/<timestamp>.json plus latest.json and latest.md. The timestamp is ISO 8601
 * in its basic form (20261125T010321Z): no colons, so the names are valid on every file system.
 * A BENCH_QUICK=1 smoke run writes <timestamp>-quick.json and latest-quick.{json,md} instead
 * (git-ignored), so it never replaces the numbers of a full run.
 * Each file is written beside its target and renamed, so an interrupted run leaves no half file.
 */
export function writeResults(results: BenchResults, table: string): string[] {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = results.environment.date.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const suffix = results.quick ? '-quick' : '';
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const files: [string, string][] = [
    [`${stamp}${suffix}.json`, json],
    [`latest${suffix}.json`, json],
    [`latest${suffix}.md`, table],
  ];
  return files.map(([name, text]) => {
    const path = join(RESULTS_DIR, name);
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
    return path;
  });
}
