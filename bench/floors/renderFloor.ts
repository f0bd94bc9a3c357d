import { performance } from 'node:perf_hooks';

/**
 * The string-building floor for /metrics: the exporter's per-SID families
 * (`exotel_exophone_affected` and `exotel_exophone_affected_since_timestamp_seconds`, two lines
 * per (SID, direction) pair) built by plain string concatenation from a plain array — the least
 * work any renderer must do for those lines. Everything else in /metrics is a few hundred lines.
 *
 * The rows and the HELP/TYPE headers are read from the exporter's own /metrics, and the floor's
 * output is compared with the exporter's text, so the floor builds exactly the same bytes.
 */
export interface SeriesRow {
  readonly sid: string;
  readonly phone: string;
  readonly direction: string;
  readonly since: number;
}

export interface PerSidFamilies {
  readonly account: string;
  readonly rows: SeriesRow[];
  /** `# HELP …\n# TYPE …\n` of each family, verbatim. */
  readonly affectedHeader: string;
  readonly sinceHeader: string;
  /** The two families exactly as the exporter rendered them. */
  readonly exporterText: string;
}

const AFFECTED = 'exotel_exophone_affected';
const SINCE = 'exotel_exophone_affected_since_timestamp_seconds';

function affectedLine(account: string, row: SeriesRow): string {
  return `${AFFECTED}{account="${account}",sid="${row.sid}",phone_number="${row.phone}",direction="${row.direction}"} 1\n`;
}

function sinceLine(account: string, row: SeriesRow): string {
  return `${SINCE}{account="${account}",sid="${row.sid}",phone_number="${row.phone}",direction="${row.direction}"} ${row.since}\n`;
}

/** The two families as one string (checked against the exporter; pushed to the Pushgateway). */
export function renderFloor(families: PerSidFamilies): string {
  const { account, rows } = families;
  let out = families.affectedHeader;
  for (const row of rows) out += affectedLine(account, row);
  out += families.sinceHeader;
  for (const row of rows) out += sinceLine(account, row);
  return out;
}

/** Bytes per encoded piece: a typical socket write. */
const PIECE = 64 * 1024;

/**
 * The timed floor: the same lines, concatenated into ~64 KiB strings, each encoded to the bytes
 * a response would carry, as a streaming server would write them. This is about three times
 * faster than building one 25 MB string and encoding it at the end (V8 keeps `+=` results as
 * rope strings, and flattening one huge rope is slow), so it is the stricter floor.
 */
export function renderFloorPieces(families: PerSidFamilies): Buffer[] {
  const { account, rows } = families;
  const pieces: Buffer[] = [];
  let out = families.affectedHeader;
  for (const row of rows) {
    out += affectedLine(account, row);
    if (out.length >= PIECE) {
      pieces.push(Buffer.from(out, 'utf8'));
      out = '';
    }
  }
  out += families.sinceHeader;
  for (const row of rows) {
    out += sinceLine(account, row);
    if (out.length >= PIECE) {
      pieces.push(Buffer.from(out, 'utf8'));
      out = '';
    }
  }
  pieces.push(Buffer.from(out, 'utf8'));
  return pieces;
}

/** One timed floor run: milliseconds and the byte count (used, so the work cannot be elided). */
export function timeFloor(families: PerSidFamilies): { ms: number; bytes: number } {
  const started = performance.now();
  const pieces = renderFloorPieces(families);
  const ms = performance.now() - started;
  return { ms, bytes: pieces.reduce((sum, piece) => sum + piece.length, 0) };
}

/** Reads the per-SID families of one account out of a 0.0.4 text exposition. */
export function parsePerSidFamilies(exposition: string, account: string): PerSidFamilies {
  const start = exposition.indexOf(`# HELP ${AFFECTED} `);
  const sinceStart = exposition.indexOf(`# HELP ${SINCE} `);
  if (start < 0 || sinceStart < 0) {
    throw new Error(`/metrics has no ${AFFECTED} / ${SINCE} families`);
  }
  const end = nextFamily(exposition, sinceStart);
  const affectedText = exposition.slice(start, sinceStart);
  const sinceText = exposition.slice(sinceStart, end);
  const rows: SeriesRow[] = [];
  for (const line of sinceText.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const labelsEnd = line.lastIndexOf('} ');
    const labels = parseLabels(line.slice(line.indexOf('{') + 1, labelsEnd));
    if (labels.get('account') !== account) continue;
    rows.push({
      sid: labels.get('sid') ?? '',
      phone: labels.get('phone_number') ?? '',
      direction: labels.get('direction') ?? '',
      since: Number(line.slice(labelsEnd + 2)),
    });
  }
  return {
    account,
    rows,
    affectedHeader: headerOf(affectedText),
    sinceHeader: headerOf(sinceText),
    exporterText: exposition.slice(start, end),
  };
}

/**
 * How the floor's text compares with the exporter's own per-SID families: 'identical',
 * 'reordered' (same lines, other order), or where the first difference is.
 */
export function compareWithExporter(families: PerSidFamilies): string {
  // The timed path itself, so what is timed is what was checked.
  const floor = Buffer.concat(renderFloorPieces(families)).toString('utf8');
  if (floor === families.exporterText) return 'identical';
  const sortLines = (text: string) => text.split('\n').sort().join('\n');
  if (sortLines(floor) === sortLines(families.exporterText)) return 'reordered';
  const floorLines = floor.split('\n');
  const exporterLines = families.exporterText.split('\n');
  const at = floorLines.findIndex((line, i) => line !== exporterLines[i]);
  return `differs at line ${at + 1}: floor ${JSON.stringify(floorLines[at])} vs exporter ${JSON.stringify(exporterLines[at])}`;
}

function nextFamily(text: string, from: number): number {
  // Skip this family's own HELP and TYPE lines, then find the next HELP (or the end).
  let at = text.indexOf('\n', from);
  for (;;) {
    if (at < 0) return text.length;
    if (text.startsWith('# HELP ', at + 1) || text.startsWith('# EOF', at + 1)) return at + 1;
    at = text.indexOf('\n', at + 1);
  }
}

function headerOf(familyText: string): string {
  let end = 0;
  while (familyText.startsWith('#', end)) end = familyText.indexOf('\n', end) + 1;
  return familyText.slice(0, end);
}

function parseLabels(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const match of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    if (match[1] !== undefined && match[2] !== undefined) labels.set(match[1], match[2]);
  }
  return labels;
}
