/**
 * A credential that cannot leak by accident: JSON, string conversion and util.inspect all print
 * `[redacted]`, so a config object holding one can be logged whole. Only `reveal()` gives the value,
 * and only the code that builds the Authorization header calls it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[redacted]';
  }
}
