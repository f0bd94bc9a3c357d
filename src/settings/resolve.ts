/**
 * Flags and environment → setting values, by the table: flag > environment variable > default.
 * Pure: arguments and environment come in, values, warnings or an error go out.
 */
import { parseArgs } from 'node:util';
import { closest, distance } from 'fastest-levenshtein';
import { ConfigError } from './configError.js';
import { ParseError, type Parser } from './parsers.js';
import type { Env, EnvReader, SettingSpec } from './setting.js';
import { SETTINGS, type SettingName, type SettingValues } from './table.js';

/** A mistake on the command line itself (unknown flag, missing value): exit 2 with usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Source =
  | { readonly kind: 'flag' }
  | { readonly kind: 'env'; readonly variable: string }
  | { readonly kind: 'default' };

export interface Resolved {
  readonly values: SettingValues;
  readonly sources: Readonly<Record<SettingName, Source>>;
  /** Unknown variables that look like ours, each with the closest valid one. */
  readonly warnings: readonly string[];
}

const NAMES = Object.keys(SETTINGS) as SettingName[];
const spec = (name: SettingName) => SETTINGS[name] as SettingSpec<unknown>;
const BY_FLAG = new Map(NAMES.map((name) => [spec(name).flag, name]));
export const FLAGS: readonly string[] = ['help', 'version', ...BY_FLAG.keys()];
export const VARIABLES: readonly string[] = NAMES.flatMap((name) => spec(name).env);

/**
 * A variable is "ours" by prefix when two or more of our variables share its first word
 * (EXOTEL_, WEBHOOK_, WEB_, METRICS_, MAX_, RATE_, LOG_): derived, so a new setting extends it.
 */
export const OUR_PREFIXES: readonly string[] = (() => {
  const counts = new Map<string, number>();
  for (const variable of VARIABLES) {
    const head = variable.split('_')[0];
    if (head !== undefined && head !== variable) {
      counts.set(`${head}_`, (counts.get(`${head}_`) ?? 0) + 1);
    }
  }
  return [...counts].filter(([, n]) => n >= 2).map(([prefix]) => prefix);
})();

/** Variables Kubernetes injects for every Service (`<NAME>_SERVICE_HOST`, `<NAME>_PORT_80_TCP`…). */
const KUBERNETES_SERVICE_VARIABLE =
  /_(?:SERVICE_HOST|SERVICE_PORT(?:_\w+)?|PORT(?:_\d+_(?:TCP|UDP|SCTP)(?:_(?:PROTO|PORT|ADDR))?)?)$/;

/** The closest known name when it is close enough to be a typo, else null. */
export function suggestion(name: string, known: readonly string[]): string | null {
  const best = closest(name, [...known]);
  return distance(name, best) <= Math.max(2, Math.floor(best.length / 3)) ? best : null;
}

/** `--flag` or `--flag/VARIABLE`: how messages name a setting, by where its value came from. */
export function settingLabel(name: SettingName, source: Source): string {
  const { flag, env } = spec(name);
  if (source.kind === 'flag') return `--${flag}`;
  if (source.kind === 'env') return `--${flag}/${source.variable}`;
  return env.length === 0 ? `--${flag}` : `--${flag}/${env.join('/')}`;
}

/**
 * Normalises boolean flags for parseArgs (`--x` → `--x=true`, `--no-x` → `--x=false`) and refuses
 * unknown flags with the closest valid one.
 */
function normaliseArgs(args: readonly string[]): string[] {
  let valueNext = false;
  return args.map((arg) => {
    if (valueNext) {
      // `--flag value`: this is the value (parseArgs reads it), whatever it looks like.
      valueNext = false;
      return arg;
    }
    if (!arg.startsWith('-') || arg === '-') {
      throw new UsageError(`unexpected argument "${arg.slice(0, 100)}"`);
    }
    if (arg === '-h') return '--help';
    const match = /^--([^=]+)(=.*)?$/s.exec(arg);
    const flagName = match?.[1];
    if (flagName === undefined) throw new UsageError(`unknown flag "${arg.slice(0, 100)}"`);
    const value = match?.[2];
    if (flagName === 'help' || flagName === 'version') return arg;
    const negated = flagName.startsWith('no-') ? flagName.slice(3) : null;
    const name = BY_FLAG.get(flagName) ?? (negated === null ? undefined : BY_FLAG.get(negated));
    if (name === undefined) {
      const near = suggestion(flagName, FLAGS);
      throw new UsageError(
        `unknown flag --${flagName.slice(0, 100)}${near === null ? '' : `, did you mean --${near}?`}`,
      );
    }
    if (spec(name).boolean !== true || value !== undefined) {
      if (negated !== null && !BY_FLAG.has(flagName)) {
        throw new UsageError(`--${flagName} takes no value`);
      }
      valueNext = value === undefined;
      return arg;
    }
    return negated !== null && !BY_FLAG.has(flagName) ? `--${negated}=false` : `--${flagName}=true`;
  });
}

export interface Invocation {
  readonly help: boolean;
  readonly version: boolean;
  readonly flags: ReadonlyMap<string, string>;
}

/** Reads the command line: help, version, and each flag's text. */
export function parseFlags(args: readonly string[]): Invocation {
  const options: Record<string, { type: 'string' } | { type: 'boolean' }> = {
    help: { type: 'boolean' },
    version: { type: 'boolean' },
  };
  for (const flag of BY_FLAG.keys()) options[flag] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({
      args: normaliseArgs(args),
      options,
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const flags = new Map<string, string>();
  for (const [flag, value] of Object.entries(parsed.values)) {
    if (typeof value === 'string') flags.set(flag, value);
  }
  return {
    help: parsed.values['help'] === true,
    version: parsed.values['version'] === true,
    flags,
  };
}

/** Unset and empty both mean "use the default", except where emptiness has a meaning. */
function envText(env: Env, variable: string, emptyIsValue: boolean): string | undefined {
  const value = env[variable];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' && !emptyIsValue ? undefined : trimmed;
}

function parseWith<V>(parse: Parser<V>, text: string, name: SettingName, source: Source): V {
  try {
    return parse(text);
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    const variable = source.kind === 'env' ? source.variable : `--${spec(name).flag}`;
    throw new ConfigError(variable, error.message, settingLabel(name, source));
  }
}

/** Every setting's value and where it came from; throws ConfigError naming the first bad one. */
export function resolveSettings(flags: ReadonlyMap<string, string>, env: Env): Resolved {
  const values: Record<string, unknown> = {};
  const sources: Record<string, Source> = {};
  for (const name of NAMES) {
    const s = spec(name);
    const flagText = flags.get(s.flag)?.trim();
    if (flagText !== undefined && (flagText !== '' || s.emptyIsValue === true)) {
      const source: Source = { kind: 'flag' };
      values[name] = parseWith(s.parse, flagText, name, source);
      sources[name] = source;
      continue;
    }
    const found: { variable: string | null } = { variable: null };
    const read: EnvReader = (variable, parse) => {
      const text = envText(env, variable, s.emptyIsValue === true);
      if (text === undefined) return undefined;
      found.variable ??= variable;
      return parseWith(parse, text, name, { kind: 'env', variable });
    };
    const fromEnv =
      s.fromEnv === undefined
        ? s.env[0] === undefined
          ? undefined
          : read(s.env[0], s.parse)
        : s.fromEnv(read);
    if (fromEnv !== undefined && found.variable !== null) {
      values[name] = fromEnv;
      sources[name] = { kind: 'env', variable: found.variable };
    } else {
      values[name] = s.default;
      sources[name] = { kind: 'default' };
    }
  }
  return {
    values: values as SettingValues,
    sources: sources as Record<SettingName, Source>,
    warnings: unknownVariables(env),
  };
}

/**
 * Variables that look like ours but are not: a warning each, with the closest valid one. Not an
 * error: the environment is shared (Kubernetes alone injects `<SERVICE>_…` variables, and a
 * Service named `exotel-…` would crash-loop the exporter), while a flag is ours alone.
 */
export function unknownVariables(env: Env): string[] {
  const known = new Set(VARIABLES);
  const warnings: string[] = [];
  for (const variable of Object.keys(env).sort()) {
    if (known.has(variable) || KUBERNETES_SERVICE_VARIABLE.test(variable)) continue;
    const prefixed = OUR_PREFIXES.some((prefix) => variable.startsWith(prefix));
    const near = suggestion(variable, VARIABLES);
    const typo = variable.length >= 6 && near !== null && distance(variable, near) <= 2;
    if (!prefixed && !typo) continue;
    warnings.push(
      `unknown environment variable ${variable} ignored${near === null ? '' : `, did you mean ${near}?`}`,
    );
  }
  return warnings;
}
