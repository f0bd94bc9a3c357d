import type { AccountState } from '../../src/state/account.js';
import type { Store } from '../../src/state/store.js';
import { STATE_FORMAT, STATE_VERSION } from '../../src/persist/snapshotCodec.js';
import { detailMaps, type DetailMaps } from './detailMaps.js';

/**
 * The state file as plain JSON.stringify writes it from the detail maps (detailMaps.ts): the reference the
 * incremental StateEncoder (src/persist/stateEncoder.ts) is held to byte for byte, and a simple
 * way for tests to write a state file. Phones are listed in the order the SIDs are (incoming,
 * then outgoing), once per SID, as the encoder lists them.
 */
export function encodeState(accounts: ReadonlyMap<string, AccountState>): string {
  const list = [...accounts].map(([account, state]) => ({
    account,
    lastReceivedMs: state.lastReceivedMs,
    applied: state.applied,
    details:
      state.details === null
        ? null
        : { timestamp: state.details.timestamp, ...encodeDetailLists(detailMaps(state.details)) },
  }));
  return JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, accounts: list });
}

function encodeDetailLists(details: DetailMaps) {
  const phones = new Map<string, string>();
  for (const sid of [...details.since.incoming.keys(), ...details.since.outgoing.keys()]) {
    const phone = details.phones.get(sid);
    if (phone !== undefined && !phones.has(sid)) phones.set(sid, phone);
  }
  return {
    incoming: [...details.since.incoming],
    outgoing: [...details.since.outgoing],
    phones: [...phones],
    ...(details.api === undefined
      ? {}
      : {
          api: {
            incoming: [...details.api.statuses.incoming],
            outgoing: [...details.api.statuses.outgoing],
          },
        }),
  };
}

/** Account states without counters or tables: what the state file holds (restore's input). */
export function storeStates(store: Store): Map<string, AccountState> {
  return new Map([...store.snapshot().accounts].map(([account, entry]) => [account, entry.state]));
}
