import { Buffer } from 'node:buffer';
import { constants, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import type * as fsPromises from 'node:fs/promises';
import { ConfigError } from '../settings/configError.js';
import { settingName } from '../settings/table.js';
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
  /** A regular file larger than the limit: ours to set aside, never read into memory. */
  | { readonly kind: 'too_large'; readonly bytes: number }
  /** A regular file whose first bytes are not a state file's: set aside after reading those. */
  | { readonly kind: 'foreign' };

/**
 * Why a state file cannot be used and must not be touched: not a regular file (a directory, a
 * device, a FIFO), or not readable (EACCES, EPERM, EIO, ELOOP, …). Start-up stops instead of
 * discarding state that may be fine, or renaming something that is not ours.
 */
export class StateFileError extends ConfigError {
  constructor(path: string, reason: string) {
    super(
      'STATE_FILE',
      `${JSON.stringify(path)} ${reason}; nothing was renamed or changed (fix it, or point STATE_FILE at a regular file)`,
      settingName('stateFile'),
    );
    this.name = 'StateFileError';
  }
}

/** How much of the file's beginning `looksLikeState` sees. */
export const HEAD_BYTES = 256;

/** Bytes read at a time: a growing file is never read past the limit. */
const READ_CHUNK_BYTES = 1 << 20;

/**
 * Reads the state file, never more than `maxBytes` + 1 bytes. A symbolic link is followed (a
 * Kubernetes volume mounts files that way); what counts is that the file it opens is regular,
 * checked with fstat on the opened descriptor, so nothing can be swapped in between. O_NONBLOCK
 * keeps a FIFO from blocking start-up in open() until it is refused.
 */
export async function readStateFile(
  fs: StateFs,
  path: string,
  maxBytes: number,
  looksLikeState: (head: string) => boolean = () => true,
): Promise<ReadResult> {
  let file: fsPromises.FileHandle;
  try {
    file = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return { kind: 'missing' };
    throw new StateFileError(path, `cannot be opened: ${describe(error)}`);
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile()) throw new StateFileError(path, `is ${kindOf(stat)}, not a regular file`);
    if (stat.size > maxBytes) return { kind: 'too_large', bytes: stat.size };
    // The first bytes decide whether the rest is worth reading at all (pread: the position stays).
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await file.read(head, 0, HEAD_BYTES, 0);
    if (!looksLikeState(head.subarray(0, bytesRead).toString('latin1'))) return { kind: 'foreign' };
    // One buffer of the size fstat reported, plus the byte that tells a file that grew since;
    // only a file that did grow is read on in chunks, still never past maxBytes + 1.
    const first = Buffer.allocUnsafe(stat.size + 1);
    let total = await readInto(file, first);
    const chunks: Buffer[] = [first.subarray(0, total)];
    let more = total === first.length;
    while (more && total <= maxBytes) {
      const want = Math.min(READ_CHUNK_BYTES, maxBytes + 1 - total);
      const chunk = Buffer.allocUnsafe(want);
      const got = await readInto(file, chunk);
      chunks.push(chunk.subarray(0, got));
      total += got;
      more = got === want;
    }
    if (total > maxBytes) return { kind: 'too_large', bytes: total };
    const bytes = chunks.length === 1 ? (chunks[0] ?? first) : Buffer.concat(chunks, total);
    return { kind: 'read', text: bytes.toString('utf8') };
  } catch (error) {
    if (error instanceof StateFileError) throw error;
    throw new StateFileError(path, `cannot be read: ${describe(error)}`);
  } finally {
    await file.close().catch(() => undefined);
  }
}

/** Fills `buffer` from the file's current position, or as much as there is; the bytes read. */
async function readInto(file: fsPromises.FileHandle, buffer: Buffer): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The errno code and message, e.g. `EACCES: permission denied, open '…'`. */
function describe(error: unknown): string {
  return asError(error).message;
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
