/**
 * A small, independent reader for the Prometheus text format, so golden tests can compare
 * expositions without depending on family, sample or label order.
 */
export interface ParsedExposition {
  /** Family name → HELP text (still escaped). */
  readonly help: ReadonlyMap<string, string>;
  /** Family name → TYPE. */
  readonly type: ReadonlyMap<string, string>;
  /** Sample lines with labels sorted by name, then the whole list sorted. */
  readonly samples: readonly string[];
}

export interface ParsedSample {
  readonly name: string;
  /** Label name → unescaped value. */
  readonly labels: ReadonlyMap<string, string>;
  readonly value: string;
}

export function parseExposition(text: string): ParsedExposition {
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const helpMatch = /^# HELP (\S+) (.*)$/.exec(line);
    if (helpMatch !== null) {
      const [, name = '', body = ''] = helpMatch;
      if (help.has(name)) throw new Error(`second HELP for ${name}`);
      help.set(name, body);
      continue;
    }
    const typeMatch = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (typeMatch !== null) {
      const [, name = '', kind = ''] = typeMatch;
      if (type.has(name)) throw new Error(`second TYPE for ${name}`);
      type.set(name, kind);
      continue;
    }
    if (line.startsWith('#')) continue;
    samples.push(canonicalSample(parseSample(line)));
  }
  return { help, type, samples: samples.sort() };
}

/** Parses one sample line, unescaping label values (`\\`, `\"`, `\n`). */
export function parseSample(line: string): ParsedSample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (nameMatch === null) throw new Error(`no metric name in ${JSON.stringify(line)}`);
  const name = nameMatch[0];
  let i = name.length;
  const labels = new Map<string, string>();
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(i));
      if (labelMatch === null) throw new Error(`bad label at ${i} in ${JSON.stringify(line)}`);
      const labelName = labelMatch[1] ?? '';
      i += labelMatch[0].length;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error(`unterminated label value in ${JSON.stringify(line)}`);
        if (c === '"') break;
        if (c === '\\') {
          const next = line[i + 1];
          if (next === 'n') value += '\n';
          else if (next === '\\' || next === '"') value += next;
          else throw new Error(`bad escape in ${JSON.stringify(line)}`);
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
      i++; // closing quote
      if (labels.has(labelName)) throw new Error(`label ${labelName} twice`);
      labels.set(labelName, value);
      if (line[i] === ',') i++;
    }
    i++; // closing brace
  }
  if (line[i] !== ' ') throw new Error(`no space before the value in ${JSON.stringify(line)}`);
  const value = line.slice(i + 1);
  if (!/^(?:NaN|[+-]Inf|[+-]?[0-9.]+(?:e[+-]?[0-9]+)?)$/.test(value)) {
    throw new Error(`bad value in ${JSON.stringify(line)}`);
  }
  return { name, labels, value };
}

/** The samples of one metric (exact sample name), parsed. */
export function samplesNamed(text: string, name: string): ParsedSample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map(parseSample)
    .filter((sample) => sample.name === name);
}

function escape(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function canonicalSample(sample: ParsedSample): string {
  return sampleLine(sample.name, Object.fromEntries(sample.labels), sample.value);
}

/** An expected sample line in canonical form (labels sorted by name). */
export function sampleLine(
  name: string,
  labels: Readonly<Record<string, string>>,
  value: number | string,
): string {
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}="${escape(v)}"`);
  return `${name}${pairs.length === 0 ? '' : `{${pairs.join(',')}}`} ${String(value)}`;
}
