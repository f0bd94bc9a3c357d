import { describe, expect, it } from 'vitest';
import { repairTrailingCommas } from '../../src/heartbeat/repairTrailingCommas.js';

describe('repairTrailingCommas', () => {
  it.each([
    ['before }', '{"a":1,}', '{"a":1}'],
    ['before ]', '[1,2,]', '[1,2]'],
    ['with spaces between', '{"a":1 ,  }', '{"a":1   }'],
    ['with newlines and tabs between', '{"a":1,\n\t\r\n}', '{"a":1\n\t\r\n}'],
    ['nested, several at once', '{"a":{"b":[1,],},}', '{"a":{"b":[1]}}'],
    [
      'the vendor layout',
      '{\n   "x":{  \n      "phone_number": "+917930061010",\n      }\n}',
      '{\n   "x":{  \n      "phone_number": "+917930061010"\n      }\n}',
    ],
  ])('removes a trailing comma %s', (_name, input, expected) => {
    expect(repairTrailingCommas(input)).toBe(expected);
    expect(() => JSON.parse(expected) as unknown).not.toThrow();
  });

  it.each([
    ['comma-brace inside a string', '{"a":"a,}"}'],
    ['comma-bracket inside a string', '["a,]"]'],
    ['escaped quote before comma-brace inside a string', '{"a":"x\\",}"}'],
    ['escaped backslash then a string with comma-brace', '{"a":"\\\\","b":",}"}'],
    ['ordinary commas', '{"a":1,"b":[1,2]}'],
    ['no commas at all', '{}'],
    ['empty text', ''],
  ])('leaves %s alone and returns null', (_name, input) => {
    expect(repairTrailingCommas(input)).toBeNull();
  });

  it('repairs outside strings while leaving commas inside strings intact', () => {
    expect(repairTrailingCommas('{"a":"x\\",}",}')).toBe('{"a":"x\\",}"}');
    expect(repairTrailingCommas('["a,]", "b,}",]')).toBe('["a,]", "b,}"]');
    expect(repairTrailingCommas('{"a":"\\\\",}')).toBe('{"a":"\\\\"}');
  });

  it('is iterative: 100k levels of nesting do not overflow the stack', () => {
    const depth = 100_000;
    const input = `${'['.repeat(depth)}1,${']'.repeat(depth)}`;
    const repaired = repairTrailingCommas(input);
    expect(repaired).toBe(`${'['.repeat(depth)}1${']'.repeat(depth)}`);
  });
});

describe('repairTrailingCommas refuses commas that follow no value', () => {
  it.each(['[,]', '{,}', '[1,,]', '{"a":,}', ',]'])('%s is left alone', (text) => {
    expect(repairTrailingCommas(text)).toBeNull();
  });

  it('still repairs a comma after a string, number, literal, object or array', () => {
    expect(repairTrailingCommas('{"a":"x",}')).toBe('{"a":"x"}');
    expect(repairTrailingCommas('[1,]')).toBe('[1]');
    expect(repairTrailingCommas('[true,\n]')).toBe('[true\n]');
    expect(repairTrailingCommas('[{},[],]')).toBe('[{},[]]');
  });
});
