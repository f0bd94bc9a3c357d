/**
 * Bench-only preload for the exporter's memory measurement (`node --expose-gc --import …`), so
 * production code needs no hook: on `{cmd:'gc'|'mem', id}` over the IPC channel it optionally
 * runs full garbage collections, then answers with process.memoryUsage().
 */
interface Command {
  readonly cmd: 'gc' | 'mem';
  readonly id: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

process.on('message', (raw: unknown) => {
  const command = raw as Command;
  const answer = () => process.send?.({ id: command.id, memory: process.memoryUsage() });
  if (command.cmd !== 'gc' || gc === undefined) {
    answer();
    return;
  }
  // Twice, with a turn of the event loop between: the first pass can leave finalizer-held
  // objects (e.g. weak callbacks, closed buffers) that only the second one reclaims.
  gc();
  setImmediate(() => {
    gc();
    answer();
  });
});

// The listener would otherwise keep the exporter alive after it has closed its servers.
process.channel?.unref();
