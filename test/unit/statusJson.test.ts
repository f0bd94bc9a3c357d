import { describe, expect, it } from 'vitest';
import { Store } from '../../src/state/store.js';
import { summarizeAccounts } from '../../src/status/accountSummary.js';
import { statusJson } from '../../src/status/statusJson.js';
import { at, heartbeat } from '../helpers/unit-heartbeats.js';

const NOW_MS = Date.UTC(2024, 4, 1, 12, 0, 0);

describe('statusJson', () => {
  it('gives scripts the per-account summary and the recent heartbeats, newest first', () => {
    const store = new Store({ maxAccounts: 10, futureToleranceSeconds: 300 });
    store.apply(
      'acme',
      heartbeat({ timestamp: at('2024-05-01T11:58:00Z'), status: 'WARNING', incoming: ['x'] }),
      NOW_MS - 61_900,
    );
    const accounts = summarizeAccounts(store.snapshot(), NOW_MS, {
      heartbeatIntervalSeconds: 60,
      maxRows: 500,
    });
    const json = statusJson(
      accounts,
      [
        {
          receivedMs: NOW_MS - 1000,
          httpStatus: 422,
          outcome: 'rejected',
          account: 'acme',
          reason: 'future_timestamp',
          detail: 'timestamp is too far ahead of the receiver clock',
          bodyBytes: 120,
        },
        {
          receivedMs: NOW_MS - 61_900,
          httpStatus: 200,
          outcome: 'applied',
          account: 'acme',
          status: 'WARNING',
          incoming: 1,
          outgoing: 0,
          repairs: ['timestamp_suffix'],
          bodyBytes: 130,
        },
      ],
      NOW_MS,
      { heartbeatIntervalSeconds: 60, replica: 'exporter-1' },
    );
    expect(json).toEqual({
      generated_at: '2024-05-01T12:00:00.000Z',
      replica: 'exporter-1',
      heartbeat_interval_seconds: 60,
      accounts: [
        {
          account: 'acme',
          status: 'WARNING',
          freshness: 'late',
          last_received_at: '2024-05-01T11:58:58.100Z',
          last_received_age_seconds: 61,
          heartbeat_timestamp: '2024-05-01T11:58:00.000Z',
          details_timestamp: '2024-05-01T11:58:00.000Z',
          affected: { incoming: 1, outgoing: 0 },
        },
        {
          account: 'default',
          status: null,
          freshness: 'never',
          last_received_at: null,
          last_received_age_seconds: null,
          heartbeat_timestamp: null,
          details_timestamp: null,
          affected: { incoming: 0, outgoing: 0 },
        },
      ],
      recent_heartbeats: [
        {
          received_at: '2024-05-01T11:59:59.000Z',
          account: 'acme',
          http_status: 422,
          outcome: 'rejected',
          reason: 'future_timestamp',
          detail: 'timestamp is too far ahead of the receiver clock',
          repairs: [],
          status: null,
          incoming: null,
          outgoing: null,
          body_bytes: 120,
        },
        {
          received_at: '2024-05-01T11:58:58.100Z',
          account: 'acme',
          http_status: 200,
          outcome: 'applied',
          reason: null,
          detail: null,
          repairs: ['timestamp_suffix'],
          status: 'WARNING',
          incoming: 1,
          outgoing: 0,
          body_bytes: 130,
        },
      ],
    });
  });
});
