#!/usr/bin/env node
/**
 * `npm test`: every check, the static ones beside the tests instead of before them.
 *
 * First `build` (emit only: typecheck checks the same files), because the tests run the built
 * `dist/` (spawned exporters, the package test). Then vitest, and beside it the static checks
 * one after another (lint, typecheck, format:check). Most vitest files spend part of their time
 * waiting on real processes (Prometheus, nginx, chromium, the exporter); the checks fill those
 * waits instead of adding their minute in front of the tests. All three checks at once measured
 * no faster on a 2-core machine (it is CPU-bound either way); one at a time leaves the tests, whose
 * real processes start under timeouts, at least one core. (At a lower CPU priority the checks
 * finished last, after the tests, whenever anything else ran on the machine.)
 *
 * Each check is still its own npm script (`npm run lint` etc.) and runs to the end even when
 * another fails; every line of output is prefixed with the check's name, and a summary at the end
 * says which passed. The exit code is 0 only when every check passed (vitest included; a failed
 * build skips vitest, which then counts as failed).
 *
 *   node scripts/test.js [vitest arguments…]     what `npm test` runs
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

/** Static checks, longest first: they read the sources only. */
const STATIC = ['lint', 'typecheck', 'format:check'];

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const width = Math.max(...['build', 'vitest', ...STATIC].map((name) => name.length));
const children = new Set();

/** Runs `command args`, every output line prefixed with `[name]`; resolves with its exit code. */
function run(name, command, args) {
  const started = performance.now();
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Tools print colours only to a terminal; keep them when `npm test` itself runs in one.
    env: process.stdout.isTTY ? { ...process.env, FORCE_COLOR: '1' } : process.env,
    shell: process.platform === 'win32',
  });
  children.add(child);
  const prefix = `[${name}]`.padEnd(width + 3);
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      if (lines.length > 0) out.write(lines.map((line) => `${prefix}${line}\n`).join(''));
    });
    stream.on('end', () => {
      if (rest !== '') out.write(`${prefix}${rest}\n`);
    });
  }
  return new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`${prefix}could not start: ${error.message}\n`);
    });
    child.on('close', (code, signal) => {
      children.delete(child);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      resolve({ name, ok: code === 0, detail: signal ?? `exit ${code}`, seconds });
    });
  });
}

// Ctrl-C reaches the children through the terminal; a SIGTERM (CI cancelling) is passed on.
// Either way no further check starts.
let cancelled = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    cancelled = true;
    if (signal !== 'SIGINT') for (const child of children) child.kill(signal);
    process.exitCode = 1;
  });
}
const notRun = (name) => ({ name, ok: false, detail: 'not run', seconds: '0.0' });

const vitestArgs = process.argv.slice(2);
const started = performance.now();
// `--noCheck`: the build only emits; typecheck checks every file it compiles (the root
// tsconfig.json includes src/ with the same options), so the tests start ~4 s sooner.
const build = await run('build', npm, ['run', '--silent', 'build', '--', '--noCheck']);
const tests =
  build.ok && !cancelled
    ? run('vitest', npm, ['exec', '--', 'vitest', 'run', ...vitestArgs])
    : Promise.resolve(notRun('vitest'));
const statics = [];
for (const script of STATIC) {
  statics.push(cancelled ? notRun(script) : await run(script, npm, ['run', '--silent', script]));
}
const results = [build, await tests, ...statics];

const total = ((performance.now() - started) / 1000).toFixed(1);
process.stdout.write(`\nnpm test: ${total} s\n`);
for (const { name, ok, detail, seconds } of results) {
  process.stdout.write(`  ${ok ? 'passed' : 'FAILED'}  ${name.padEnd(width)}  ${seconds} s`);
  process.stdout.write(ok ? '\n' : `  (${detail})\n`);
}
if (results.some((result) => !result.ok)) process.exitCode = 1;
