import type { WebSecurity } from '../webConfig/loadWebConfig.js';
import type { WebhookTokens } from './auth/webhookTokens.js';

/** Everything a reload may change about how requests are checked. */
export interface Security {
  readonly tokens: WebhookTokens;
  readonly web: WebSecurity;
}

/**
 * The security in force, swapped whole by a reload: each request reads it once, on arrival, so a
 * request in flight keeps the tokens and users it was checked against, and no request ever sees
 * new tokens with old users. Swapping is one assignment: nothing to lock in single-threaded JS.
 */
export class LiveSecurity {
  #current: Security;

  constructor(initial: Security) {
    this.#current = initial;
  }

  get current(): Security {
    return this.#current;
  }

  swap(next: Security): void {
    this.#current = next;
  }
}
