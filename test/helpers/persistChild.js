// A minimal process around the exporter's real save path (dist/persist: Persister and
// writeFileAtomic on the real file system): it saves version after version of one account's
// state as fast as it can, so a `kill -9` from the parent lands mid-save. The text of each
// version comes from a template the parent made with the real encodeState: importing the codec
// (TypeBox) here would cost ~0.5 s per start, and 100 starts of the full exporter (~0.7 s each)
// would not fit a modest test run.
//
//   node persistChild.js <stateFile> <templateFile> <firstVersion>
//
// In the template, every "VERSION" is replaced by the version and every "STATUS" by its status.
import * as fs from 'node:fs/promises';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { Persister } from '../../dist/persist/persister.js';
import { writeFileAtomic } from '../../dist/persist/stateFile.js';

async function main([stateFile, templateFile, first]) {
  const template = await fs.readFile(templateFile, 'utf8');
  let v = Number(first);
  const silent = { error() {}, info() {}, warn() {} };
  const persister = new Persister({
    serialize: () =>
      template
        .replaceAll('VERSION', String(v))
        .replaceAll('STATUS', v % 2 === 0 ? 'WARNING' : 'CRITICAL'),
    write: (data) => writeFileAtomic(fs, stateFile, data),
    clock: { now: () => 0 },
    logger: silent,
    onSuccess: () => {},
    onFailure: () => {},
  });
  process.stdout.write('started\n');
  // A new version every millisecond, less than a save takes (temp file, fsync, rename): saves
  // follow each other back to back, and the process waits on the file system between versions
  // instead of spinning (a setImmediate loop burnt twice the CPU for 5% more saves).
  for (;;) {
    v++;
    persister.schedule();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) void main(process.argv.slice(2));
