import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  isJsonWhitespace,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from './jsonChars.js';

/**
 * Removes commas that stand directly (whitespace aside) after a value and before `}` or `]`,
 * outside strings. The vendor's own examples carry such commas; nothing else is repaired (`[,]`,
 * `{,}` and `[1,,]` stay invalid). Iterative, so a hostile nesting depth cannot overflow the
 * stack. Returns null when there was nothing to remove.
 */
export function repairTrailingCommas(text: string): string | null {
  let out = '';
  let copiedUpTo = 0;
  let inString = false;
  let removed = false;
  /** The last significant character outside strings (a closing quote counts as one). */
  let previous = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (isJsonWhitespace(c)) continue;
    if (c === QUOTE) inString = true;
    else if (c === COMMA && endsValue(previous) && closesNext(text, i + 1)) {
      out += text.slice(copiedUpTo, i);
      copiedUpTo = i + 1;
      removed = true;
    }
    previous = c;
  }
  return removed ? out + text.slice(copiedUpTo) : null;
}

/** After `[`, `{`, `:`, a comma or the start of the text, a comma follows no value. */
function endsValue(c: number): boolean {
  return c !== 0 && c !== OPEN_BRACE && c !== OPEN_BRACKET && c !== COLON && c !== COMMA;
}

function closesNext(text: string, from: number): boolean {
  let j = from;
  while (j < text.length && isJsonWhitespace(text.charCodeAt(j))) j++;
  const next = text.charCodeAt(j);
  return next === CLOSE_BRACE || next === CLOSE_BRACKET;
}
