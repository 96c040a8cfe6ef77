/**
 * Incremental JSONL reading: complete lines of a file from a byte offset, in bounded memory.
 * A last line without its trailing newline is left unread (the writer may still be writing it), so the offset
 * returned always sits just after a newline and the next read resumes exactly there.
 */
import { open } from 'node:fs/promises';

const CHUNK = 1 << 20;
/** Longer lines are skipped (counted) rather than buffered: no usage line comes near this. */
export const MAX_LINE_BYTES = 64 << 20;

export interface ReadResult {
  /** Byte offset just after the last complete line consumed. */
  offset: number;
  /** Complete lines consumed (including skipped oversized ones). */
  lines: number;
  /** Lines longer than MAX_LINE_BYTES that were skipped. */
  oversized: number;
  /** True when onLine asked to stop before the end of the file. */
  stopped: boolean;
  /** When reading from offset 0: a copy of the file's first bytes (up to `headBytes`), for change detection. */
  head?: Buffer;
}

/**
 * Calls `onLine` for each complete line after `start` (without `\n` / `\r\n`). The buffer is only valid during
 * the call. Returning `false` stops after that line.
 */
export async function readLines(
  path: string,
  start: number,
  onLine: (line: Buffer) => boolean | undefined,
  maxLineBytes = MAX_LINE_BYTES,
  headBytes = 0,
): Promise<ReadResult> {
  const fh = await open(path, 'r');
  const result: ReadResult = { offset: start, lines: 0, oversized: 0, stopped: false };
  try {
    let carry: Buffer | null = null;
    let skipping = false; // inside an oversized line: drop bytes until its newline
    let position = start;
    const chunk = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, CHUNK, position);
      if (bytesRead === 0) break;
      const data = chunk.subarray(0, bytesRead);
      if (position === 0 && headBytes > 0) result.head = Buffer.from(data.subarray(0, headBytes));
      const chunkStart = position;
      position += bytesRead;
      let from = 0;
      for (;;) {
        const nl = data.indexOf(10, from);
        if (nl === -1) break;
        const end = chunkStart + nl + 1;
        result.lines++;
        if (skipping) {
          skipping = false;
          result.oversized++;
          result.offset = end;
          from = nl + 1;
          continue;
        }
        let line: Buffer = carry ? Buffer.concat([carry, data.subarray(from, nl)]) : data.subarray(from, nl);
        carry = null;
        if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
        from = nl + 1;
        result.offset = end;
        if (line.length > maxLineBytes) {
          result.oversized++;
          continue;
        }
        if (onLine(line) === false) {
          result.stopped = true;
          return result;
        }
      }
      if (skipping) continue;
      const rest = data.subarray(from);
      if (rest.length === 0) continue;
      // The chunk buffer is reused, so the unfinished line is copied out.
      carry = carry ? Buffer.concat([carry, rest]) : Buffer.from(rest);
      if (carry.length > maxLineBytes) {
        carry = null;
        skipping = true;
      }
    }
    return result;
  } finally {
    await fh.close();
  }
}
