/** `--help`, `--version` and the README's settings table, all generated from the settings table. */
import type { SettingSpec } from './setting.js';
import { SETTINGS } from './table.js';

export const PROGRAM = 'exotel-heartbeat-exporter';

export interface Subcommand {
  readonly name: string;
  readonly summary: string;
}

const specs = () => Object.values(SETTINGS) as SettingSpec<unknown>[];

/** Wraps `text` at `width` columns, each line prefixed by `indent`. */
function wrap(text: string, indent: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

function flagUsage(spec: SettingSpec<unknown>): string {
  return spec.boolean === true
    ? `--[no-]${spec.flag}`
    : `--${spec.flag}=${JSON.stringify(spec.defaultText)}`;
}

/** Kingpin-like, as Prometheus components print it. */
export function helpText(subcommands: readonly Subcommand[]): string {
  const out = [
    `usage: ${PROGRAM} [<flags>] [<command> [<args> ...]]`,
    '',
    'Prometheus exporter for Exotel ExoPhone heartbeats. Every flag can also be set by the',
    'environment variable named after it; a flag wins over the variable, the variable over the',
    'default.',
    '',
    'Commands:',
    ...subcommands.map((c) => `  ${c.name.padEnd(12)}${c.summary}`),
    '',
    'Flags:',
    '  -h, --help',
    '      Show this help and exit.',
    '  --version',
    '      Show version information and exit.',
  ];
  for (const spec of specs()) {
    out.push(`  ${flagUsage(spec)}`);
    const env = spec.env.length === 0 ? '' : ` ($${spec.env.join(', $')})`;
    const secret = spec.secret === true ? ' A flag is visible to `ps`: prefer the variable.' : '';
    out.push(...wrap(`${spec.help}${secret}${env}`, '      '));
  }
  return `${out.join('\n')}\n`;
}

export interface VersionInfo {
  readonly version: string;
  readonly revision: string;
  readonly branch: string;
  readonly buildUser: string;
  readonly buildDate: string;
  readonly nodeVersion: string;
  readonly platform: string;
}

/** As `prometheus --version` prints it, with the Node.js version where Go's would be. */
export function versionText(info: VersionInfo): string {
  return [
    `${PROGRAM}, version ${info.version} (branch: ${info.branch}, revision: ${info.revision})`,
    `  build user:       ${info.buildUser}`,
    `  build date:       ${info.buildDate}`,
    `  node version:     ${info.nodeVersion}`,
    `  platform:         ${info.platform}`,
    '',
  ].join('\n');
}

const escapeCell = (text: string) => text.replace(/\|/g, '\\|');

/** The README's settings table (between its markers; test/unit/settings.test.ts keeps it so). */
export function readmeSettingsTable(): string {
  const rows = specs().map((spec) => {
    const env = spec.env.length === 0 ? '—' : spec.env.map((e) => `\`${e}\``).join(', ');
    const def = spec.defaultText.startsWith('(')
      ? `_${spec.defaultText}_`
      : `\`${spec.defaultText}\``;
    return `| \`--${spec.flag}\` | ${env} | ${escapeCell(def)} | ${escapeCell(spec.help)} |`;
  });
  return [
    '| flag | environment variable | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
