/** Past this declared size (or with no declared size at all) a body counts as large. */
export const LARGE_BODY_BYTES = 1_000_000;

/**
 * Bounds how many large bodies are read at once, decided from the headers before any body byte
 * is read: each can hold up to MAX_BODY_BYTES in memory (plus the parsed copy), so a burst of
 * 10 MB posts is refused (503, Exotel retries) instead of exhausting memory.
 */
export class IngestGate {
  private active = 0;

  constructor(private readonly maxLarge: number) {}

  /** A release function, or null when the gate is full. Small bodies always pass. */
  enter(contentLength: string | undefined): (() => void) | null {
    if (!isLarge(contentLength)) return () => undefined;
    if (this.active >= this.maxLarge) return null;
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
    };
  }

  get inFlight(): number {
    return this.active;
  }
}

function isLarge(contentLength: string | undefined): boolean {
  if (contentLength === undefined) return true; // chunked: could be anything up to the limit
  const declared = Number(contentLength);
  return !Number.isFinite(declared) || declared > LARGE_BODY_BYTES;
}
