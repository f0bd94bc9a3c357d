/**
 * URLs of the two documented endpoints, always on the configured origin. The list's paging links
 * (`next_page_uri`) point at an internal plain-HTTP host in Exotel's own example, so they are
 * never followed: only their `Page` number is read, and the URL is rebuilt here.
 */

export function listPageUrl(
  baseUrl: string,
  accountSid: string,
  page: number,
  pageSize: number,
): string {
  const url = new URL(
    `/v2_beta/Accounts/${encodeURIComponent(accountSid)}/IncomingPhoneNumbers`,
    baseUrl,
  );
  url.searchParams.set('Page', String(page));
  url.searchParams.set('PageSize', String(pageSize));
  return url.toString();
}

export function detailsUrl(baseUrl: string, accountSid: string, exophoneSid: string): string {
  return new URL(
    `/v2/accounts/${encodeURIComponent(accountSid)}/incoming-phone-numbers/${encodeURIComponent(exophoneSid)}`,
    baseUrl,
  ).toString();
}

/**
 * The page number a `next_page_uri` asks for, whatever host or path it names; null when there is
 * no next page or the link carries no usable `Page`. The caller also requires it to move forward,
 * so a link pointing back cannot loop forever.
 */
export function nextPageNumber(nextPageUri: unknown): number | null {
  if (typeof nextPageUri !== 'string' || nextPageUri === '') return null;
  let url: URL;
  try {
    url = new URL(nextPageUri, 'http://relative.invalid');
  } catch {
    return null;
  }
  const page = url.searchParams.get('Page') ?? url.searchParams.get('page');
  if (page === null || !/^\d{1,9}$/.test(page)) return null;
  return Number(page);
}
