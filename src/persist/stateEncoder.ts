import { Buffer } from 'node:buffer';
import { ByteWriter } from '../metrics/byteWriter.js';
import type { AccountState, Details } from '../state/account.js';
import { STATE_FORMAT, STATE_VERSION } from './snapshotCodec.js';

/** What the state file is written from: text, or byte chunks written in order. */
export type StateData = string | readonly Uint8Array[];

/** One encoded `[[key, value], …]` list, with where each item ends, for the next save to reuse. */
interface EncodedList<V> {
  readonly map: ReadonlyMap<string, V>;
  readonly bytes: Buffer;
  readonly ends: Uint32Array;
}

interface EncodedDetails {
  readonly since: EncodedList<number>[];
  readonly phones: EncodedList<string>;
}

/**
 * encodeState's exact text, as chunks, for the state file — saved after every heartbeat, on the
 * main thread. JSON.stringify of 230,000 pairs takes about 0.2 s, in the way of the next scrape,
 * so the per-SID lists are kept as bytes per account and re-encoded incrementally, as the
 * per-SID exposition is (sidSeriesText.ts): an unchanged list is reused whole, and a changed one
 * is walked in step with the previous one, copying the items that are the same. SIDs, phone
 * numbers and raw statuses need no JSON escaping: their character sets (labelSafe.ts and the
 * state file's schema) contain neither quotes, backslashes nor control characters.
 *
 * The API statuses of the PAYLOAD_TOO_LARGE fallback are small and rare and go through
 * JSON.stringify. A test holds the output to encodeState byte for byte over random histories.
 */
export class StateEncoder {
  private readonly latest = new Map<string, EncodedDetails>();

  encode(accounts: ReadonlyMap<string, AccountState>): Buffer[] {
    const chunks: Buffer[] = [];
    let text = `{"format":${JSON.stringify(STATE_FORMAT)},"version":${STATE_VERSION},"accounts":[`;
    let first = true;
    for (const account of this.latest.keys()) {
      if (accounts.get(account)?.details == null) this.latest.delete(account);
    }
    for (const [account, state] of accounts) {
      // The head of encodeState's account object, up to the value of "details".
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
      const encoded = this.lists(account, details);
      text += `{"timestamp":${JSON.stringify(details.timestamp)},"incoming":`;
      chunks.push(Buffer.from(text), encoded.since[0]?.bytes ?? EMPTY_LIST);
      chunks.push(Buffer.from(',"outgoing":'), encoded.since[1]?.bytes ?? EMPTY_LIST);
      chunks.push(Buffer.from(',"phones":'), encoded.phones.bytes);
      text = details.api === undefined ? '' : `,"api":${JSON.stringify(apiLists(details))}`;
      text += '}}';
    }
    chunks.push(Buffer.from(`${text}]}`));
    return chunks;
  }

  private lists(account: string, details: Details): EncodedDetails {
    const previous = this.latest.get(account);
    const encoded: EncodedDetails = {
      since: [
        encodeList(details.since.incoming, previous?.since[0], sinceItem),
        encodeList(details.since.outgoing, previous?.since[1], sinceItem),
      ],
      phones: encodeList(details.phones, previous?.phones, phoneItem),
    };
    this.latest.set(account, encoded);
    return encoded;
  }
}

const EMPTY_LIST = Buffer.from('[]');

const sinceItem = (sid: string, since: number): string => `["${sid}",${JSON.stringify(since)}]`;
const phoneItem = (sid: string, phone: string): string => `["${sid}","${phone}"]`;

function encodeList<V>(
  map: ReadonlyMap<string, V>,
  previous: EncodedList<V> | undefined,
  item: (key: string, value: V) => string,
): EncodedList<V> {
  if (previous?.map === map) return previous;
  const out = new ByteWriter(previous?.bytes.length ?? map.size * 32 + 2);
  const ends = new Uint32Array(map.size);
  const before = previous?.map.entries();
  out.write('[');
  let index = 0;
  for (const [key, value] of map) {
    // In step, position by position: the same key and value at the same place is the same text
    // (the comma before every item but the first included).
    const prior = before?.next();
    if (
      previous !== undefined &&
      prior?.done === false &&
      prior.value[0] === key &&
      prior.value[1] === value
    ) {
      out.copy(
        previous.bytes,
        index === 0 ? 1 : (previous.ends[index - 1] ?? 0),
        previous.ends[index] ?? 0,
      );
    } else {
      out.write(`${index === 0 ? '' : ','}${item(key, value)}`);
    }
    ends[index] = out.length;
    index++;
  }
  out.write(']');
  return { map, bytes: out.done(), ends };
}

function apiLists(details: Details) {
  const statuses = details.api?.statuses;
  return { incoming: [...(statuses?.incoming ?? [])], outgoing: [...(statuses?.outgoing ?? [])] };
}
