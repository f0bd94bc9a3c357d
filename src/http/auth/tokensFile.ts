/**
 * --webhook.tokens-file: webhook tokens in YAML, so a mounted Kubernetes Secret (or any file an
 * operator rewrites) can rotate them with a reload instead of a restart:
 *
 *   tokens:
 *     - 9f86d081884c7d659a2feaa0c55ad015        # valid for every account
 *     - 3a6eb0790f39ac87c94f3856b2dd2c5d: [acme, support]   # only for these accounts
 *
 * Errors name the entry, never a token.
 */
import { parse } from 'yaml';
import { ACCOUNT_REGEX } from '../../heartbeat/labelSafe.js';
import { ConfigError, readSettingFile } from '../../settings/configError.js';
import { settingName } from '../../settings/table.js';
import { TOKEN, TOKEN_RULE } from '../securityConfig.js';
import type { TokenEntry } from './webhookTokens.js';

const VARIABLE = 'WEBHOOK_TOKENS_FILE';
const LABEL = settingName('webhookTokensFile');

function fail(reason: string): never {
  throw new ConfigError(VARIABLE, reason, LABEL);
}

export function parseTokensFile(text: string): TokenEntry[] {
  let document: unknown;
  try {
    document = parse(text);
  } catch {
    fail('is not valid YAML');
  }
  // An empty file (a Secret not filled in yet) means no tokens from the file.
  if (document === null || document === undefined) return [];
  if (typeof document !== 'object' || Array.isArray(document)) {
    fail('must be a mapping with a "tokens" list');
  }
  const unknown = Object.keys(document).find((key) => key !== 'tokens');
  if (unknown !== undefined) fail(`field ${JSON.stringify(unknown)} is not a known field`);
  const list = (document as { tokens?: unknown }).tokens;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) fail('field "tokens" must be a list');
  const seen = new Set<string>();
  return list.map((entry: unknown, i) => {
    const where = `tokens[${i}]`;
    let token: unknown;
    let accounts: readonly string[] | null = null;
    if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
      const keys = Object.keys(entry);
      if (keys.length !== 1) {
        fail(`${where} must be a token, or one "token: [accounts]" pair (value not shown)`);
      }
      token = keys[0];
      accounts = accountList((entry as Record<string, unknown>)[keys[0] ?? ''], where);
    } else {
      token = entry;
    }
    if (typeof token !== 'string' || !TOKEN.test(token)) {
      fail(`${where} must be ${TOKEN_RULE} (value not shown)`);
    }
    if (seen.has(token)) fail(`${where} repeats an earlier token (value not shown)`);
    seen.add(token);
    return { token, accounts };
  });
}

function accountList(value: unknown, where: string): readonly string[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail(`${where} must bind its token to a non-empty list of accounts, e.g. [acme, support]`);
  }
  return value.map((account: unknown, j) => {
    if (typeof account !== 'string' || !ACCOUNT_REGEX.test(account)) {
      fail(`${where} account ${j + 1} must be 1-63 of a-z, 0-9, "-" and "_"`);
    }
    return account;
  });
}

/** Reads and parses the file; an unreadable file is a configuration error like a bad one. */
export async function loadTokensFile(
  path: string,
  readFile: (path: string) => Promise<string>,
): Promise<TokenEntry[]> {
  const text = await readSettingFile(readFile, path, (code) =>
    fail(`cannot read ${path} (${code})`),
  );
  return parseTokensFile(text);
}
