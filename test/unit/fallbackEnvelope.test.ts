import { describe, expect, it } from 'vitest';
import { parseDetails, parseListPage } from '../../src/fallback/envelope.js';

function envelope(data: unknown, extra: Record<string, unknown> = {}): unknown {
  return {
    request_id: 'r',
    method: 'GET',
    http_code: 200,
    metadata: { page_size: 1, page: 0 },
    response: [{ code: 200, error_data: null, status: 'success', data, ...extra }],
  };
}

describe('parseDetails', () => {
  it('reads connectivity inside data, keeping the raw status', () => {
    const body = envelope({
      sid: 's1',
      phone_number: '+918012345678',
      connectivity: {
        incoming_call: { status: 'major_outage', last_check_time: '2024-01-01T00:00:00Z' },
        outgoing_call: { status: 'active', alternate_exophone: null },
      },
    });
    expect(parseDetails(body)).toEqual({
      statuses: { incoming: 'major_outage', outgoing: 'active' },
      phone: '+918012345678',
    });
  });

  it('also finds connectivity next to data (its place is inferred, not documented)', () => {
    const body = envelope(
      { sid: 's1' },
      { connectivity: { outgoing_call: { status: 'Degraded' } } },
    );
    expect(parseDetails(body)?.statuses).toEqual({ incoming: null, outgoing: 'degraded' });
  });

  it('reports null statuses when connectivity is absent or malformed', () => {
    expect(parseDetails(envelope({ sid: 's1' }))).toEqual({
      statuses: { incoming: null, outgoing: null },
      phone: null,
    });
    expect(
      parseDetails(
        envelope({ connectivity: { incoming_call: 'down', outgoing_call: { status: 3 } } }),
      )?.statuses,
    ).toEqual({ incoming: null, outgoing: null });
  });

  it('turns a status that cannot be a label value into "invalid"', () => {
    const body = envelope({ connectivity: { incoming_call: { status: 'down"\n{evil}' } } });
    expect(parseDetails(body)?.statuses.incoming).toBe('invalid');
  });

  it('ignores a phone number that is not E.164', () => {
    expect(parseDetails(envelope({ phone_number: '08012345678' }))?.phone).toBeNull();
  });

  it('is null for anything that is not an envelope with data', () => {
    for (const body of [null, [], 'x', {}, { response: [] }, { response: [{ data: null }] }]) {
      expect(parseDetails(body)).toBeNull();
    }
  });
});

describe('parseListPage', () => {
  it('reads SIDs and numbers, skipping entries that cannot be label values', () => {
    const page = parseListPage({
      page: 0,
      next_page_uri: 'http://internal/x?Page=1',
      incoming_phone_numbers: [
        { sid: 'exo1', phone_number: '+918011111111' },
        { sid: 'bad sid"', phone_number: '+918022222222' },
        { phone_number: '+918033333333' },
        { sid: 'exo2', phone_number: 'n/a' },
        'nonsense',
      ],
    });
    expect(page).toEqual({
      exophones: [
        { sid: 'exo1', phone: '+918011111111' },
        { sid: 'exo2', phone: null },
      ],
      skipped: 3,
      nextPageUri: 'http://internal/x?Page=1',
    });
  });

  it('is null when the body is not a page', () => {
    expect(parseListPage({ incoming_phone_numbers: null })).toBeNull();
    expect(parseListPage([])).toBeNull();
  });
});
