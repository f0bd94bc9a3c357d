import { statSync } from 'node:fs';
import type { Agent } from 'node:http';
import type { Exporter } from './exporter.js';
import { request, sleep } from './http.js';

/**
 * The exporter answers a heartbeat before saving the state file (the save runs right after the
 * 200). A repetition must not overlap the previous one's save, so after each post the harness
 * waits until the state file has been replaced and the event loop answers promptly again.
 */

/** Identity of the current state file (replaced atomically by each save), or null if absent. */
export function stateFileSignature(path: string): string | null {
  try {
    const stat = statSync(path);
    return `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
  } catch {
    return null;
  }
}

/** Waits until the save that follows an applied heartbeat has landed; false on timeout. */
export async function waitForSave(
  stateFile: string,
  before: string | null,
  timeoutMs = 20_000,
): Promise<boolean> {
  const started = performance.now();
  while (stateFileSignature(stateFile) === before) {
    if (performance.now() - started > timeoutMs) return false;
    await sleep(5);
  }
  return true;
}

/**
 * Idle = three /-/ready round trips in a row under 5 ms (no save, no collection of a big body's
 * garbage in the way); false if that never happens within the timeout.
 */
export async function waitIdle(baseUrl: string, agent: Agent, timeoutMs = 5_000): Promise<boolean> {
  const started = performance.now();
  let quick = 0;
  while (quick < 3) {
    if (performance.now() - started > timeoutMs) return false;
    const res = await request(`${baseUrl}/-/ready`, { agent });
    quick = res.status === 200 && res.ms < 5 ? quick + 1 : 0;
    await sleep(10);
  }
  return true;
}

/** After a post to the exporter: its save, then idle. Records a note when either timed out. */
export async function settle(
  exporter: Exporter,
  before: string | null,
  agent: Agent,
  notes: string[],
): Promise<void> {
  if (!(await waitForSave(exporter.stateFile, before))) {
    notes.push(`${exporter.name}: state file not replaced within 20 s after a heartbeat`);
  }
  if (!(await waitIdle(exporter.url, agent))) {
    notes.push(`${exporter.name}: /-/ready never answered 3× under 5 ms within 5 s`);
  }
}
