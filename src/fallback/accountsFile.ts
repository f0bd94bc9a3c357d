import Type from 'typebox';
import { Compile } from 'typebox/compile';
import { ConfigError, readSettingFile } from '../settings/configError.js';
import { settingName } from '../settings/table.js';
import { ACCOUNT_REGEX } from '../heartbeat/labelSafe.js';
import type { ApiAccount } from './apiAccount.js';
import { ACCOUNT_SID_REGEX, hostBaseUrl, type FallbackConfig } from './fallbackConfig.js';
import { Secret } from './secret.js';

const VARIABLE = 'EXOTEL_ACCOUNTS_FILE';
const LABEL = settingName('exotelAccountsFile');

/**
 * EXOTEL_ACCOUNTS_FILE: credentials for several exporter accounts. An array of entries, not an
 * object keyed by account, so a name like `__proto__` stays data. Unknown fields are refused so a
 * typo (`api_token`) is an error at start-up rather than a fallback that silently never runs.
 */
const AccountsFileSchema = Type.Object(
  {
    accounts: Type.Array(
      Type.Object(
        {
          account: Type.String({ pattern: ACCOUNT_REGEX.source }),
          accountSid: Type.String({ pattern: ACCOUNT_SID_REGEX.source }),
          apiKey: Type.String({ minLength: 1, maxLength: 200 }),
          apiToken: Type.String({ minLength: 1, maxLength: 200 }),
          host: Type.Optional(
            Type.Union([Type.Literal('api.exotel.com'), Type.Literal('api.in.exotel.com')]),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const checkFile = Compile(AccountsFileSchema);

/**
 * Every account the fallback may poll: `default` from the environment plus the file's entries.
 * Errors name the variable and the field (a JSON pointer), never a value: values are secrets.
 */
export async function loadApiAccounts(
  config: FallbackConfig,
  readFile: (path: string) => Promise<string>,
): Promise<ApiAccount[]> {
  const accounts = config.defaultAccount === null ? [] : [config.defaultAccount];
  if (config.accountsFile === null) return accounts;
  const text = await readSettingFile(
    readFile,
    config.accountsFile,
    (code) => new ConfigError(VARIABLE, `cannot be read (${code})`, LABEL),
  );
  return [...accounts, ...parseAccountsFile(text, config)];
}

export function parseAccountsFile(text: string, config: FallbackConfig): ApiAccount[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(VARIABLE, 'is not valid JSON', LABEL);
  }
  if (!checkFile.Check(value)) {
    const first = checkFile.Errors(value)[0];
    const field = first?.instancePath === '' ? '(top level)' : (first?.instancePath ?? '');
    throw new ConfigError(
      VARIABLE,
      `field ${field} is invalid: ${first?.message ?? 'unexpected content'} (expected {"accounts": [{"account", "accountSid", "apiKey", "apiToken", "host"?}]})`,
      LABEL,
    );
  }
  const seen = new Set(config.defaultAccount === null ? [] : [config.defaultAccount.account]);
  return value.accounts.map((entry, index) => {
    if (seen.has(entry.account)) {
      throw new ConfigError(
        VARIABLE,
        `field /accounts/${index}/account is invalid: "${entry.account}" is configured twice (EXOTEL_API_KEY configures "default")`,
        LABEL,
      );
    }
    seen.add(entry.account);
    return {
      account: entry.account,
      accountSid: entry.accountSid,
      apiKey: new Secret(entry.apiKey),
      apiToken: new Secret(entry.apiToken),
      baseUrl: config.baseUrlOverride ?? hostBaseUrl(entry.host ?? 'api.exotel.com'),
    };
  });
}
