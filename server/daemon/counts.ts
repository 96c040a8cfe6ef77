/**
 * The scan counters every reader keeps, and the cheap byte-level checks the readers make on a line.
 * (Arithmetic on token counts lives in shared/tokens.ts.)
 */

export interface ScanCounters {
  /** Log files known. */
  files: number;
  /** Complete lines read. */
  lines: number;
  /** Bytes read. */
  bytes: number;
  /** Usage events found with an id not seen before. */
  events: number;
  /** Lines repeating a known event id (streaming snapshots, copies, replays, re-emitted totals). */
  duplicates: number;
  /** Lines that carry no usage, carry only zeros, or cannot be parsed. */
  skipped: number;
  /** Of the skipped lines, those that are not valid JSON of the expected shape. */
  unparsable: number;
}

export function emptyCounters(): ScanCounters {
  return { files: 0, lines: 0, bytes: 0, events: 0, duplicates: 0, skipped: 0, unparsable: 0 };
}

/** Reads a non-negative safe integer, or 0 when the field is missing or not a count. */
export function count(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/** True when a line's bytes look like one whole JSON object (a cheap check for lines we do not parse). */
export function looksLikeObject(line: Buffer): boolean {
  let a = 0;
  let b = line.length - 1;
  while (a <= b && (line[a] === 32 || line[a] === 9)) a++;
  while (b >= a && (line[b] === 32 || line[b] === 9)) b--;
  return a < b && line[a] === 123 && line[b] === 125;
}

/** True for a blank line (ignored entirely, not counted as skipped). */
export function isBlank(line: Buffer): boolean {
  for (const byte of line) if (byte !== 32 && byte !== 9) return false;
  return true;
}
