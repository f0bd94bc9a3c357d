import type { Parser } from './parsers.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** One configurable setting: the single place its name, flag, variable, default and check live. */
export interface SettingSpec<T> {
  /** Without the dashes: `web.listen-address`. */
  readonly flag: string;
  /** The environment variables that feed it, usually one; empty for a flag-only setting. */
  readonly env: readonly string[];
  readonly default: T;
  /** How `--help` and the README show the default. */
  readonly defaultText: string;
  /** One or two sentences for `--help` and the README (plain text, backticks allowed). */
  readonly help: string;
  readonly parse: Parser<T>;
  /** `--flag` alone means true; `--no-flag` means false. */
  readonly boolean?: true;
  /** Its value is a credential: never shown, and `--help` says a flag would be seen by `ps`. */
  readonly secret?: true;
  /** An empty value is a value (`STATE_FILE=` turns persistence off), not "use the default". */
  readonly emptyIsValue?: true;
  /** Several variables make one value (HOST and PORT → the listen address). */
  readonly fromEnv?: (read: EnvReader) => T | undefined;
}

/** Reads one variable with a parser; the error names that variable and the setting's flag. */
export type EnvReader = <V>(variable: string, parse: Parser<V>) => V | undefined;

/** Identity, for inference: `setting({...})` keeps each entry's own value type. */
export function setting<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}
