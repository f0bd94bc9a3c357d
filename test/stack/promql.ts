/**
 * Just enough PromQL lexing for static checks of dashboard queries: which metrics an expression
 * selects, with which label matchers, and which range durations it uses. Strings, comments,
 * function names, keywords and the label lists of `by (...)`, `on (...)` etc. are skipped.
 * Syntax errors are promtool's business (dashboard.test.ts runs it); this only has to be right
 * for expressions that parse.
 */

export interface LabelMatcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

export interface VectorSelector {
  readonly metric: string;
  readonly matchers: readonly LabelMatcher[];
}

/** Keywords followed by a parenthesised list of label names, not by an expression. */
const LABEL_LIST_KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
]);
const OTHER_KEYWORDS = new Set(['bool', 'and', 'or', 'unless', 'offset', 'atan2', 'inf', 'nan']);
/** Aggregation operators: may be followed by `by (...)` before their parenthesised argument. */
const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);

const IDENT_START = /[A-Za-z_:]/;
const IDENT_PART = /[A-Za-z0-9_:]/;

/** Index just past the closing quote of the string starting at `start`. */
function skipString(expr: string, start: number): number {
  const quote = expr[start];
  let i = start + 1;
  while (i < expr.length && expr[i] !== quote) i += expr[i] === '\\' && quote !== '`' ? 2 : 1;
  return i + 1;
}

/** Index just past the `close` that matches the `open` at `start`, skipping strings. */
function skipBalanced(expr: string, start: number, open: string, close: string): number {
  let depth = 0;
  let i = start;
  while (i < expr.length) {
    const c = expr[i] ?? '';
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(expr, i);
      continue;
    }
    if (c === open) depth += 1;
    if (c === close) {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
    i += 1;
  }
  throw new Error(`unbalanced ${open}${close} in: ${expr}`);
}

function skipSpace(expr: string, start: number): number {
  let i = start;
  while (i < expr.length && /\s/.test(expr[i] ?? '')) i += 1;
  return i;
}

export function parseMatchers(inside: string): LabelMatcher[] {
  const matchers: LabelMatcher[] = [];
  const pattern = /([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g;
  for (const match of inside.matchAll(pattern)) {
    matchers.push({
      label: match[1] ?? '',
      op: (match[2] ?? '=') as LabelMatcher['op'],
      value: match[3] ?? '',
    });
  }
  return matchers;
}

/** Every vector selector with a metric name in the expression, in order of appearance. */
export function vectorSelectors(expr: string): VectorSelector[] {
  const selectors: VectorSelector[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i] ?? '';
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(expr, i);
    } else if (c === '#') {
      const end = expr.indexOf('\n', i);
      i = end === -1 ? expr.length : end;
    } else if (c === '[') {
      i = skipBalanced(expr, i, '[', ']');
    } else if (c === '{') {
      // A selector without a metric name ({__name__=~"..."}): none in this dashboard.
      throw new Error(`selector without a metric name in: ${expr}`);
    } else if (/[0-9.]/.test(c)) {
      // A number or a duration (after `offset`): digits, dots, exponents, unit letters.
      const match = /^(?:0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?[a-z]*)/.exec(
        expr.slice(i),
      );
      i += match?.[0].length ?? 1;
    } else if (IDENT_START.test(c)) {
      let end = i + 1;
      while (end < expr.length && IDENT_PART.test(expr[end] ?? '')) end += 1;
      const ident = expr.slice(i, end);
      const next = skipSpace(expr, end);
      const lower = ident.toLowerCase();
      if (LABEL_LIST_KEYWORDS.has(lower)) {
        i = expr[next] === '(' ? skipBalanced(expr, next, '(', ')') : end;
      } else if (OTHER_KEYWORDS.has(lower) || AGGREGATIONS.has(lower) || expr[next] === '(') {
        i = end; // a keyword, an aggregation, or a function name
      } else if (expr[next] === '{') {
        const close = skipBalanced(expr, next, '{', '}');
        selectors.push({ metric: ident, matchers: parseMatchers(expr.slice(next + 1, close - 1)) });
        i = close;
      } else {
        selectors.push({ metric: ident, matchers: [] });
        i = end;
      }
    } else {
      i += 1;
    }
  }
  return selectors;
}

/** The contents of every `[...]` range (or subquery) in the expression. */
export function rangeDurations(expr: string): string[] {
  const ranges: string[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i] ?? '';
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(expr, i);
    } else if (c === '[') {
      const end = skipBalanced(expr, i, '[', ']');
      ranges.push(expr.slice(i + 1, end - 1).trim());
      i = end;
    } else {
      i += 1;
    }
  }
  return ranges;
}

/** Names of the functions the expression calls (identifiers directly followed by `(`). */
export function calledFunctions(expr: string): string[] {
  const names: string[] = [];
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  for (const match of withoutStrings.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)) {
    const name = match[1] ?? '';
    if (!LABEL_LIST_KEYWORDS.has(name.toLowerCase())) names.push(name);
  }
  return names;
}
