import * as fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { StateFs } from '../../src/persist/stateFile.js';

export type FsOp = 'mkdir' | 'open' | 'write' | 'sync' | 'close' | 'rename' | 'unlink' | 'readFile';

export interface FsCall {
  readonly op: FsOp;
  readonly path: string;
  /** rename's target; open's flags. */
  readonly arg?: string;
}

type Match = (call: FsCall) => boolean;

interface Failure {
  readonly op: FsOp;
  readonly match: Match;
  readonly error: unknown;
  remaining: number;
}

interface Pause {
  readonly op: FsOp;
  readonly match: Match;
  readonly reached: () => void;
  readonly released: Promise<void>;
}

export interface PauseHandle {
  /** Resolves when the paused operation has been reached (and is waiting). */
  readonly reached: Promise<void>;
  release(): void;
}

/**
 * node:fs/promises on a real directory, with every call recorded and any operation able to fail
 * (or wait) on demand. File handles are wrapped so writes, fsyncs and closes are seen too.
 */
export class FakeFs {
  readonly calls: FsCall[] = [];
  private readonly failures: Failure[] = [];
  private readonly pauses: Pause[] = [];

  /** Makes the next `times` matching calls of `op` reject with `error` (without touching disk). */
  failOn(op: FsOp, error: unknown, match: Match = () => true, times = 1): void {
    this.failures.push({ op, match, error, remaining: times });
  }

  /** Holds the next matching call of `op` until released. */
  pauseOn(op: FsOp, match: Match = () => true): PauseHandle {
    let reached = (): void => undefined;
    let release = (): void => undefined;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.pauses.push({ op, match, reached, released });
    return { reached: reachedPromise, release };
  }

  ops(op: FsOp): FsCall[] {
    return this.calls.filter((call) => call.op === op);
  }

  private async before(call: FsCall): Promise<void> {
    this.calls.push(call);
    const pauseIndex = this.pauses.findIndex((p) => p.op === call.op && p.match(call));
    const pause = this.pauses[pauseIndex];
    if (pause !== undefined) {
      this.pauses.splice(pauseIndex, 1);
      pause.reached();
      await pause.released;
    }
    const failure = this.failures.find((f) => f.op === call.op && f.remaining > 0 && f.match(call));
    if (failure !== undefined) {
      failure.remaining--;
      throw failure.error;
    }
  }

  private wrap(handle: FileHandle, path: string): FileHandle {
    const hooked: Partial<Record<PropertyKey, (...args: never[]) => Promise<unknown>>> = {
      writeFile: async (data: string, options: BufferEncoding) => {
        await this.before({ op: 'write', path });
        await handle.writeFile(data, options);
      },
      sync: async () => {
        await this.before({ op: 'sync', path });
        await handle.sync();
      },
      close: async () => {
        // Always close the real descriptor, even when the close is made to fail.
        this.calls.push({ op: 'close', path });
        await handle.close();
      },
    };
    return new Proxy(handle, {
      get(target, prop): unknown {
        const hook = hooked[prop];
        if (hook !== undefined) return hook;
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
  }

  readonly fs: StateFs = {
    open: (async (path: string, flags?: string, mode?: number) => {
      await this.before({ op: 'open', path, arg: String(flags) });
      return this.wrap(await fsp.open(path, flags, mode), path);
    }) as StateFs['open'],
    rename: async (from, to) => {
      await this.before({ op: 'rename', path: String(from), arg: String(to) });
      await fsp.rename(from, to);
    },
    readFile: (async (path: string, options: BufferEncoding) => {
      await this.before({ op: 'readFile', path });
      return fsp.readFile(path, options);
    }) as StateFs['readFile'],
    mkdir: (async (path: string, options: { recursive: true }) => {
      await this.before({ op: 'mkdir', path });
      return fsp.mkdir(path, options);
    }) as StateFs['mkdir'],
    unlink: async (path) => {
      await this.before({ op: 'unlink', path: String(path) });
      await fsp.unlink(path);
    },
  };
}

/** An errno-style error, as node:fs produces. */
export function errnoError(
  code: string,
  message = `${code}: injected failure`,
): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}
