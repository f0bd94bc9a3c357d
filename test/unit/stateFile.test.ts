import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import {
  quarantine,
  readStateFile,
  StateFileError,
  writeFileAtomic,
} from '../../src/persist/stateFile.js';
import { errnoError, FakeFs, type FsOp } from '../helpers/unit-fakeFs.js';

let dir: string;
let path: string;
let fake: FakeFs;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'exotel-unit-statefile-'));
  path = join(dir, 'state.json');
  fake = new FakeFs();
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes the data', async () => {
    await writeFileAtomic(fake.fs, path, '{"v":1}');
    expect(await readFile(path, 'utf8')).toBe('{"v":1}');
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('writes a temp file in the same directory, fsyncs it, renames it over the target, then fsyncs the directory', async () => {
    await writeFile(path, 'old');
    await writeFileAtomic(fake.fs, path, 'new');
    const renames = fake.ops('rename');
    expect(renames).toHaveLength(1);
    const temp = renames[0]?.path ?? '';
    expect(renames[0]?.arg).toBe(path);
    expect(temp).not.toBe(path);
    expect(dirname(temp)).toBe(dir);

    const index = (op: FsOp, p: string): number =>
      fake.calls.findIndex((call) => call.op === op && call.path === p);
    const openTemp = fake.calls.findIndex((c) => c.op === 'open' && c.path === temp);
    expect(openTemp).toBeGreaterThanOrEqual(0);
    expect(index('write', temp)).toBeGreaterThan(openTemp);
    expect(index('sync', temp)).toBeGreaterThan(index('write', temp));
    expect(index('close', temp)).toBeGreaterThan(index('sync', temp));
    expect(index('rename', temp)).toBeGreaterThan(index('close', temp));
    expect(index('sync', dir)).toBeGreaterThan(index('rename', temp));
    expect(index('close', dir)).toBeGreaterThan(index('sync', dir));
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('creates a missing directory', async () => {
    const nested = join(dir, 'a', 'b', 'state.json');
    await writeFileAtomic(fake.fs, nested, 'x');
    expect(await readFile(nested, 'utf8')).toBe('x');
  });

  it('replaces a larger old file completely', async () => {
    await writeFile(path, 'x'.repeat(10_000));
    await writeFileAtomic(fake.fs, path, 'short');
    expect(await readFile(path, 'utf8')).toBe('short');
  });

  it.each<[string, FsOp, (call: { path: string }) => boolean]>([
    ['opening the temp file', 'open', (c) => c.path !== dir],
    ['writing the temp file', 'write', () => true],
    ['fsyncing the temp file', 'sync', (c) => c.path !== dir],
    ['renaming', 'rename', () => true],
  ])('leaves the old file intact and no temp file when %s fails', async (_name, op, match) => {
    await writeFile(path, 'old content');
    const error = errnoError('ENOSPC');
    fake.failOn(op, error, match);
    await expect(writeFileAtomic(fake.fs, path, 'new content')).rejects.toBe(error);
    expect(await readFile(path, 'utf8')).toBe('old content');
    expect(await readdir(dir)).toEqual(['state.json']);
    // every descriptor that was opened was closed
    const opened = fake.ops('open').length - (op === 'open' ? 1 : 0);
    expect(fake.ops('close')).toHaveLength(opened);
  });

  it('leaves no file at all when the first write fails', async () => {
    fake.failOn('write', errnoError('EIO'));
    await expect(writeFileAtomic(fake.fs, path, 'data')).rejects.toThrow('EIO');
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports the write error, not a failing cleanup', async () => {
    await writeFile(path, 'old');
    const renameError = errnoError('EXDEV');
    fake.failOn('rename', renameError);
    fake.failOn('unlink', errnoError('EPERM'));
    await expect(writeFileAtomic(fake.fs, path, 'new')).rejects.toBe(renameError);
    expect(await readFile(path, 'utf8')).toBe('old');
  });

  it('succeeds again after a failure', async () => {
    fake.failOn('rename', errnoError('EBUSY'));
    await expect(writeFileAtomic(fake.fs, path, 'one')).rejects.toThrow();
    await writeFileAtomic(fake.fs, path, 'two');
    expect(await readFile(path, 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['state.json']);
  });
});

describe('readStateFile', () => {
  const LIMIT = 1_000;

  it('reports a missing file as missing', async () => {
    expect(await readStateFile(fake.fs, path, LIMIT)).toEqual({ kind: 'missing' });
  });

  it('reads an existing file', async () => {
    await writeFile(path, '{"ok":true}\n');
    expect(await readStateFile(fake.fs, path, LIMIT)).toEqual({
      kind: 'read',
      text: '{"ok":true}\n',
    });
  });

  it('reads a file of exactly the limit, and calls one byte more too large without reading it', async () => {
    await writeFile(path, 'x'.repeat(LIMIT));
    expect(await readStateFile(fake.fs, path, LIMIT)).toEqual({
      kind: 'read',
      text: 'x'.repeat(LIMIT),
    });
    await writeFile(path, 'x'.repeat(LIMIT + 1));
    expect(await readStateFile(fake.fs, path, LIMIT)).toEqual({
      kind: 'too_large',
      bytes: LIMIT + 1,
    });
  });

  it('follows a symbolic link to a regular file (a Kubernetes volume mounts files that way)', async () => {
    const target = join(dir, 'real.json');
    await writeFile(target, '{}');
    await symlink(target, path);
    expect(await readStateFile(fake.fs, path, LIMIT)).toEqual({ kind: 'read', text: '{}' });
  });

  it.each([
    ['a directory', async () => mkdir(path), /is a directory, not a regular file/],
    ['a link to /dev/zero', async () => symlink('/dev/zero', path), /is a character device/],
    ['a link to /dev/full', async () => symlink('/dev/full', path), /is a character device/],
    [
      'a FIFO (refused without blocking on open)',
      () => {
        execFileSync('mkfifo', [path]);
        return Promise.resolve();
      },
      /is a FIFO/,
    ],
  ])('refuses %s with an error naming STATE_FILE', async (_name, make, message) => {
    await make();
    const error = await readStateFile(fake.fs, path, LIMIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateFileError);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^invalid configuration: --state.file\/STATE_FILE /);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('nothing was renamed');
  });

  it('turns a permission error into an error naming STATE_FILE and the errno', async () => {
    await writeFile(path, '{}');
    fake.failOn('open', errnoError('EACCES', "EACCES: permission denied, open 'x'"));
    const error = await readStateFile(fake.fs, path, LIMIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateFileError);
    expect((error as Error).message).toMatch(/STATE_FILE .* cannot be opened: EACCES/);
  });
});

describe('quarantine', () => {
  it('moves the file to <path>.corrupt-<ISO time> and returns where it went', async () => {
    await writeFile(path, 'garbage{');
    const nowMs = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
    const target = await quarantine(fake.fs, path, nowMs);
    // the ISO 8601 instant, with `:` and `.` allowed to be made filesystem-safe
    expect(target.startsWith(`${path}.corrupt-`)).toBe(true);
    expect(target.slice(`${path}.corrupt-`.length)).toMatch(/^2024-01-02T03[:-]04[:-]05[.-]678Z$/);
    expect(await readFile(target, 'utf8')).toBe('garbage{');
    expect(await readStateFile(fake.fs, path, 100)).toEqual({ kind: 'missing' });
    expect(fake.ops('rename')).toEqual([{ op: 'rename', path, arg: target }]);
  });

  it('gives different names at different times', async () => {
    await writeFile(path, 'one');
    const first = await quarantine(fake.fs, path, Date.UTC(2024, 0, 1));
    await writeFile(path, 'two');
    const second = await quarantine(fake.fs, path, Date.UTC(2024, 0, 1, 0, 0, 0, 1));
    expect(first).not.toBe(second);
    expect(await readFile(first, 'utf8')).toBe('one');
    expect(await readFile(second, 'utf8')).toBe('two');
  });

  it('propagates a failing rename', async () => {
    await writeFile(path, 'x');
    const error = errnoError('EACCES');
    fake.failOn('rename', error);
    await expect(quarantine(fake.fs, path, 0)).rejects.toBe(error);
    expect(await readFile(path, 'utf8')).toBe('x');
  });
});
