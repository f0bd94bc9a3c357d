import { tableOf, type StoreSnapshot, type Store } from '../state/store.js';
import { affectedPairs, sidQuotas, type SidSeriesLimits } from './sidQuotas.js';
import { SidSeriesTextCache, type SidSeriesText } from './sidSeriesText.js';

/**
 * The per-SID text of one store version, complete: what a domain part is assembled from. It is
 * never mixed with another version's: the snapshot, its quotas and every account's text belong
 * together.
 */
export interface RenderedVersion {
  readonly snapshot: StoreSnapshot;
  readonly quotas: ReadonlyMap<string, number>;
  readonly texts: ReadonlyMap<string, SidSeriesText>;
}

/** How renders are spread over the event loop (see RENDER_SLICING for the defaults and why). */
export interface RenderSlicing {
  /** A version whose per-SID text needs at most this many pairs rendered is rendered at once. */
  readonly syncRows: number;
  /** A larger one is rendered in slices of about this many pairs each. */
  readonly rowsPerSlice: number;
  /** Runs the next slice; setImmediate in the exporter, so requests are served in between. */
  readonly schedule: (task: () => void) => void;
}

/**
 * Measured on the 2-core bench machine: rendering a (SID, direction) pair's two lines costs about
 * 1 µs. 20,000 pairs (about 20 ms) is far below the 150 ms a scrape may wait, and above anything
 * but a large outage: a 10k-SID heartbeat changes 15,000 pairs the first time and ~1% after that,
 * so every ordinary heartbeat is visible to the scrape that follows it. 10,000 pairs per slice
 * keeps a slice at ~10–25 ms with the garbage it leaves behind.
 */
export const RENDER_SLICING: RenderSlicing = {
  syncRows: 20_000,
  rowsPerSlice: 10_000,
  schedule: (task) => setImmediate(task),
};

interface Waiter {
  readonly resolve: (version: RenderedVersion) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Keeps the per-SID text of the newest store version it has completely rendered, and renders
 * newer versions — a small change at once, a large one (the first render after a 10 MB
 * heartbeat: 231,000 pairs, about 0.3–0.6 s of work) in slices, so a scrape never waits for it.
 *
 * While a large render is in progress, `latest()` answers with the previous complete version: a
 * consistent, slightly older state, as if the scrape had come a moment earlier, never half of the
 * new per-SID series (Prometheus would see the other half vanish and resolve their alerts). Only
 * when there is no complete version at all (the first render after start-up, e.g. of a restored
 * state file) does a scrape wait for the render; it is still sliced, so other requests are served.
 *
 * One render runs at a time and always runs to its end; when it ends, the store's newest version
 * is rendered next (usually at once: the large account's text is then kept). Restarting on every
 * new version instead could starve: with many accounts a heartbeat can arrive every few hundred
 * milliseconds. A render that fails is dropped; the next one is done at once, so its error reaches
 * the scrape (500, and ExotelExporterDown) instead of the old version being served indefinitely.
 */
export class VersionRenderer {
  private readonly sidText = new SidSeriesTextCache();
  private complete: RenderedVersion | null = null;
  private job: Generator<void, RenderedVersion, void> | null = null;
  private waiters: Waiter[] = [];
  private settling: { readonly version: number; readonly resolve: () => void }[] = [];
  private refreshQueued = false;
  private lastFailed = false;

  constructor(
    private readonly store: Store,
    private readonly limits: SidSeriesLimits,
    private readonly slicing: RenderSlicing = RENDER_SLICING,
  ) {}

  /** The newest completely rendered version; starts rendering the store's newest one if need be. */
  latest(): Promise<RenderedVersion> {
    try {
      this.refresh();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (this.complete !== null) return Promise.resolve(this.complete);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Resolves once the store's version of now (or a newer one) is rendered, or a render failed;
   * starts that render if need be. Background work that can wait (the save after a heartbeat,
   * itself done in steps) goes after it, so the two do not share the turns of the event loop and
   * the new state reaches /metrics as soon as it would alone. It waits for at most the render
   * under way and the one after it.
   */
  settled(): Promise<void> {
    const version = this.store.snapshot().version;
    if ((this.complete?.snapshot.version ?? -1) >= version) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.settling.push({ version, resolve }));
    this.versionChanged();
    return done;
  }

  /**
   * Called after the store changed (a heartbeat was applied): renders the new version on the
   * next turn of the event loop, after the acknowledgement is written, instead of at the next
   * scrape. A burst of changes is rendered once.
   */
  versionChanged(): void {
    if (this.refreshQueued) return;
    this.refreshQueued = true;
    this.slicing.schedule(() => {
      this.refreshQueued = false;
      try {
        this.refresh();
      } catch {
        // Nobody is waiting for this render; the next scrape renders again and gets the error.
        this.releaseSettling(Infinity);
      }
    });
  }

  /** Renders the store's newest version at once when it is small; else starts a sliced render. */
  private refresh(): void {
    if (this.job !== null) return; // its end renders whatever is newest then
    const snapshot = this.store.snapshot();
    if (this.complete?.snapshot.version === snapshot.version) return;
    this.sidText.retain(new Set(snapshot.accounts.keys()));
    const quotas = sidQuotas(affectedPairs(snapshot), this.limits);
    let work = 0;
    for (const [account, entry] of snapshot.accounts) {
      work += this.sidText.rowsToRender(account, tableOf(entry), quotas.get(account) ?? 0);
    }
    if (work <= this.slicing.syncRows || this.lastFailed) {
      // After a failure, at once whatever the size: the error then reaches this scrape.
      this.lastFailed = true;
      const steps = this.render(snapshot, quotas, Infinity);
      let step = steps.next();
      while (step.done !== true) step = steps.next();
      this.lastFailed = false;
      this.finish(step.value);
      return;
    }
    this.job = this.render(snapshot, quotas, this.slicing.rowsPerSlice);
    this.slicing.schedule(() => this.slice());
  }

  private slice(): void {
    const job = this.job;
    if (job === null) return;
    let step: IteratorResult<void, RenderedVersion>;
    try {
      step = job.next();
    } catch (error) {
      this.job = null;
      this.lastFailed = true;
      const waiters = this.waiters;
      this.waiters = [];
      for (const waiter of waiters) waiter.reject(error);
      this.releaseSettling(Infinity);
      return;
    }
    if (step.done !== true) {
      this.slicing.schedule(() => this.slice());
      return;
    }
    this.job = null;
    this.finish(step.value);
    // The store may have moved on while this version was rendered.
    if (this.store.snapshot().version !== step.value.snapshot.version) this.versionChanged();
  }

  private finish(version: RenderedVersion): void {
    this.complete = version;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.resolve(version);
    this.releaseSettling(version.snapshot.version);
  }

  private releaseSettling(upTo: number): void {
    if (this.settling.length === 0) return;
    const still = this.settling.filter((waiter) => waiter.version > upTo);
    for (const waiter of this.settling) if (waiter.version <= upTo) waiter.resolve();
    this.settling = still;
  }

  /** Every account's per-SID text for `snapshot`, pausing after about `rowsPerStep` pairs. */
  private *render(
    snapshot: StoreSnapshot,
    quotas: ReadonlyMap<string, number>,
    rowsPerStep: number,
  ): Generator<void, RenderedVersion, void> {
    const texts = new Map<string, SidSeriesText>();
    for (const [account, entry] of snapshot.accounts) {
      const quota = quotas.get(account) ?? 0;
      texts.set(
        account,
        yield* this.sidText.textInSteps(account, tableOf(entry), quota, rowsPerStep),
      );
    }
    return { snapshot, quotas, texts };
  }
}
