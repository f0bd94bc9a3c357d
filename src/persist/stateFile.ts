import { dirname } from 'node:path';
import type * as fsPromises from 'node:fs/promises';
import type { StateData } from './stateEncoder.js';

/** The subset of node:fs/promises the state file needs; tests inject failing variants. */
export type StateFs = Pick<typeof fsPromises, 'open' | 'rename' | 'readFile' | 'mkdir' | 'unlink'>;

/**
 * Writes the file so a reader (or a crash) only ever sees a whole old or a whole new version:
 * temp file in the same directory, fsync, rename over the target, then fsync the directory so the
 * rename itself survives a power cut.
 */
export async function writeFileAtomic(fs: StateFs, path: string, data: StateData): Promise<void> {
  const dir = dirname(path);
  const temp = `${path}.tmp`;
  await fs.mkdir(dir, { recursive: true });
  try {
    const file = await fs.open(temp, 'w', 0o600);
    try {
      if (typeof data === 'string') await file.writeFile(data, 'utf8');
      // Chunks are written as they are, in order: writeFile continues at the current position.
      else for (const chunk of data) await file.writeFile(chunk);
      await file.sync();
    } finally {
      await file.close();
    }
    await fs.rename(temp, path);
  } catch (error) {
    await fs.unlink(temp).catch(() => undefined); // best effort; the write error is what matters
    throw error;
  }
  const directory = await fs.open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

export type ReadResult =
  | { readonly kind: 'missing' }
  | { readonly kind: 'read'; readonly text: string }
  | { readonly kind: 'unreadable'; readonly error: Error };

export async function readStateFile(fs: StateFs, path: string): Promise<ReadResult> {
  try {
    return { kind: 'read', text: await fs.readFile(path, 'utf8') };
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return { kind: 'missing' };
    return { kind: 'unreadable', error: asError(error) };
  }
}

/** Moves a bad state file aside (keeping it for a post-mortem) and returns where it went. */
export async function quarantine(fs: StateFs, path: string, nowMs: number): Promise<string> {
  const stamp = new Date(nowMs).toISOString().replace(/[:.]/g, '-');
  const target = `${path}.corrupt-${stamp}`;
  await fs.rename(path, target);
  return target;
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
