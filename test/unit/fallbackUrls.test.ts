import { describe, expect, it } from 'vitest';
import { detailsUrl, listPageUrl, nextPageNumber } from '../../src/fallback/exotelUrls.js';

describe('Exotel API URLs', () => {
  it('builds the documented list path with Page and PageSize on the configured origin', () => {
    expect(listPageUrl('https://api.in.exotel.com', 'acme1', 3, 50)).toBe(
      'https://api.in.exotel.com/v2_beta/Accounts/acme1/IncomingPhoneNumbers?Page=3&PageSize=50',
    );
  });

  it('builds the documented details path, encoding path segments', () => {
    expect(detailsUrl('https://api.exotel.com', 'acme1', 'exo:1')).toBe(
      'https://api.exotel.com/v2/accounts/acme1/incoming-phone-numbers/exo%3A1',
    );
  });

  it('keeps a test origin with a port', () => {
    expect(detailsUrl('http://127.0.0.1:4321', 'a', 'b')).toBe(
      'http://127.0.0.1:4321/v2/accounts/a/incoming-phone-numbers/b',
    );
  });
});

describe('nextPageNumber', () => {
  it('takes only the page number from a link on another host', () => {
    expect(
      nextPageNumber(
        'http://internal-exotel.invalid:8080/v2_beta/Accounts/acme1/IncomingPhoneNumbers?Page=2&PageSize=50',
      ),
    ).toBe(2);
  });

  it('reads relative links and a lower-case page', () => {
    expect(nextPageNumber('/v2_beta/Accounts/a/IncomingPhoneNumbers?page=7')).toBe(7);
  });

  it('gives null for the last page and for anything unusable', () => {
    for (const value of [
      null,
      undefined,
      '',
      42,
      {},
      'http://x/?Page=-1',
      'http://x/?Page=abc',
      'http://x/',
    ]) {
      expect(nextPageNumber(value)).toBeNull();
    }
  });
});
