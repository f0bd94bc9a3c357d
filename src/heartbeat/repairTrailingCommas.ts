/**
 * Removes commas that stand directly (whitespace aside) before `}` or `]`, outside strings.
 * The vendor's own examples carry such commas; nothing else is repaired. Iterative, so a hostile
 * nesting depth cannot overflow the stack. Returns null when there was nothing to remove.
 */
export function repairTrailingCommas(text: string): string | null {
  let out = '';
  let copiedUpTo = 0;
  let inString = false;
  let removed = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) {
      inString = true;
    } else if (c === COMMA) {
      let j = i + 1;
      while (j < text.length && isJsonWhitespace(text.charCodeAt(j))) j++;
      const next = text.charCodeAt(j);
      if (next === CLOSE_BRACE || next === CLOSE_BRACKET) {
        out += text.slice(copiedUpTo, i);
        copiedUpTo = i + 1;
        removed = true;
      }
    }
  }
  return removed ? out + text.slice(copiedUpTo) : null;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

function isJsonWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
