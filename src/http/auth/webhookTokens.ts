import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The configured webhook tokens, kept only as SHA-256 digests. Comparing fixed-length digests with
 * timingSafeEqual leaks neither a token's content nor its length through timing, and every
 * configured token is compared every time, so the answer time does not say which one was close.
 */
export class WebhookTokens {
  readonly #digests: readonly Buffer[];

  constructor(tokens: readonly string[]) {
    this.#digests = tokens.map(digest);
  }

  /** False: the webhook is open to anyone who knows its URL. */
  get enabled(): boolean {
    return this.#digests.length > 0;
  }

  get count(): number {
    return this.#digests.length;
  }

  /** True when `candidate` equals one of the configured tokens. */
  matches(candidate: string): boolean {
    const presented = digest(candidate);
    let found = false;
    for (const known of this.#digests) {
      // No early return: the loop takes the same time whichever token matched.
      found = timingSafeEqual(presented, known) || found;
    }
    return found;
  }

  /** Logged with the configuration at start-up: how many, never what. */
  toJSON(): { configured: number } {
    return { configured: this.#digests.length };
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
