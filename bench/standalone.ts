/**
 * What `npm run bench:memory` and `bench:latency` share: a temporary root and every child
 * process removed on any exit, the printed rows, and an exit code that says whether the harness
 * itself failed.
 */
import { killAll, TempRoot } from './processes.js';

export function runStandalone(name: string, main: (temp: TempRoot) => Promise<string[]>): void {
  const temp = new TempRoot();
  process.on('exit', () => {
    killAll();
    temp.remove();
  });
  process.on('SIGINT', () => process.exit(130));
  process.on('SIGTERM', () => process.exit(143));
  main(temp).then(
    (lines) => {
      process.stdout.write(`${lines.join('\n')}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${name} failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
