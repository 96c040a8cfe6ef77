/**
 * A strict reader for the YAML subset a compose file uses (no YAML library is installed): block mappings and
 * sequences, flow sequences/mappings, quoted and plain scalars, comments, anchors, aliases and `<<` merges.
 * Anything outside that subset, or malformed (tabs in indentation, a line at an unexpected indentation, a
 * duplicate key, an unknown alias, an unclosed quote or bracket), throws with the line number.
 *
 * @example parseYaml('a: &x [1, "two"]\nb: *x\n') // → { a: [1, 'two'], b: [1, 'two'] }
 */

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  no: number;
  indent: number;
  text: string;
}

export class YamlError extends Error {}

/** The text before a comment (` #` or a leading `#`), quotes respected. */
function stripComment(text: string, no: number): string {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (quote === "'" && c === "'" && text[i + 1] === "'") i++;
      else if (quote === '"' && c === '\\') i++;
      else if (c === quote) quote = null;
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s[{,:-]/.test(text[i - 1]!))) quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) return text.slice(0, i).trimEnd();
  }
  if (quote) throw new YamlError(`line ${no}: unclosed ${quote}`);
  return text.trimEnd();
}

function lex(source: string): Line[] {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, index) => {
    const no = index + 1;
    const indentText = /^[ \t]*/.exec(raw)![0];
    if (indentText.includes('\t')) throw new YamlError(`line ${no}: tab in indentation`);
    const text = stripComment(raw.slice(indentText.length), no);
    if (text === '' || text === '---') return;
    if (text.startsWith('%') || text === '...')
      throw new YamlError(`line ${no}: directives are not supported`);
    lines.push({ no, indent: indentText.length, text });
  });
  return lines;
}

/** Splits `key: rest` (or `key:`) at the first `: ` outside quotes; null when the text is not a mapping entry. */
function splitKey(text: string): { key: string; rest: string } | null {
  let i = 0;
  let key: string;
  if (text[0] === '"' || text[0] === "'") {
    const end = closingQuote(text, 0);
    key = scalar(text.slice(0, end + 1)) as string;
    i = end + 1;
    if (text[i] !== ':') return null;
  } else {
    const m = /:(\s|$)/.exec(text);
    if (!m || text.startsWith('[') || text.startsWith('{')) return null;
    i = m.index;
    key = text.slice(0, i).trim();
  }
  return { key: String(key), rest: text.slice(i + 1).trim() };
}

function closingQuote(text: string, start: number): number {
  const q = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (q === '"' && text[i] === '\\') i++;
    else if (text[i] === q) {
      if (q === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  throw new YamlError(`unclosed quote in ${text}`);
}

/** A scalar as YAML's core schema reads it. */
function scalar(text: string): YamlValue {
  if (text.startsWith('"')) {
    if (closingQuote(text, 0) !== text.length - 1) throw new YamlError(`junk after a string: ${text}`);
    return JSON.parse(text) as string;
  }
  if (text.startsWith("'")) {
    if (closingQuote(text, 0) !== text.length - 1) throw new YamlError(`junk after a string: ${text}`);
    return text.slice(1, -1).replaceAll("''", "'");
  }
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^(null|Null|NULL|~)?$/.test(text)) return null;
  if (/^[-+]?\d+$/.test(text)) return Number(text);
  if (/^[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (/^[[\]{}>|*&!%@`]/.test(text)) throw new YamlError(`unsupported value: ${text}`);
  return text;
}

/** A flow collection (`[a, "b"]`, `{k: v}`) or a scalar, on one line. */
function flow(text: string, anchors: Map<string, YamlValue>): YamlValue {
  let i = 0;
  const skip = () => {
    while (text[i] === ' ') i++;
  };
  const value = (): YamlValue => {
    skip();
    const c = text[i];
    if (c === '[' || c === '{') {
      const close = c === '[' ? ']' : '}';
      i++;
      const items: YamlValue[] = [];
      const map: Record<string, YamlValue> = {};
      for (;;) {
        skip();
        if (text[i] === close) {
          i++;
          return c === '[' ? items : map;
        }
        if (c === '[') items.push(value());
        else {
          const key = String(value());
          skip();
          if (text[i] !== ':') throw new YamlError(`expected ":" in ${text}`);
          i++;
          map[key] = value();
        }
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== close) throw new YamlError(`expected "," or "${close}" in ${text}`);
      }
    }
    if (c === '"' || c === "'") {
      const end = closingQuote(text, i);
      const s = scalar(text.slice(i, end + 1));
      i = end + 1;
      return s;
    }
    if (c === '*') {
      const name = /^\*([^\s,\]}]+)/.exec(text.slice(i))![1]!;
      i += name.length + 1;
      if (!anchors.has(name)) throw new YamlError(`unknown alias *${name}`);
      return anchors.get(name)!;
    }
    const m = /^[^,\]}]*/.exec(text.slice(i))![0];
    i += m.length;
    return scalar(m.trim());
  };
  const v = value();
  skip();
  if (i !== text.length) throw new YamlError(`junk after a value: ${text}`);
  return v;
}

class Parser {
  private i = 0;
  private readonly anchors = new Map<string, YamlValue>();

  constructor(private readonly lines: Line[]) {}

  document(): YamlValue {
    if (this.lines.length === 0) return null;
    const v = this.node(this.lines[0]!.indent);
    const extra = this.lines[this.i];
    if (extra) throw new YamlError(`line ${extra.no}: unexpected indentation`);
    return v;
  }

  private node(indent: number): YamlValue {
    const line = this.lines[this.i]!;
    return isItem(line.text) ? this.sequence(indent) : this.mapping(indent);
  }

  private sequence(indent: number): YamlValue[] {
    const out: YamlValue[] = [];
    for (let line = this.lines[this.i]; line && line.indent === indent && isItem(line.text); ) {
      const rest = line.text.slice(1).trimStart();
      const offset = line.indent + (line.text.length - rest.length);
      if (rest === '') {
        this.i++;
        out.push(this.nested(indent));
      } else if (!rest.startsWith('[') && !rest.startsWith('{') && splitKey(rest)) {
        // `- key: value` starts a mapping whose keys line up with `key`.
        this.lines[this.i] = { no: line.no, indent: offset, text: rest };
        out.push(this.mapping(offset));
      } else {
        this.i++;
        out.push(this.inline(rest, line.no));
      }
      line = this.lines[this.i];
    }
    return out;
  }

  private mapping(indent: number): Record<string, YamlValue> {
    const out: Record<string, YamlValue> = {};
    for (let line = this.lines[this.i]; line && line.indent === indent && !isItem(line.text); ) {
      const entry = splitKey(line.text);
      if (!entry) throw new YamlError(`line ${line.no}: expected "key: value"`);
      this.i++;
      let { rest } = entry;
      let anchor: string | undefined;
      const a = /^&(\S+)\s*/.exec(rest);
      if (a) {
        anchor = a[1];
        rest = rest.slice(a[0].length);
      }
      let value: YamlValue;
      if (rest === '') value = this.nested(indent, true);
      else if (rest.startsWith('|') || rest.startsWith('>'))
        throw new YamlError(`line ${line.no}: block scalars are not supported`);
      else value = this.inline(rest, line.no);
      if (anchor) this.anchors.set(anchor, value);
      if (entry.key === '<<') {
        const sources = Array.isArray(value) ? value : [value];
        for (const s of sources) {
          if (!s || typeof s !== 'object' || Array.isArray(s))
            throw new YamlError(`line ${line.no}: << needs a mapping`);
          for (const [k, v] of Object.entries(s)) if (!(k in out)) out[k] = v;
        }
      } else {
        if (Object.hasOwn(out, entry.key))
          throw new YamlError(`line ${line.no}: duplicate key "${entry.key}"`);
        out[entry.key] = value;
      }
      line = this.lines[this.i];
      if (line && line.indent > indent) throw new YamlError(`line ${line.no}: unexpected indentation`);
    }
    return out;
  }

  /** The block under a `key:` or `-`: deeper lines, or (after a key) a sequence at the same indentation. */
  private nested(indent: number, afterKey = false): YamlValue {
    const next = this.lines[this.i];
    if (next && (next.indent > indent || (afterKey && next.indent === indent && isItem(next.text))))
      return this.node(next.indent);
    return null;
  }

  private inline(text: string, no: number): YamlValue {
    try {
      return flow(text, this.anchors);
    } catch (err) {
      throw new YamlError(`line ${no}: ${(err as Error).message}`);
    }
  }
}

const isItem = (text: string) => text === '-' || text.startsWith('- ');

export function parseYaml(source: string): YamlValue {
  return new Parser(lex(source)).document();
}
