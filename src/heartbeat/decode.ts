import { Buffer, isUtf8 } from 'node:buffer';
import { repairTrailingCommas } from './repairTrailingCommas.js';

export type DecodeResult =
  | { readonly ok: true; readonly value: unknown; readonly repairedTrailingComma: boolean }
  | { readonly ok: false; readonly reason: 'invalid_json'; readonly detail: string };

/** A leading UTF-8 byte order mark is dropped, as the WHATWG UTF-8 decoder does. */
const BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Bytes → JSON value. Strict `JSON.parse` first; only when that fails, and repairs are allowed,
 * one more try with trailing commas removed. Errors never quote the body (V8's messages do).
 */
export function decodeBody(body: Uint8Array, allowRepairs: boolean): DecodeResult {
  const text = bodyText(body);
  return text === null ? NOT_UTF8 : decodeText(text, allowRepairs);
}

export const NOT_UTF8 = {
  ok: false,
  reason: 'invalid_json',
  detail: 'body is not valid UTF-8',
} as const satisfies DecodeResult;

/** decodeBody for a body already turned into text (bodyText). */
export function decodeText(text: string, allowRepairs: boolean): DecodeResult {
  const strict = tryParse(text);
  if (strict.ok) return { ok: true, value: strict.value, repairedTrailingComma: false };
  if (allowRepairs) {
    const repaired = repairTrailingCommas(text);
    if (repaired !== null) {
      const second = tryParse(repaired);
      if (second.ok) return { ok: true, value: second.value, repairedTrailingComma: true };
    }
  }
  return { ok: false, reason: 'invalid_json', detail: strict.detail };
}

/** The body as text without a leading byte order mark, or null when it is not valid UTF-8. */
export function bodyText(body: Uint8Array): string | null {
  // isUtf8 (simdutf) rejects what a fatal TextDecoder rejects (overlongs, surrogates, truncated
  // sequences) about ten times faster on a 10 MB body; toString then cannot meet a bad byte.
  if (!isUtf8(body)) return null;
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const bom = body[0] === BOM[0] && body[1] === BOM[1] && body[2] === BOM[2];
  return bytes.toString('utf8', bom ? BOM.length : 0);
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; detail: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const position = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    const detail =
      text.trim() === ''
        ? 'body is empty'
        : `body is not valid JSON${position === undefined ? '' : ` (at character ${position})`}`;
    return { ok: false, detail };
  }
}
