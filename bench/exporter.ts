import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXPORTER_MAIN, GC_PRELOAD, PACKAGE_JSON, ROOT } from './paths.js';
import { freePort, spawnTracked, waitReady, type Child } from './processes.js';

/**
 * The exporter as users run it: `npm start`'s node flags, persistence on, and the caps lifted so
 * the bench measures every per-SID series.
 */
export interface StartCommand {
  /** Node flags between `node` and `dist/main.js` in package.json's scripts.start. */
  readonly nodeFlags: string[];
  /** `NAME=value` words before `node`, if the start script sets any. */
  readonly env: Record<string, string>;
  readonly script: string;
}

/**
 * Reads scripts.start, e.g. `node --max-semi-space-size=64 dist/main.js`, so a V8 flag added
 * there is measured too. Anything it cannot read fails the run: measuring something other than
 * `npm start` would be silently wrong.
 */
export function readStartCommand(): StartCommand {
  const pkg = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const start = pkg.scripts?.['start'];
  if (start === undefined) throw new Error('package.json has no scripts.start');
  return parseStartScript(start);
}

/** `[NAME=value …] node [flags …] dist/main.js` → its parts; anything else is an error. */
export function parseStartScript(start: string): StartCommand {
  const words = start.trim().split(/\s+/);
  const nodeAt = words.findIndex((word) => word === 'node' || word.endsWith('/node'));
  const mainAt = words.findIndex((word) => /(^|\/)dist\/main\.js$/.test(word));
  if (nodeAt < 0 || mainAt < nodeAt || mainAt !== words.length - 1) {
    throw new Error(`cannot read node flags from scripts.start: ${JSON.stringify(start)}`);
  }
  const env: Record<string, string> = {};
  for (const word of words.slice(0, nodeAt)) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(word);
    if (match?.[1] === undefined || match[2] === undefined) {
      throw new Error(`cannot read scripts.start word ${JSON.stringify(word)}: ${start}`);
    }
    env[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return { nodeFlags: words.slice(nodeAt + 1, mainAt), env, script: start };
}

export interface Exporter {
  readonly name: string;
  readonly url: string;
  readonly stateFile: string;
  readonly child: Child;
  readonly pid: number;
  /** Only with `gcPreload`: process.memoryUsage() in the exporter, after a full GC if asked. */
  memory(gc: boolean): Promise<NodeJS.MemoryUsage>;
  stop(): Promise<void>;
}

export async function startExporter(options: {
  readonly name: string;
  readonly start: StartCommand;
  readonly dir: string;
  /** Adds `--expose-gc --import <bench preload>` and an IPC channel (memory measurements). */
  readonly gcPreload?: boolean;
  /**
   * 'lifted' (the default): every per-SID series rendered. 'default': the exporter's own
   * MAX_SID_SERIES and MAX_TOTAL_SID_SERIES, as a user who sets neither runs it.
   */
  readonly caps?: 'lifted' | 'default';
}): Promise<Exporter> {
  mkdirSync(options.dir, { recursive: true });
  const port = await freePort();
  const stateFile = join(options.dir, 'state.json');
  const extra =
    options.gcPreload === true ? ['--expose-gc', '--import', pathToFileURL(GC_PRELOAD).href] : [];
  const child = spawnTracked(
    options.name,
    process.execPath,
    [...options.start.nodeFlags, ...extra, EXPORTER_MAIN],
    {
      cwd: ROOT,
      ipc: options.gcPreload === true,
      // A clean environment (not the bench's): what the exporter sees is exactly this.
      env: {
        PATH: process.env['PATH'] ?? '',
        ...options.start.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        STATE_FILE: stateFile,
        LOG_LEVEL: 'warn',
        ...(options.caps === 'default'
          ? {}
          : {
              MAX_SID_SERIES: '1000000',
              // The bench measures rendering every pair of its large accounts: no total budget
              // either.
              MAX_TOTAL_SID_SERIES: '10000000',
            }),
        RATE_LIMIT_PER_MINUTE: '0',
        MAX_ACCOUNTS: '1000',
      },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(child, `${url}/-/ready`);
  const pid = child.process.pid;
  if (pid === undefined) throw new Error(`${options.name} has no pid`);

  let nextId = 1;
  const pending = new Map<number, (usage: NodeJS.MemoryUsage) => void>();
  child.process.on('message', (raw: unknown) => {
    const message = raw as { id?: number; memory?: NodeJS.MemoryUsage };
    if (message.id === undefined || message.memory === undefined) return;
    pending.get(message.id)?.(message.memory);
    pending.delete(message.id);
  });

  return {
    name: options.name,
    url,
    stateFile,
    child,
    pid,
    memory: (gc) =>
      new Promise((resolve, reject) => {
        if (options.gcPreload !== true) {
          reject(new Error(`${options.name} was started without the gc preload`));
          return;
        }
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${options.name}: no memory answer over IPC within 30 s`));
        }, 30_000);
        pending.set(id, (usage) => {
          clearTimeout(timer);
          resolve(usage);
        });
        child.process.send({ cmd: gc ? 'gc' : 'mem', id });
      }),
    stop: () => child.stop(),
  };
}
