import { expect } from 'vitest';
import { WebhookTokens } from '../../src/http/auth/webhookTokens.js';
import { Secret } from '../../src/fallback/secret.js';

/**
 * `toEqual` compares own enumerable properties, and `WebhookTokens` and `Secret` keep what they
 * hold in private fields: without this, a configuration with webhook tokens, or other API
 * credentials, compares equal to one without. Registered in a test file, `toEqual` compares:
 *
 * - two `Secret`s by the value they reveal;
 * - two `WebhookTokens` by what they do: how many tokens, how many bound, and — for every probe
 *   token and every probe account (and no account) — `matches` and `allows`. Tokens are kept only
 *   as digests, so behaviour is all there is to compare; pass every token the file uses (and one
 *   it does not) as probes, and the accounts they are bound to.
 */
export function compareSecretsByBehaviour(
  probeTokens: readonly string[],
  probeAccounts: readonly string[] = ['default', 'acme'],
): void {
  const accounts = [null, ...probeAccounts];
  expect.addEqualityTesters([
    function secretsEqual(a: unknown, b: unknown): boolean | undefined {
      if (!(a instanceof Secret) || !(b instanceof Secret)) return undefined;
      return a.reveal() === b.reveal();
    },
    function tokensEqual(a: unknown, b: unknown): boolean | undefined {
      if (!(a instanceof WebhookTokens) || !(b instanceof WebhookTokens)) return undefined;
      const same = (f: (tokens: WebhookTokens) => unknown) => f(a) === f(b);
      return (
        same((t) => JSON.stringify(t.toJSON())) &&
        probeTokens.every(
          (token) =>
            same((t) => t.matches(token)) &&
            accounts.every((account) => same((t) => t.allows(token, account))),
        )
      );
    },
  ]);
}
