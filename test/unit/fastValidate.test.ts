import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateFast } from '../../src/heartbeat/fastValidate.js';
import { compileHeartbeatValidator } from '../../src/heartbeat/schema.js';
import { validateHeartbeat, validateWithSchema } from '../../src/heartbeat/validate.js';
import { withoutIndex } from '../helpers/unit-heartbeats.js';

/**
 * The one-pass validator must accept exactly what the TypeBox schema accepts and normalise it the
 * same way: the schema is the specification, the fast path an optimisation of it.
 */
const validators = {
  lenient: compileHeartbeatValidator(true),
  strict: compileHeartbeatValidator(false),
};

const VALID_TIMESTAMPS = [
  '2018-08-22T15:19:23Z',
  '2018-08-22T15:19:23.123456789+05:30',
  '2016-12-31T23:59:60Z',
];
const ODD_TIMESTAMPS = [
  '2018-08-22T15:19:23Z>',
  '2018-08-22T15:19:23',
  '2018-02-30T00:00:00Z',
  '2018-08-22T15:19:23Z[Asia/Kolkata]',
  '',
];
const VALID_SIDS = ['07930061010', 'a', '__proto__', 'constructor', 'x.y:z-_', 'A'.repeat(64)];
const ODD_SIDS = ['has space', 'é', '', '"', 'A'.repeat(65)];
const VALID_PHONES = ['+917930061010', '+12', '+123456789012345'];
const ODD_PHONES = ['+1', '917930061010', '+0123', '+91 793', '', '+1234567890123456'];

/** Mostly valid, sometimes not: so bodies with a single flaw are common. */
function mostly<T, U>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ arbitrary: valid, weight: 8 }, { arbitrary: odd, weight: 1 });
}

/** Anything JSON can hold, weighted toward the shapes the schema is picky about. */
const junk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(...VALID_SIDS, ...ODD_SIDS),
  fc.constant([]),
  fc.constant({}),
);
const sid = mostly(fc.constantFrom(...VALID_SIDS), fc.oneof(fc.constantFrom(...ODD_SIDS), junk));
const affected = mostly(
  fc.oneof(fc.constant(null), fc.array(sid, { maxLength: 4 })),
  fc.oneof(junk, fc.constant({ 0: 'a' })),
);
const entry = mostly(
  fc.record(
    {
      phone_number: mostly(
        fc.constantFrom(...VALID_PHONES),
        fc.oneof(fc.constantFrom(...ODD_PHONES), junk),
      ),
      incoming_call: junk,
    },
    { requiredKeys: [] },
  ),
  junk,
);
const data = mostly(
  fc.oneof(
    fc.constant(null),
    fc.dictionary(mostly(fc.constantFrom(...VALID_SIDS), fc.constantFrom(...ODD_SIDS)), entry, {
      maxKeys: 4,
    }),
  ),
  fc.oneof(fc.array(entry, { maxLength: 2 }), junk),
);
const body = mostly(
  fc.record(
    {
      timestamp: mostly(
        fc.constantFrom(...VALID_TIMESTAMPS),
        fc.oneof(fc.constantFrom(...ODD_TIMESTAMPS), junk),
      ),
      status_type: mostly(
        fc.constantFrom('OK', 'WARNING', 'CRITICAL', 'PAYLOAD_TOO_LARGE'),
        fc.oneof(fc.constantFrom('ok', 'UNKNOWN'), junk),
      ),
      incoming_affected: affected,
      outgoing_affected: affected,
      data,
      account_sid: junk,
    },
    { requiredKeys: ['timestamp', 'status_type'] },
  ),
  fc.oneof(junk, fc.record({ status_type: fc.constant('OK') })),
);

describe('validateFast against the schema', () => {
  for (const [mode, validator] of Object.entries(validators)) {
    const allowRepairs = mode === 'lenient';
    it(`accepts exactly what the ${mode} schema accepts, with the same result`, () => {
      fc.assert(
        fc.property(body, (generated) => {
          // Through JSON text, so `__proto__` is an own key as it is in a request body.
          const value = JSON.parse(JSON.stringify(generated)) as unknown;
          const fast = validateFast(value, allowRepairs);
          const reference = validateWithSchema(value, validator, allowRepairs);
          expect(fast !== null).toBe(reference.ok);
          if (fast !== null && reference.ok) {
            expect(withoutIndex(fast.heartbeat)).toEqual(reference.heartbeat);
            expect([...fast.heartbeat.phones]).toEqual([...reference.heartbeat.phones]);
            expect(fast.repairedTimestamp).toBe(reference.repairedTimestamp);
          }
        }),
        { numRuns: 5000 },
      );
    });
  }

  it('hands a refused body to the schema, which names the field', () => {
    const value = JSON.parse(
      '{"timestamp":"2018-08-22T15:19:23Z","status_type":"OK","data":{"ab":{"phone_number":"1"}}}',
    ) as unknown;
    expect(validateFast(value, true)).toBeNull();
    expect(validateHeartbeat(value, validators.lenient, true)).toEqual({
      ok: false,
      reason: 'invalid_payload',
      detail: 'invalid field: data["ab"].phone_number',
    });
  });
});
