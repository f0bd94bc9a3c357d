import { fileURLToPath } from 'node:url';

/**
 * Every path the harness needs, resolved from this file's compiled location
 * (`dist-bench/paths.js`), so `npm run bench` works from any working directory.
 */
const here = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

export const ROOT = here('../');
export const PACKAGE_JSON = here('../package.json');
export const EXPORTER_MAIN = here('../dist/main.js');
export const RESULTS_DIR = here('../bench/results/');
/** Compiled bench-only modules that run in child processes. */
export const INGEST_FLOOR_SCRIPT = here('./floors/ingestServer.js');
export const STATIC_SERVER_SCRIPT = here('./floors/staticServer.js');
export const GC_PRELOAD = here('./preload/gcIpc.js');
