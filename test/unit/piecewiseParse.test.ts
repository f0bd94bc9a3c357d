import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/heartbeat/decode.js';
import { validateFast } from '../../src/heartbeat/fastValidate.js';
import { parseHeartbeat } from '../../src/heartbeat/parseHeartbeat.js';
import { parseInPieces } from '../../src/heartbeat/piecewiseParse.js';
import { compileHeartbeatValidator } from '../../src/heartbeat/schema.js';
import { runToEnd } from '../../src/steps.js';
import { withoutIndex } from '../helpers/unit-heartbeats.js';

/**
 * The piecewise path (a large body parsed and checked in pieces, piecewiseParse.ts) must give
 * what JSON.parse + validateFast give for the whole body, or null (then the whole-body path
 * decides). Bodies are assembled as text, so whitespace, escapes, punctuation inside strings,
 * duplicate keys, trailing commas and truncation all occur; pieces as small as one character
 * put cuts everywhere a comma allows.
 */

const ws = fc.constantFrom('', '', ' ', '\n  ', '\t', '\r\n', '\u00a0');
const SIDS = ['07930061010', 'a', '__proto__', 'x.y:z-_', 'A'.repeat(64)];
const sidText = fc.oneof(
  { arbitrary: fc.constantFrom(...SIDS.map((sid) => JSON.stringify(sid))), weight: 8 },
  fc.constantFrom(
    '"0793006101\\u0030"', // an escaped digit: still a SID once unescaped
    '"a\\"b"', // a quote inside: valid JSON, not a SID
    '"a],b"', // punctuation inside a string must not cut it
    '"{,}"',
    '"has space"',
    '7',
    'null',
    '"\\q"', // an invalid escape: not JSON
    '["a"]',
  ),
);

function joined(items: readonly string[], gap: string, trailing: boolean): string {
  return items.join(`${gap},${gap}`) + (trailing && items.length > 0 ? ',' : '');
}

const listText = fc.oneof(
  {
    arbitrary: fc
      .tuple(fc.array(sidText, { maxLength: 6 }), ws, fc.boolean(), fc.boolean())
      .map(([items, gap, trailing, odd]) => `[${gap}${joined(items, gap, odd && trailing)}${gap}]`),
    weight: 8,
  },
  fc.constantFrom('null', '{}', '"a"', '[', '[1,]'),
);

const entryText = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      '{"phone_number":"+917930061010"}',
      '{ "phone_number" : "+12" , "incoming_call": [1, {"x": "}]"}] }',
      '{}',
    ),
    weight: 6,
  },
  fc.constantFrom('{"phone_number":"917930061010"}', '[]', 'null', '{"phone_number":1}'),
);

const dataText = fc.oneof(
  {
    arbitrary: fc
      .tuple(fc.array(fc.tuple(sidText, entryText), { maxLength: 6 }), ws, fc.boolean())
      .map(
        ([entries, gap, trailing]) =>
          `{${gap}${joined(
            entries.map(([sid, entry]) => `${sid}${gap}:${gap}${entry}`),
            gap,
            trailing,
          )}${gap}}`,
      ),
    weight: 8,
  },
  fc.constantFrom('null', '[]', '{', '"x"'),
);

const member = fc.oneof(
  fc.constantFrom(
    '"timestamp":"2018-08-22T15:19:23Z"',
    '"timestamp": "2018-08-22T15:19:23Z>"',
    '"timestamp":"2018-02-30T00:00:00Z"',
    '"status_type":"WARNING"',
    '"status_type" :"CRITICAL"',
    '"status_type":"ok"',
    '"account_sid":{"a":[1,2,{"b":"],}"}]}',
    '"n":-1.5e3',
    '"t\\u0069mestamp":"2018-08-22T15:19:23Z"', // an escaped key
  ),
  listText.map((list) => `"incoming_affected":${list}`),
  listText.map((list) => `"outgoing_affected":${list}`),
  dataText.map((data) => `"data":${data}`),
);

const bodyText = fc
  .tuple(fc.array(member, { maxLength: 8 }), ws, fc.boolean(), fc.integer({ min: 0, max: 40 }))
  .map(([members, gap, head, cut]) => {
    // Usually a timestamp and a status lead, so most bodies get as far as the lists.
    const all = head
      ? ['"timestamp":"2018-08-22T15:19:23Z"', '"status_type":"WARNING"', ...members]
      : members;
    const text = `${gap}{${gap}${all.join(`${gap},${gap}`)}${gap}}${gap}`;
    return cut === 1 ? text.slice(0, -2) : text;
  });

/** JSON.parse + validateFast over the whole text, as the whole-body path does. */
function whole(text: string, allowRepairs: boolean) {
  const decoded = decodeBody(new TextEncoder().encode(text), allowRepairs);
  if (!decoded.ok || decoded.repairedTrailingComma) return null;
  return validateFast(decoded.value, allowRepairs);
}

describe('parseInPieces against the whole body', () => {
  for (const allowRepairs of [true, false]) {
    it(`gives the whole-body result or defers (repairs ${allowRepairs ? 'on' : 'off'})`, () => {
      let agreed = 0;
      let accepted = 0;
      fc.assert(
        fc.property(bodyText, fc.constantFrom(1, 7, 64, 100_000), (text, pieceChars) => {
          const pieces = runToEnd(parseInPieces(text, allowRepairs, pieceChars));
          const reference = whole(text, allowRepairs);
          if (reference !== null) accepted++;
          if (pieces === null) return;
          agreed++;
          expect(reference).not.toBeNull();
          // Maps compare by entries: a SID listed twice may take another place in the map, which
          // nothing reads in order.
          expect(withoutIndex(pieces.heartbeat)).toEqual(
            reference === null ? null : withoutIndex(reference.heartbeat),
          );
          expect(pieces.repairedTimestamp).toBe(reference?.repairedTimestamp);
        }),
        { numRuns: 4000 },
      );
      // The piecewise path is taken, not just deferred from: it defers only bodies with a
      // repeated member or SID, which the generator makes often.
      expect(agreed).toBeGreaterThan(150);
      expect(agreed).toBeGreaterThan(accepted / 2);
    });
  }

  it('takes every well-formed body, cut anywhere', () => {
    const sids = Array.from({ length: 50 }, (_, i) => `0${7930061000 + i}`);
    const body = {
      timestamp: '2018-08-22T15:19:23Z',
      status_type: 'WARNING',
      incoming_affected: sids,
      outgoing_affected: sids.slice(10, 20),
      data: Object.fromEntries(sids.map((sid) => [sid, { phone_number: `+91${sid.slice(1)}` }])),
    };
    for (const indent of [0, 2]) {
      const text = JSON.stringify(body, null, indent);
      for (let pieceChars = 1; pieceChars < text.length; pieceChars += 13) {
        const pieces = runToEnd(parseInPieces(text, false, pieceChars));
        expect(pieces?.heartbeat).toEqual(whole(text, false)?.heartbeat);
      }
    }
  });

  const head = '"timestamp":"2018-08-22T15:19:23Z","status_type":"WARNING"';

  it('reads Exotel-written data entries by pattern and parses the rest, with the same result', () => {
    for (const data of [
      '{"a":{"phone_number":"+12"},"b":{"phone_number":"+13","x":1},"c":{"phone_number":"+14"}}',
      '{ "a" : { "phone_number" : "+12" } ,\n "b":{}}',
      '{"a":{"phone_number":"+12"}}',
      '{}',
    ]) {
      const text = `{${head},"incoming_affected":["a"],"data":${data}}`;
      for (const pieceChars of [1, 100]) {
        const pieces = runToEnd(parseInPieces(text, true, pieceChars));
        expect(pieces).not.toBeNull();
        expect(pieces?.heartbeat).toEqual(whole(text, true)?.heartbeat);
      }
    }
  });

  it('keeps nothing of the body text alive through the phone numbers it reads', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept: unknown[] = [];
    for (let copy = 0; copy < 10; copy++) {
      // 5 MB of padding in a member nobody reads, then 13-character phone numbers: a substring
      // of 13 characters or more can be a view into the whole text.
      const padding = `"${'x'.repeat(5_000_000)}${copy}"`;
      const data = Array.from(
        { length: 50 },
        (_, i) => `"s${i}":{"phone_number":"+9179300610${10 + i}"}`,
      );
      const text = `{${head},"pad":${padding},"incoming_affected":["s1"],"data":{${data.join(',')}}}`;
      const pieces = runToEnd(parseInPieces(text, true));
      expect(pieces?.heartbeat.phones.get('s1')).toBe('+917930061011');
      kept.push(pieces?.heartbeat.phones);
    }
    gc();
    // Ten bodies' text would be 50 MB.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(10_000_000);
    expect(kept).toHaveLength(10);
  });

  it('defers a trailing comma, a repeated member and a SID given twice', () => {
    for (const text of [
      `{${head},"incoming_affected":["a","b",]}`,
      `{${head},"incoming_affected":["a"],"incoming_affected":["b"]}`,
      `{${head},"data":{"a":{"phone_number":"+12"},"b":{},"a":{}}}`,
      `{${head},"data":{"a":{"phone_number":"+12"},"a":{"phone_number":"+13"}}}`,
      `{${head},"data":{"a":{"phone_number":"+12"},}}`,
    ]) {
      expect(runToEnd(parseInPieces(text, true, 1))).toBeNull();
    }
  });
});

describe('parseHeartbeat with steps', () => {
  const validator = compileHeartbeatValidator(true);
  it('answers exactly as without them, errors included', async () => {
    await fc.assert(
      fc.asyncProperty(bodyText, async (text) => {
        const bytes = new TextEncoder().encode(text);
        const stepped = await parseHeartbeat(bytes, validator, true, () => Promise.resolve());
        expect(stepped).toEqual(await parseHeartbeat(bytes, validator, true));
      }),
      { numRuns: 1000 },
    );
  });
});
