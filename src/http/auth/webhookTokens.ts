import { createHash, timingSafeEqual } from 'node:crypto';

/** A configured token and the accounts it may write; `null`: every account (the classic token). */
export interface TokenEntry {
  readonly token: string;
  readonly accounts: readonly string[] | null;
}

interface Known {
  readonly digest: Buffer;
  readonly accounts: ReadonlySet<string> | null;
}

/**
 * The configured webhook tokens, kept only as SHA-256 digests. Comparing fixed-length digests with
 * timingSafeEqual leaks neither a token's content nor its length through timing, and every
 * configured token is compared every time, so the answer time does not say which one was close.
 * A token bound to accounts is, for any other account, exactly a wrong token: same loop, same
 * answer.
 */
export class WebhookTokens {
  #known: readonly Known[];

  constructor(entries: readonly (string | TokenEntry)[]) {
    this.#known = entries.map((entry) => {
      const { token, accounts } =
        typeof entry === 'string' ? { token: entry, accounts: null } : entry;
      return { digest: digest(token), accounts: accounts === null ? null : new Set(accounts) };
    });
  }

  /** These tokens and `other`'s: the variable's tokens plus the file's. */
  with(other: WebhookTokens): WebhookTokens {
    const merged = new WebhookTokens([]);
    merged.#known = [...this.#known, ...other.#known];
    return merged;
  }

  /** False: the webhook is open to anyone who knows its URL. */
  get enabled(): boolean {
    return this.#known.length > 0;
  }

  get count(): number {
    return this.#known.length;
  }

  /** True when `candidate` equals one of the configured tokens, whatever it is bound to. */
  matches(candidate: string): boolean {
    return this.#check(candidate, null);
  }

  /**
   * True when `candidate` is a configured token that may write `account`. `account` null (the
   * request's account could not be read): only an unbound token will do.
   */
  allows(candidate: string, account: string | null): boolean {
    return this.#check(candidate, { account });
  }

  #check(candidate: string, scope: { account: string | null } | null): boolean {
    const presented = digest(candidate);
    let found = false;
    for (const known of this.#known) {
      // No early return: the loop takes the same time whichever token matched.
      const equal = timingSafeEqual(presented, known.digest);
      const inScope =
        scope === null ||
        known.accounts === null ||
        (scope.account !== null && known.accounts.has(scope.account));
      found = (equal && inScope) || found;
    }
    return found;
  }

  /** Logged with the configuration: how many, never what. */
  toJSON(): { configured: number; bound: number } {
    return {
      configured: this.#known.length,
      bound: this.#known.filter((known) => known.accounts !== null).length,
    };
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
