import contentType from 'content-type';

export type GuardFailure = { readonly status: 415; readonly detail: string };

/**
 * Checks the headers that decide whether a body is worth reading at all: JSON in UTF-8, with no
 * content coding (we do not inflate: a small gzip body can expand far past the size cap).
 */
export function checkHeartbeatHeaders(headers: {
  'content-type'?: string | undefined;
  'content-encoding'?: string | undefined;
  'transfer-encoding'?: string | undefined;
}): GuardFailure | null {
  // Node de-chunks but applies no other transfer coding: "gzip, chunked" would reach us as gzip
  // bytes labelled as JSON. Refused like Content-Encoding rather than misread.
  const transfer = headers['transfer-encoding']?.trim().toLowerCase();
  if (transfer !== undefined && transfer !== 'chunked') {
    return { status: 415, detail: 'Transfer-Encoding other than chunked is not supported' };
  }
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    return { status: 415, detail: 'Content-Encoding is not supported; send the body uncompressed' };
  }
  const header = headers['content-type'];
  if (header === undefined) return { status: 415, detail: 'Content-Type must be application/json' };
  let parsed: contentType.ParsedMediaType;
  try {
    parsed = contentType.parse(header);
  } catch {
    return { status: 415, detail: 'Content-Type must be application/json' };
  }
  if (parsed.type !== 'application/json') {
    return { status: 415, detail: 'Content-Type must be application/json' };
  }
  const charset = parsed.parameters['charset']?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return { status: 415, detail: 'charset must be utf-8' };
  }
  return null;
}
