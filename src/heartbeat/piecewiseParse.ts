import type { Steps } from '../steps.js';
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
import { PHONE_PATTERN, SID_PATTERN } from './labelSafe.js';
import {
  addPhones,
  affected,
  affectedIndexed,
  headOf,
  isObject,
  SidList,
  withLists,
  type FastResult,
} from './fastValidate.js';

/** Characters of a large list parsed and checked per step (about 10–20 ms of work). */
export const PIECE_CHARS = 512 * 1024;

/** `data` entries read per step by the entry pattern (about 10 ms of work). */
const ENTRIES_PER_STEP = 20_000;

/**
 * One `data` entry as Exotel writes it, `"<sid>":{"phone_number":"<E.164>"}` and the `,` or `}`
 * after it, with any JSON whitespace: the SID and phone patterns are labelSafe.ts's, so a match
 * is an entry fastValidate.ts accepts. Anything else (another field, an escape) does not match,
 * and the rest of `data` is parsed in pieces with JSON.parse instead.
 */
const GAP = '[ \\t\\n\\r]*';
const ENTRY = new RegExp(
  `${GAP}"(${SID_PATTERN.slice(1, -1)})"${GAP}:${GAP}\\{${GAP}"phone_number"${GAP}:${GAP}` +
    `("${PHONE_PATTERN.slice(1, -1)}")${GAP}\\}${GAP}([,}])`,
  'y',
);

/** The members whose values are cut into pieces; any other member is parsed whole. */
const LISTS = new Set(['incoming_affected', 'outgoing_affected', 'data']);

/** A failure of the piecewise path: the caller parses the whole body instead. */
class NotPiecewise extends Error {}

/**
 * A large heartbeat decoded and checked in pieces, yielding between them, so a scrape waits for
 * one piece (tens of milliseconds) rather than for JSON.parse and the check of a 10 MB body (about
 * 0.2 s each). One scan finds the top-level members and cuts the two affected lists at element
 * boundaries every `pieceChars` characters; each piece is parsed with JSON.parse, wrapped in the
 * list's brackets, and checked with fastValidate.ts's rules as it comes. The `data` entries are
 * read with the ENTRY pattern, ENTRIES_PER_STEP at a time, and from the first entry it does not
 * match on, in pieces like the lists.
 *
 * It returns the same heartbeat as JSON.parse + validateFast would, or null — for anything it
 * is not sure of (invalid JSON anywhere, a repair needed, a refused field, a top-level member
 * given twice, a SID given twice in `data`) — and the caller then takes the whole-body path,
 * which decides and names the problem. A differential property test holds the two together.
 */
export function* parseInPieces(
  text: string,
  allowRepairs: boolean,
  pieceChars = PIECE_CHARS,
): Steps<FastResult | null> {
  try {
    return yield* pieces(new Cursor(text), allowRepairs, pieceChars);
  } catch (error) {
    if (error instanceof NotPiecewise || error instanceof SyntaxError) return null;
    throw error;
  }
}

function* pieces(
  cursor: Cursor,
  allowRepairs: boolean,
  pieceChars: number,
): Steps<FastResult | null> {
  const members = new Map<string, unknown>();
  const lists = { incoming_affected: new SidList(), outgoing_affected: new SidList() };
  const phones = new Map<string, string>();
  let phonesSet = 0;
  const piecewise = new Set<string>();
  cursor.expect(OPEN_BRACE);
  if (cursor.peek() === CLOSE_BRACE) return null; // {}: the whole-body path names what is missing
  for (;;) {
    const keyStart = cursor.position;
    cursor.skipString();
    const key = JSON.parse(cursor.text.slice(keyStart, cursor.position)) as string;
    if (members.has(key) || piecewise.has(key)) throw new NotPiecewise();
    cursor.expect(COLON);
    const open = cursor.peek();
    if (LISTS.has(key) && (open === OPEN_BRACKET || open === OPEN_BRACE)) {
      piecewise.add(key);
      const array = open === OPEN_BRACKET;
      if (array === (key === 'data')) return null; // the wrong kind of container: refused
      // Inside `data`, the entries Exotel writes are read straight from the text, without
      // building objects; from the first other one on, the rest is parsed in pieces.
      let close: number | undefined;
      let read = false;
      if (!array) {
        cursor.position++;
        close = CLOSE_BRACE;
        const entries = yield* cursor.phoneEntries(phones);
        phonesSet += entries.read;
        read = entries.closed;
      }
      const pieces = read ? [] : cursor.elements(pieceChars, close);
      for (const piece of pieces) {
        const parsed = JSON.parse(array ? `[${piece}]` : `{${piece}}`) as unknown;
        if (array) {
          if (!lists[key as keyof typeof lists].add(parsed as unknown[])) return null;
        } else {
          const added = addPhones(phones, parsed as Record<string, unknown>, true);
          if (added < 0) return null;
          phonesSet += added;
        }
        yield;
      }
      // A SID given twice with a phone: JSON.parse would have kept only the last.
      if (phones.size !== phonesSet) return null;
    } else {
      members.set(key, JSON.parse(cursor.value()) as unknown);
    }
    if (cursor.next() === CLOSE_BRACE) break;
  }
  cursor.end();

  const head = headOf(members.get('timestamp'), members.get('status_type'), allowRepairs);
  if (head === null) return null;
  const incoming = piecewise.has('incoming_affected')
    ? lists.incoming_affected.indexed
    : affectedIndexed(members.get('incoming_affected'));
  const outgoing = piecewise.has('outgoing_affected')
    ? lists.outgoing_affected.indexed.sids
    : affected(members.get('outgoing_affected'));
  if (incoming === null || outgoing === null) return null;
  if (!piecewise.has('data')) {
    const data = members.get('data');
    if (data !== undefined && data !== null) {
      if (!isObject(data) || addPhones(phones, data, false) < 0) return null;
    }
  }
  return withLists(head, incoming.sids, outgoing, phones, incoming.index);
}

/**
 * Walks JSON text without building values: strings are skipped (escapes included), brackets are
 * counted. Multi-byte characters never look like the ASCII punctuation it looks for.
 */
class Cursor {
  position = 0;

  constructor(readonly text: string) {}

  peek(): number {
    this.skipSpace();
    return this.text.charCodeAt(this.position);
  }

  expect(code: number): void {
    if (this.peek() !== code) throw new NotPiecewise();
    this.position++;
  }

  /** After a member: `,` (returned, and the next key's quote must follow) or the closing `}`. */
  next(): number {
    const code = this.peek();
    if (code !== COMMA && code !== CLOSE_BRACE) throw new NotPiecewise();
    this.position++;
    if (code === COMMA && this.peek() !== QUOTE) throw new NotPiecewise();
    return code;
  }

  /** Only whitespace may follow the body's object. */
  end(): void {
    this.skipSpace();
    if (this.position !== this.text.length) throw new NotPiecewise();
  }

  skipString(): void {
    if (this.peek() !== QUOTE) throw new NotPiecewise();
    const text = this.text;
    let at = this.position + 1;
    for (;;) {
      const code = text.charCodeAt(at);
      if (code === QUOTE) break;
      if (Number.isNaN(code)) throw new NotPiecewise();
      at += code === BACKSLASH ? 2 : 1;
    }
    this.position = at + 1;
  }

  /** The text of one member's value (JSON.parse checks it), ending before `,` or `}`. */
  value(): string {
    const start = this.position;
    this.toDelimiter();
    return this.text.slice(start, this.position);
  }

  /**
   * Moves to the next `,`, `]` or `}` outside strings and nested containers, and returns it.
   * Whether it is the right one there is for the caller (or JSON.parse) to say.
   */
  private toDelimiter(): number {
    const text = this.text;
    let depth = 0;
    for (;;) {
      const code = text.charCodeAt(this.position);
      if (Number.isNaN(code)) throw new NotPiecewise();
      if (code === QUOTE) {
        this.skipString();
        continue;
      }
      if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
      else if (code === CLOSE_BRACE || code === CLOSE_BRACKET || code === COMMA) {
        if (depth === 0) return code;
        if (code !== COMMA) depth--;
      }
      this.position++;
    }
  }

  /**
   * Reads `data` entries with the ENTRY pattern into `phones` from the cursor (just inside the
   * object, or after an entry's comma), pausing every ENTRIES_PER_STEP, up to the first entry it
   * does not match or the object's `}`; the cursor is then after the last entry read (after its
   * `,` or `}`). Returns how many entries it read, and whether the object's `}` was read.
   */
  *phoneEntries(phones: Map<string, string>): Steps<{ read: number; closed: boolean }> {
    const text = this.text;
    let read = 0;
    let sids: string[] = [];
    let quoted: string[] = [];
    for (;;) {
      // Set before every use: another heartbeat's steps may have used the pattern meanwhile.
      ENTRY.lastIndex = this.position;
      const match = ENTRY.exec(text);
      const closed = match?.[3] === '}';
      if (match !== null) {
        sids.push(match[1] ?? '');
        quoted.push(match[2] ?? '');
        this.position = ENTRY.lastIndex;
        read++;
      }
      if (match === null || closed || sids.length === ENTRIES_PER_STEP) {
        // A captured substring of 13 characters or more is a view into the whole body text and
        // would keep it alive as long as the table keeps the phone number: the numbers are
        // parsed back from their quoted text, which makes fresh strings, one call per step.
        const numbers = JSON.parse(`[${quoted.join(',')}]`) as string[];
        sids.forEach((sid, index) => phones.set(sid, numbers[index] ?? ''));
        if (match === null || closed) return { read, closed };
        sids = [];
        quoted = [];
        yield;
      }
    }
  }

  /**
   * The elements of the array or object at the cursor, as pieces of whole elements (the text
   * between its brackets cut at top-level commas, each piece at least `pieceChars` long but the
   * last). A cut comma must be followed by an element, which the next piece's parse checks; only
   * a comma before the closing bracket (`[1,]`) would leave an empty last piece, so that is
   * refused here. With `close`, the cursor is already inside the container (after its opening
   * bracket or an element's comma) and `close` is its closing bracket.
   */
  *elements(pieceChars: number, close?: number): Generator<string, void, void> {
    const text = this.text;
    if (close === undefined) {
      close = text.charCodeAt(this.position) === OPEN_BRACKET ? CLOSE_BRACKET : CLOSE_BRACE;
      this.position++;
    }
    let start = this.position;
    for (;;) {
      const code = this.toDelimiter();
      if (code === COMMA) {
        if (this.position - start >= pieceChars) {
          const piece = text.slice(start, this.position);
          start = this.position + 1;
          this.position = start;
          yield piece;
        } else {
          this.position++;
        }
        continue;
      }
      if (code !== close) throw new NotPiecewise();
      const last = text.slice(start, this.position);
      if (start > 0 && text.charCodeAt(start - 1) === COMMA && last.trim() === '') {
        throw new NotPiecewise();
      }
      this.position++;
      yield last;
      return;
    }
  }

  private skipSpace(): void {
    const text = this.text;
    for (;;) {
      const code = text.charCodeAt(this.position);
      if (!isJsonWhitespace(code)) return;
      this.position++;
    }
  }
}
