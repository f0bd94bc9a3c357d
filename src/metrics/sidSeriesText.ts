import { Buffer } from 'node:buffer';
import {
  directionOf,
  replayRowsInSteps,
  rowsToRender,
  type RowText,
  type SidTable,
} from '../state/sidTable.js';
import { PER_SID_FAMILY, type PerSidPart } from './domainFamilies.js';
import { sampleLine } from './exposition.js';
import { ByteWriter } from '../byteWriter.js';

/** The sample lines of the two per-SID families for one account, as byte chunks. */
/** An account's per-SID lines, by the family (PER_SID_FAMILY) they belong to. */
export type SidSeriesText = Readonly<Record<PerSidPart, readonly Buffer[]>>;

const EMPTY: SidSeriesText = { affected: [], since: [] };

/** One account's per-SID lines, kept for the next render to replay from. */
interface Rendered {
  readonly table: SidTable;
  /** The account's share of the series budget this render was made for (sidQuotas.ts). */
  readonly quota: number;
  readonly text: SidSeriesText;
  /** Uncapped renders only: the per-row text the next table's unchanged runs are copied from. */
  readonly affected?: RowText;
  readonly since?: RowText;
}

/**
 * Renders and keeps the per-SID sample lines — at a large account nearly all of /metrics — as
 * bytes outside the V8 heap: 230,000 pairs are about 60 MB of text, which as a string would
 * triple the heap the exporter needs per series and be re-encoded on every scrape.
 *
 * Renders replay the account's table (state/sidTable.ts): while an outage repeats the same list
 * the store keeps the same table and nothing is rendered at all; when the list changes, the runs
 * of rows the table says are unchanged are copied from the previous bytes in one go and only the
 * other rows are rendered. A heartbeat that replaces 1% of 230,000 pairs renders 1% of the lines.
 *
 * Every label value here was checked on the way in (SIDs and phone numbers against labelSafe.ts
 * by the heartbeat, the API poll and the state file; accounts by the route), so none needs
 * escaping and Latin-1 bytes equal UTF-8 ones. A property test holds the output to the reference
 * projection byte for byte.
 */
export class SidSeriesTextCache {
  private readonly latest = new Map<string, Rendered>();

  /** `quota`: how many of the account's pairs may be exposed (sidQuotas.ts). */
  text(account: string, table: SidTable | null, quota: number): SidSeriesText {
    const steps = this.textInSteps(account, table, quota, Infinity);
    for (;;) {
      const step = steps.next();
      if (step.done === true) return step.value;
    }
  }

  /**
   * `text` in steps: pauses after about every `rowsPerStep` rendered rows (versionRenderer.ts
   * spreads a large render over several turns of the event loop). The account's text is kept
   * for the next render only once it is complete, so an abandoned render leaves nothing behind.
   */
  *textInSteps(
    account: string,
    table: SidTable | null,
    quota: number,
    rowsPerStep: number,
  ): Generator<void, SidSeriesText, void> {
    if (table === null) {
      this.latest.delete(account);
      return EMPTY;
    }
    const previous = this.latest.get(account);
    if (previous?.table === table && previous.quota === quota) return previous.text;
    const rendered = yield* render(account, table, previous, quota, rowsPerStep);
    this.latest.set(account, rendered);
    return rendered.text;
  }

  /**
   * The (SID, direction) pairs `text` would render rather than copy or reuse: the measure of
   * work that decides whether a render is done at once or in slices.
   */
  rowsToRender(account: string, table: SidTable | null, quota: number): number {
    if (table === null) return 0;
    const previous = this.latest.get(account);
    if (previous?.table === table && previous.quota === quota) return 0;
    if (table.rows > quota) return quota;
    return rowsToRender(table, previous?.affected);
  }

  /** Forgets accounts no longer in the store. */
  retain(accounts: ReadonlySet<string>): void {
    for (const account of this.latest.keys()) {
      if (!accounts.has(account)) this.latest.delete(account);
    }
  }
}

function* render(
  account: string,
  table: SidTable,
  previous: Rendered | undefined,
  quota: number,
  rowsPerStep: number,
): Generator<void, Rendered, void> {
  const lines = new LineMaker(account, table);
  if (table.rows > quota) {
    // Capped: the kept pairs are the longest affected, in that order, so there is no run to
    // replay. Sized for the kept pairs, not all of them: at the default caps that is at most
    // 10,000 of 230,000.
    const affected = new ByteWriter(quota * AFFECTED_LINE_BYTES);
    const since = new ByteWriter(quota * SINCE_LINE_BYTES);
    let budget = rowsPerStep;
    for (const row of table.longestFirst().subarray(0, quota)) {
      affected.write(lines.affected(row));
      since.write(lines.since(row));
      if (--budget <= 0) {
        yield;
        budget = rowsPerStep;
      }
    }
    return { table, quota, text: { affected: [affected.done()], since: [since.done()] } };
  }
  function* rows(
    old: RowText | undefined,
    lineBytes: number,
    line: (row: number) => string,
  ): Generator<void, RowText, void> {
    // The previous size plus a little: most renders change a few lines, so buffers rarely grow.
    const out = new ByteWriter(
      old === undefined ? table.rows * lineBytes : old.bytes.length + SLACK,
    );
    const ends = yield* replayRowsInSteps(table, old, out, line, rowsPerStep);
    return { tableId: table.id, bytes: out.done(), ends };
  }
  const affected = yield* rows(previous?.affected, AFFECTED_LINE_BYTES, (row) =>
    lines.affected(row),
  );
  const since = yield* rows(previous?.since, SINCE_LINE_BYTES, (row) => lines.since(row));
  return {
    table,
    quota,
    text: { affected: [affected.bytes], since: [since.bytes] },
    affected,
    since,
  };
}

/** Typical line lengths, to size a first render's buffers (they grow if need be). */
const AFFECTED_LINE_BYTES = 130;
const SINCE_LINE_BYTES = 170;

/** Room for a few changed lines before a buffer has to grow. */
const SLACK = 64 * 1024;

/** Exactly the lines renderFamily writes for these samples, with the label part built once. */
class LineMaker {
  private readonly prefix: string;

  constructor(
    account: string,
    private readonly table: SidTable,
  ) {
    this.prefix = `{account="${account}",sid="`;
  }

  affected(row: number): string {
    return sampleLine(PER_SID_FAMILY.affected, this.labels(row), 1);
  }

  since(row: number): string {
    return sampleLine(PER_SID_FAMILY.since, this.labels(row), this.table.since[row] ?? 0);
  }

  private labels(row: number): string {
    const { sids, phones } = this.table;
    const direction = directionOf(this.table, row);
    return `${this.prefix}${sids[row] ?? ''}",phone_number="${phones[row] ?? ''}",direction="${direction}"}`;
  }
}
