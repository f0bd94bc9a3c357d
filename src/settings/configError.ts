/**
 * A configuration mistake: it names the setting (flag and environment variable, e.g.
 * `--web.listen-address/HOST`) and stops start-up, or is refused by a reload. No imports, so every
 * module that validates configuration can throw it without an import cycle.
 */
export class ConfigError extends Error {
  /**
   * @param variable where the bad value came from: the environment variable, or the flag
   *   (`--state.file`) when it was given on the command line.
   * @param reason what is wrong, never the value of a secret.
   * @param setting how the message names it; defaults to `variable`.
   */
  constructor(
    readonly variable: string,
    reason: string,
    readonly setting: string = variable,
  ) {
    super(`invalid configuration: ${setting} ${reason}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads a file a setting names. A failure becomes the error `fail` builds from its errno code
 * (`ENOENT`, `EACCES`, …; `error` when there is none), so each caller names its own setting.
 */
export async function readSettingFile(
  readFile: (path: string) => Promise<string>,
  path: string,
  fail: (code: string) => Error,
): Promise<string> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    throw fail(typeof code === 'string' ? code : 'error');
  }
}
