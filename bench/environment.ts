import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import type { StartCommand } from './exporter.js';
import { ROOT } from './paths.js';
import { findBinary } from './processes.js';

/** The machine and revision a run measured; printed above the table and kept in the results. */
export interface Environment {
  readonly date: string;
  readonly node: string;
  readonly exporterNodeFlags: string;
  readonly startScript: string;
  readonly cpu: string;
  readonly cores: number;
  readonly totalMemoryGiB: number;
  readonly os: string;
  readonly revision: string;
  readonly prometheus: string | null;
  readonly pushgateway: string | null;
  /** 1-minute load average when the run started: other work on the machine skews every number. */
  readonly loadAverageAtStart: number;
}

export function describeEnvironment(start: StartCommand): Environment {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    exporterNodeFlags: start.nodeFlags.length === 0 ? '(none)' : start.nodeFlags.join(' '),
    startScript: start.script,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    totalMemoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    revision: gitRevision(),
    prometheus: versionOf('prometheus'),
    pushgateway: versionOf('prometheus-pushgateway'),
    loadAverageAtStart: os.loadavg()[0] ?? 0,
  };
}

function gitRevision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    const revision = git('rev-parse', '--short', 'HEAD').trim();
    return git('status', '--porcelain').trim() === '' ? revision : `${revision}+dirty`;
  } catch {
    return 'unknown';
  }
}

function versionOf(name: string): string | null {
  const binary = findBinary(name);
  if (binary === null) return null;
  // Depending on the build, the version goes to stdout or stderr.
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return /version (\S+)/.exec(`${run.stdout}${run.stderr}`)?.[1] ?? 'unknown';
}
