import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/heartbeat/decode.js';
import { fixtureBytes, fixtureText, VENDOR_FIXTURES } from '../helpers/unit-heartbeats.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('decodeBody', () => {
  it.each([
    ['an object', '{"a":1}', { a: 1 }],
    ['an array', '[1,2]', [1, 2]],
    ['a string with comma-brace', '{"a":"x,}"}', { a: 'x,}' }],
    ['surrounding whitespace', ' \n{"a":1}\n ', { a: 1 }],
    ['a byte-order mark', '\uFEFF{"a":1}', { a: 1 }],
  ])('parses %s strictly, never marked repaired', (_name, text, value) => {
    for (const allowRepairs of [true, false]) {
      expect(decodeBody(utf8(text), allowRepairs)).toEqual({
        ok: true,
        value,
        repairedTrailingComma: false,
      });
    }
  });

  it.each([
    ['before }', '{"a":1,}', { a: 1 }],
    ['before ]', '{"a":[1,2,]}', { a: [1, 2] }],
    ['with whitespace and newlines between', '{"a":[1 ,\n ]  ,\r\n\t}', { a: [1] }],
  ])('repairs a trailing comma %s when repairs are on', (_name, text, value) => {
    expect(decodeBody(utf8(text), true)).toEqual({ ok: true, value, repairedTrailingComma: true });
  });

  it.each([['{"a":1,}'], ['[1,]']])('refuses %s as invalid_json when repairs are off', (text) => {
    const result = decodeBody(utf8(text), false);
    expect(result).toMatchObject({ ok: false, reason: 'invalid_json' });
  });

  it.each([
    ['not JSON at all', 'hello'],
    ['unterminated object', '{"a":1'],
    ['double comma', '{"a":1,,}'],
    ['leading comma', '[,1]'],
    ['truncated string', '{"a":"b'],
  ])('refuses %s even with repairs on', (_name, text) => {
    const result = decodeBody(utf8(text), true);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toBe('invalid_json');
  });

  it.each([
    ['lone continuation byte', [0x7b, 0x80, 0x7d]],
    ['truncated sequence', [0x22, 0xe2, 0x82, 0x22]],
    ['overlong encoding', [0x22, 0xc0, 0xaf, 0x22]],
    ['UTF-16 surrogate encoded in UTF-8', [0x22, 0xed, 0xa0, 0x80, 0x22]],
  ])('refuses invalid UTF-8 (%s)', (_name, bytes) => {
    const result = decodeBody(new Uint8Array(bytes), true);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe('invalid_json');
      expect(result.detail).toContain('not valid UTF-8');
    }
  });

  it.each([[''], ['   '], ['\n\t']])('refuses an empty body %j', (text) => {
    const result = decodeBody(utf8(text), true);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe('invalid_json');
      expect(result.detail).toMatch(/empty/);
    }
  });

  it('survives 100k levels of nesting, valid or needing repair', () => {
    const depth = 100_000;
    const valid = utf8(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    const trailing = utf8(`${'['.repeat(depth)}1,${']'.repeat(depth)}`);
    const unbalanced = utf8('['.repeat(depth));
    expect(() => decodeBody(valid, true)).not.toThrow();
    expect(decodeBody(valid, true)).toMatchObject({ ok: true, repairedTrailingComma: false });
    expect(() => decodeBody(trailing, true)).not.toThrow();
    expect(decodeBody(trailing, true)).toMatchObject({ ok: true, repairedTrailingComma: true });
    expect(decodeBody(trailing, false)).toMatchObject({ ok: false, reason: 'invalid_json' });
    expect(() => decodeBody(unbalanced, true)).not.toThrow();
    expect(decodeBody(unbalanced, true)).toMatchObject({ ok: false, reason: 'invalid_json' });
  });

  it.each([
    ['a bare word', 'SECRET_MARKER_7f3a'],
    ['a key with no value', '{"SECRET_MARKER_7f3a": }'],
    ['an unterminated string', '{"a":"SECRET_MARKER_7f3a'],
    ['a bad literal', '{"a": SECRET_MARKER_7f3a}'],
    ['a trailing comma that is not the only problem', '{"SECRET_MARKER_7f3a":1,,}'],
    ['text after the value', '{"a":1} SECRET_MARKER_7f3a'],
  ])('never quotes the body in the error detail (%s)', (_name, text) => {
    for (const allowRepairs of [true, false]) {
      const result = decodeBody(utf8(text), allowRepairs);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.detail).not.toContain('SECRET');
        expect(result.detail).not.toContain('MARKER');
        expect(result.detail).not.toContain('7f3a');
      }
    }
  });
});

describe('vendor fixtures', () => {
  const page = fixtureText('heartbeat-webhook.txt');

  it.each(VENDOR_FIXTURES)('%s is a byte-for-byte excerpt of the vendor page', (name) => {
    expect(page.includes(fixtureText(name))).toBe(true);
    expect(Buffer.from(page, 'utf8').includes(Buffer.from(fixtureBytes(name)))).toBe(true);
  });

  it.each([
    ['vendor-scenario-1-ok.json', false],
    ['vendor-scenario-2-warning.json', true],
    ['vendor-scenario-3-critical.json', true],
  ] as const)('%s decodes with repairs on (repaired: %s)', (name, repaired) => {
    const result = decodeBody(fixtureBytes(name), true);
    expect(result).toMatchObject({ ok: true, repairedTrailingComma: repaired });
  });

  it.each([
    ['vendor-scenario-1-ok.json', true],
    ['vendor-scenario-2-warning.json', false],
    ['vendor-scenario-3-critical.json', false],
  ] as const)('%s with repairs off decodes: %s', (name, ok) => {
    const result = decodeBody(fixtureBytes(name), false);
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.reason).toBe('invalid_json');
  });
});
