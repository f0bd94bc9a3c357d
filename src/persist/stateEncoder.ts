import { Buffer } from 'node:buffer';
import { ByteWriter } from '../byteWriter.js';
import type { Direction } from '../heartbeat/types.js';
import type { AccountState } from '../state/account.js';
import {
  listedBefore,
  replayRowsInSteps,
  rowRange,
  type RowText,
  type SidTable,
} from '../state/sidTable.js';
import { runToEnd, type Steps } from '../steps.js';
import { STATE_FORMAT, STATE_VERSION } from './snapshotCodec.js';

/** What the state file is written from: text, or byte chunks written in order. */
export type StateData = string | readonly Uint8Array[];

/** One account's per-SID lists as text, kept for the next save to replay from. */
interface EncodedDetails {
  readonly table: SidTable;
  /** Per row `,["sid",since]`: the incoming list, then the outgoing one. */
  readonly since: RowText;
  /** Per row `,["sid","phone"]` where the row lists the SID's phone, else nothing. */
  readonly phones: RowText;
}

/** What the encoder reads of a store entry (store.ts's AccountEntry). */
export interface EncodedEntry {
  readonly state: AccountState;
}

/**
 * The state file's exact text, as chunks — saved after every heartbeat, on the main thread.
 * JSON.stringify of 230,000 pairs takes about 0.2 s, in the way of the next scrape, so the
 * per-SID lists are replayed from the account's table (state/sidTable.ts) as the per-SID
 * exposition is: an unchanged table is reused whole, and a changed one copies its unchanged runs
 * from the previous text. SIDs, phone numbers and raw statuses need no JSON escaping: their
 * character sets (labelSafe.ts and the state file's schema) contain neither quotes, backslashes
 * nor control characters.
 *
 * Phones are listed in table order, once per SID (an outgoing row whose SID is also incoming
 * lists none). The API statuses of the PAYLOAD_TOO_LARGE fallback are small and rare and go
 * through JSON.stringify. A test holds the output to a JSON.stringify reference
 * (test/helpers/encodeState.ts) byte for byte over random histories.
 */
export class StateEncoder {
  private readonly latest = new Map<string, EncodedDetails>();

  encode(accounts: ReadonlyMap<string, EncodedEntry>): Buffer[] {
    return runToEnd(this.encodeInSteps(accounts, Infinity));
  }

  /**
   * encode in steps: pauses after every `rowsPerStep` per-SID items rendered (copied runs do not
   * count), so the save after a 10 MB heartbeat (462,000 items, some 0.2 s when none can be
   * copied) is spread over turns of the event loop instead of holding up a scrape.
   */
  *encodeInSteps(
    accounts: ReadonlyMap<string, EncodedEntry>,
    rowsPerStep: number,
  ): Steps<Buffer[]> {
    const chunks: Buffer[] = [];
    let text = `{"format":${JSON.stringify(STATE_FORMAT)},"version":${STATE_VERSION},"accounts":[`;
    let first = true;
    for (const account of this.latest.keys()) {
      if (accounts.get(account)?.state.details == null) this.latest.delete(account);
    }
    for (const [account, { state }] of accounts) {
      // The head of the account object, up to the value of "details".
      const head = JSON.stringify({
        account,
        lastReceivedMs: state.lastReceivedMs,
        applied: state.applied,
        details: null,
      }).slice(0, -'null}'.length);
      text += `${first ? '' : ','}${head}`;
      first = false;
      const details = state.details;
      if (details === null) {
        text += 'null}';
        continue;
      }
      const { table } = details;
      const encoded = yield* this.lists(account, table, rowsPerStep);
      const split =
        table.incomingRows === 0 ? 0 : (encoded.since.ends[table.incomingRows - 1] ?? 0);
      text += `{"timestamp":${JSON.stringify(details.timestamp)},"incoming":[`;
      // Every item begins with a comma; a list's first one is left out.
      chunks.push(Buffer.from(text), withoutComma(encoded.since.bytes.subarray(0, split)));
      chunks.push(Buffer.from('],"outgoing":['), withoutComma(encoded.since.bytes.subarray(split)));
      chunks.push(Buffer.from('],"phones":['), withoutComma(encoded.phones.bytes));
      text = table.statuses === null ? ']' : `],"api":${JSON.stringify(apiLists(table))}`;
      text += '}}';
    }
    chunks.push(Buffer.from(`${text}]}`));
    return chunks;
  }

  private *lists(account: string, table: SidTable, rowsPerStep: number): Steps<EncodedDetails> {
    const previous = this.latest.get(account);
    if (previous?.table === table) return previous;
    function* replay(old: RowText | undefined, item: (row: number) => string): Steps<RowText> {
      const out = new ByteWriter(old === undefined ? table.rows * 32 : old.bytes.length + SLACK);
      const ends = yield* replayRowsInSteps(table, old, out, item, rowsPerStep);
      return { tableId: table.id, bytes: out.done(), ends };
    }
    const { sids, since, phones } = table;
    const encoded: EncodedDetails = {
      table,
      since: yield* replay(
        previous?.since,
        (row) => `,["${sids[row] ?? ''}",${JSON.stringify(since[row])}]`,
      ),
      phones: yield* replay(previous?.phones, (row) => {
        const phone = phones[row];
        return phone === undefined || listedBefore(table, row)
          ? ''
          : `,["${sids[row] ?? ''}","${phone}"]`;
      }),
    };
    this.latest.set(account, encoded);
    return encoded;
  }
}

/** Per-SID items the exporter's saves render per turn of the event loop. */
export const ENCODE_ROWS_PER_STEP = 20_000;

/** Room for a few changed items before a buffer has to grow. */
const SLACK = 16 * 1024;

function withoutComma(bytes: Buffer): Buffer {
  return bytes.length === 0 ? bytes : bytes.subarray(1);
}

/** Per direction `[sid, status]` in row order, for the rows that have a status. */
function apiLists(table: SidTable) {
  const list = (direction: Direction) => {
    const pairs: [string, string][] = [];
    const [from, to] = rowRange(table, direction);
    for (let row = from; row < to; row++) {
      const status = table.statuses?.[row];
      if (status !== undefined) pairs.push([table.sids[row] ?? '', status]);
    }
    return pairs;
  };
  return { incoming: list('incoming'), outgoing: list('outgoing') };
}
