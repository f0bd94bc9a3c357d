import { writeFileSync } from 'node:fs';
import { STATIC_SERVER_SCRIPT } from '../paths.js';
import { listeningPort, spawnTracked, type Child } from '../processes.js';

/**
 * Starts staticServer.js (its own plain node process) replaying `body` with the given headers:
 * the transfer floor for an unchanged scrape, and the static target for real Prometheus.
 */
export interface StaticCopy {
  readonly url: string;
  readonly child: Child;
  stop(): Promise<void>;
}

export async function startStaticCopy(
  file: string,
  body: Buffer,
  contentType: string,
  contentEncoding = '',
): Promise<StaticCopy> {
  writeFileSync(file, body);
  const child = spawnTracked('static copy', process.execPath, [
    STATIC_SERVER_SCRIPT,
    file,
    contentType,
    contentEncoding,
  ]);
  const port = await listeningPort(child);
  return { url: `http://127.0.0.1:${port}`, child, stop: () => child.stop() };
}
