import { Buffer } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ScrapeRenderer } from '../../src/metrics/scrape.js';
import { createSelfMetrics } from '../../src/metrics/selfMetrics.js';
import type { RenderSlicing } from '../../src/metrics/versionRenderer.js';
import { Store } from '../../src/state/store.js';
import { at, heartbeat } from '../helpers/unit-heartbeats.js';

/**
 * Large per-SID renders are spread over turns of the event loop (versionRenderer.ts); here the
 * turns are a queue the test runs by hand, so every intermediate moment can be scraped. Whatever
 * the moment, a scrape's domain part must be byte for byte one complete version as an unsliced
 * renderer gives it, and the newest once the queue is empty.
 */

// A switch to make rendering a per-SID line fail, for the error tests.
const failing = { on: false };
vi.mock('../../src/metrics/exposition.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/metrics/exposition.js')>();
  return {
    ...actual,
    sampleLine: vi.fn((name: string, labels: string, value: number) => {
      if (failing.on && labels.includes('sid="')) throw new Error('render failed');
      return actual.sampleLine(name, labels, value);
    }),
  };
});

const build = { version: '1.2.3', revision: 'abc', nodejsVersion: 'v20' };
const NOW_MS = Date.UTC(2024, 4, 1, 12, 0, 0);
const LIMITS = { maxSidSeries: 1000, maxTotalSidSeries: 2000 };

/** A schedule the test drives: tasks run only when `run`/`drain` say so. */
class ManualSchedule {
  private tasks: (() => void)[] = [];
  readonly schedule = (task: () => void) => {
    this.tasks.push(task);
  };
  get pending(): number {
    return this.tasks.length;
  }
  runOne(): void {
    const task = this.tasks.shift();
    if (task === undefined) throw new Error('nothing scheduled');
    task();
  }
  drain(): number {
    let ran = 0;
    while (this.tasks.length > 0) {
      this.runOne();
      ran++;
      if (ran > 10_000) throw new Error('the renderer keeps scheduling');
    }
    return ran;
  }
}

function setup(syncRows = 4, rowsPerSlice = 3) {
  const store = new Store({ maxAccounts: 10, futureToleranceSeconds: 300 });
  const self = createSelfMetrics(build);
  const queue = new ManualSchedule();
  const slicing: RenderSlicing = { syncRows, rowsPerSlice, schedule: queue.schedule };
  const renderer = new ScrapeRenderer(store, self, LIMITS, slicing);
  /** The same store rendered at once, whatever the size: the reference. */
  const reference = () =>
    new ScrapeRenderer(store, self, LIMITS, {
      syncRows: Infinity,
      rowsPerSlice: 1,
      schedule: () => {
        throw new Error('the reference never slices');
      },
    });
  return { store, queue, renderer, reference };
}

/** The domain part of a scrape (everything but the self-metrics tail), as text. */
async function domainOf(renderer: ScrapeRenderer): Promise<string> {
  const { chunks } = await renderer.exposition('text');
  return Buffer.concat(chunks.slice(0, -1)).toString('utf8');
}

/** Lets a scrape in progress get as far as it can without a scheduled task being run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const sids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
let second = 0;
const next = (incoming: readonly string[], outgoing: readonly string[] = []) =>
  heartbeat({
    timestamp: at(`2024-05-01T11:${String(10 + second++).padStart(2, '0')}:00Z`),
    status: incoming.length + outgoing.length > 0 ? 'WARNING' : 'OK',
    incoming,
    outgoing,
  });

beforeEach(() => {
  failing.on = false;
  second = 0;
});

describe('sliced per-SID rendering', () => {
  it('renders a small change at once: the next scrape shows it, nothing is scheduled', async () => {
    const { store, queue, renderer, reference } = setup();
    store.apply('default', next(['a']), NOW_MS);
    expect(await domainOf(renderer)).toBe(await domainOf(reference()));
    store.apply('default', next(['a', 'b'], ['a', 'b']), NOW_MS); // 4 pairs: syncRows
    const text = await domainOf(renderer);
    expect(text).toBe(await domainOf(reference()));
    expect(text).toContain('sid="b",phone_number="",direction="outgoing"');
    expect(queue.pending).toBe(0);
  });

  it('answers with the previous version, whole, until a large one is rendered; then the new one', async () => {
    const { store, queue, renderer, reference } = setup();
    store.apply('default', next(['a']), NOW_MS);
    const before = await domainOf(renderer);

    store.apply('default', next(sids('s', 12), sids('s', 5)), NOW_MS); // 17 pairs
    const after = await domainOf(reference());
    expect(after).not.toBe(before);

    const seen: string[] = [];
    seen.push(await domainOf(renderer));
    expect(queue.pending).toBe(1);
    while (queue.pending > 0) {
      queue.runOne();
      seen.push(await domainOf(renderer));
    }
    // Several slices, each scrape one whole version: the old one until the very end.
    expect(seen.length).toBeGreaterThan(4);
    expect(seen.slice(0, -1).every((text) => text === before)).toBe(true);
    expect(seen.at(-1)).toBe(after);
    expect(await domainOf(renderer)).toBe(after);
  });

  it('starts rendering when told the version changed, before any scrape asks', async () => {
    const { store, queue, renderer, reference } = setup();
    store.apply('default', next(['a']), NOW_MS);
    await domainOf(renderer);
    store.apply('default', next(sids('s', 20)), NOW_MS);
    renderer.versionChanged();
    renderer.versionChanged(); // a burst is rendered once
    expect(queue.pending).toBe(1);
    queue.drain();
    expect(await domainOf(renderer)).toBe(await domainOf(reference()));
    expect(queue.pending).toBe(0); // served from what was rendered: nothing new started
  });

  it('settles once the current version is rendered, starting the render itself', async () => {
    const { store, queue, renderer } = setup();
    store.apply('default', next(['a']), NOW_MS);
    await domainOf(renderer);
    let settled = false;
    const mark = () => {
      settled = true;
    };
    await renderer.settled(); // rendered already: at once
    store.apply('default', next(sids('s', 20)), NOW_MS);
    // Nobody called versionChanged (as after an API poll): settled() starts the render.
    void renderer.settled().then(mark);
    expect(queue.pending).toBe(1);
    const microtasks = () => new Promise((resolve) => setImmediate(resolve));
    let slices = 0;
    while (queue.pending > 0) {
      expect(settled).toBe(false);
      expect(await domainOf(renderer)).not.toContain('sid="s19"');
      queue.runOne();
      slices++;
      await microtasks();
    }
    expect(slices).toBeGreaterThan(2);
    expect(settled).toBe(true);
    expect(await domainOf(renderer)).toContain('sid="s19"');
  });

  it('settles when a render fails, so a save never waits on it for ever', async () => {
    const { store, queue, renderer } = setup();
    store.apply('default', next(['a']), NOW_MS);
    await domainOf(renderer);
    store.apply('default', next(sids('s', 10)), NOW_MS);
    failing.on = true;
    const settling = renderer.settled();
    queue.drain();
    await settling;
    failing.on = false;
  });

  it('never mixes versions when the store changes during a sliced render, and ends at the newest', async () => {
    const { store, queue, renderer, reference } = setup();
    const versions = new Set<string>();
    const record = async () => versions.add(await domainOf(reference()));
    store.apply('default', next(['a']), NOW_MS);
    store.apply('acme', next(sids('x', 3)), NOW_MS);
    await record();
    await domainOf(renderer);

    store.apply('default', next(sids('s', 15), sids('s', 3)), NOW_MS);
    await record();
    await domainOf(renderer); // starts the sliced render of this version
    queue.runOne();
    // Two more changes while it runs: one small, one large (acme's list replaced).
    store.apply('beta', next(['z']), NOW_MS);
    await record();
    queue.runOne();
    store.apply('acme', next(sids('y', 9)), NOW_MS);
    await record();
    const newest = await domainOf(reference());

    const seen = new Set<string>();
    for (let i = 0; i < 1000 && queue.pending > 0; i++) {
      const text = await domainOf(renderer);
      expect(versions.has(text)).toBe(true);
      seen.add(text);
      queue.runOne();
    }
    expect(queue.pending).toBe(0);
    expect(seen.size).toBeGreaterThanOrEqual(2); // the old version, then an intermediate one
    expect(await domainOf(renderer)).toBe(newest);
  });

  it('makes the first scrape wait for the first render when there is nothing to answer with', async () => {
    const { store, queue, renderer, reference } = setup();
    // A restored state file: nothing has been rendered yet.
    const saved = new Store({ maxAccounts: 10, futureToleranceSeconds: 300 });
    saved.apply('default', next(sids('r', 30)), NOW_MS);
    const state = saved.snapshot().accounts.get('default')?.state;
    if (state === undefined) throw new Error('no state to restore');
    store.restore(new Map([['default', state]]));
    let answered: string | null = null;
    const scrape = domainOf(renderer).then((text) => (answered = text));
    await settle();
    expect(queue.pending).toBe(1);
    queue.runOne();
    await settle();
    expect(answered).toBeNull();
    queue.drain();
    await scrape;
    expect(answered).toBe(await domainOf(reference()));
    expect(answered).toContain('sid="r29"');
  });

  it('recovers from a failed sliced render, and reports the failure to the next scrape', async () => {
    const { store, queue, renderer, reference } = setup();
    store.apply('default', next(['a']), NOW_MS);
    const before = await domainOf(renderer);
    store.apply('default', next(sids('s', 10)), NOW_MS);
    failing.on = true;
    expect(await domainOf(renderer)).toBe(before); // the sliced render has started
    queue.drain(); // … and fails
    // Not the old version indefinitely: the next render is done at once, so its error is the
    // scrape's (a 500, which pages as ExotelExporterDown).
    await expect(domainOf(renderer)).rejects.toThrow('render failed');
    expect(queue.pending).toBe(0);
    failing.on = false;
    const after = await domainOf(renderer);
    expect(after).toBe(await domainOf(reference()));
    expect(after).toContain('sid="s9"');
    // And slicing works again afterwards.
    store.apply('default', next(sids('t', 10)), NOW_MS);
    expect(await domainOf(renderer)).toBe(after);
    queue.drain();
    expect(await domainOf(renderer)).toBe(await domainOf(reference()));
  });

  it('rejects a scrape waiting for a first render that fails; the next one renders', async () => {
    const { store, queue, renderer, reference } = setup();
    store.apply('default', next(sids('s', 10)), NOW_MS);
    failing.on = true;
    const waiting = domainOf(renderer);
    await settle();
    expect(queue.pending).toBe(1);
    queue.drain();
    await expect(waiting).rejects.toThrow('render failed');
    failing.on = false;
    expect(await domainOf(renderer)).toBe(await domainOf(reference()));
  });

  it('produces the same bytes sliced as at once, in OpenMetrics and gzip too', async () => {
    const { store, queue, renderer, reference } = setup(4, 1);
    store.apply('default', next(sids('s', 9), sids('s', 4)), NOW_MS);
    store.apply('acme', next(sids('q', 7)), NOW_MS);
    const waiting = renderer.exposition('openmetrics');
    await settle();
    queue.drain();
    const domain = (chunks: readonly Buffer[]) => Buffer.concat(chunks.slice(0, -1)).toString();
    const om = await waiting;
    expect(domain(om.chunks)).toBe(domain((await reference().exposition('openmetrics')).chunks));
    expect(Buffer.concat(om.chunks).toString().endsWith('\n# EOF\n')).toBe(true);

    const zipped = await renderer.exposition('text', 'gzip');
    const text = gunzipSync(Buffer.concat(zipped.chunks)).toString();
    expect(text.startsWith(await domainOf(reference()))).toBe(true);
  });
});
