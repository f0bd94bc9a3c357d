import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import Format from 'typebox/format';
import { PHONE_PATTERN, SID_PATTERN } from './labelSafe.js';
import { parseTimestamp } from './timestamp.js';
import { STATUS_TYPES } from './types.js';

const STRICT_TIMESTAMP = 'exotel-rfc3339';
const LENIENT_TIMESTAMP = 'exotel-rfc3339-quirk';

const Sid = Type.String({ pattern: SID_PATTERN });
/** `null`, `[]` and an absent key mean the same (PAYLOAD_TOO_LARGE's shape is undocumented). */
const Affected = Type.Optional(Type.Union([Type.Array(Sid), Type.Null()]));
/** Per-ExoPhone detail; unknown keys (e.g. the newer site's `incoming_call`) are ignored. */
const PhoneEntry = Type.Object({
  phone_number: Type.Optional(Type.String({ pattern: PHONE_PATTERN })),
});

function heartbeatSchema(timestampFormat: string) {
  return Type.Object({
    timestamp: Type.String({ format: timestampFormat }),
    status_type: Type.Union(STATUS_TYPES.map((status) => Type.Literal(status))),
    incoming_affected: Affected,
    outgoing_affected: Affected,
    data: Type.Optional(
      Type.Union([Type.Record(Sid, PhoneEntry, { additionalProperties: false }), Type.Null()]),
    ),
  });
}

export type HeartbeatBody = Static<ReturnType<typeof heartbeatSchema>>;

export interface HeartbeatValidator {
  check(value: unknown): value is HeartbeatBody;
  /** The instance path (JSON Pointer) of the first problem, for an error message. */
  firstErrorPath(value: unknown): string;
}

/**
 * Compiles the schema once per process. The timestamp format is our own strict RFC 3339 check;
 * the lenient variant also lets through the vendor's `>` quirk, which normalisation then strips.
 */
export function compileHeartbeatValidator(allowRepairs: boolean): HeartbeatValidator {
  Format.Set(STRICT_TIMESTAMP, (value) => parseTimestamp(value, false) !== null);
  Format.Set(LENIENT_TIMESTAMP, (value) => parseTimestamp(value, true) !== null);
  const compiled = Compile(heartbeatSchema(allowRepairs ? LENIENT_TIMESTAMP : STRICT_TIMESTAMP));
  return {
    check: (value): value is HeartbeatBody => compiled.Check(value),
    firstErrorPath: (value) => {
      // The deepest path is the most precise ("/data/x/phone_number" over "/data"); a missing
      // key is reported on its parent, so name the key itself.
      const paths = compiled
        .Errors(value)
        .map((error) =>
          error.keyword === 'required'
            ? `${error.instancePath}/${error.params.requiredProperties[0] ?? ''}`
            : error.instancePath,
        );
      return paths.reduce((best, path) => (path.length > best.length ? path : best), '');
    },
  };
}
