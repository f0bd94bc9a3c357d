import { repairTrailingCommas } from './repairTrailingCommas.js';

export type DecodeResult =
  | { readonly ok: true; readonly value: unknown; readonly repairedTrailingComma: boolean }
  | { readonly ok: false; readonly reason: 'invalid_json'; readonly detail: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes → JSON value. Strict `JSON.parse` first; only when that fails, and repairs are allowed,
 * one more try with trailing commas removed. Errors never quote the body (V8's messages do).
 */
export function decodeBody(body: Uint8Array, allowRepairs: boolean): DecodeResult {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, reason: 'invalid_json', detail: 'body is not valid UTF-8' };
  }
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
