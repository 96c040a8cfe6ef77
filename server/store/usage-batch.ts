/**
 * The batch parameter of the usage write, spelled into bytes: an array literal of the write function's row type
 * (usage-routine.ts, fields in its order), one row per (runtime, id) as `collapseByKey` keeps it, priced as
 * `pricedRow` does (tests/unit/server/usage-batch-encoding.test.ts holds it to that: the same rows;
 * tests/integration/usage-batch-hostile-labels.test.ts to the values stored). Postgres reads this in less CPU than
 * the JSON batch it replaced, at half the bytes (BENCHMARKS.md, hA2).
 *
 * Why bytes: spelled as template strings, each row was ~35 string pieces joined (≈ 1.1 KB of short-lived string
 * objects per event, most of the hub's allocation per event and so of its young-generation GC). Here the fields are
 * written into one buffer kept between commits, and one string is made of it at the end. A field that is not
 * plain ASCII, or needs an escape, is written as the template did (escaped, then UTF-8): the same bytes.
 */
import { type Pricer, totalOf, type UsageEvent } from '../../shared';
import { inKeyOrder } from './usage-batch-order';

/** Events of one runtime, as a call reports them (the group-commit writer's unit). */
export interface RuntimeUsageCall {
  runtimeId: string;
  events: UsageEvent[];
}

const attributed = (e: UsageEvent) =>
  e.project !== undefined || e.user !== undefined || e.session_id !== undefined;

/** True when `e` replaces `seen` of the same key: the largest total; on a tie only when it alone is attributed. */
export const beats = (e: UsageEvent, seen: UsageEvent) => {
  const total = totalOf(e);
  const seenTotal = totalOf(seen);
  return total > seenTotal || (total === seenTotal && !attributed(seen) && attributed(e));
};

/** Up to this many events of a runtime are checked for a repeated id pair by pair (no Map built for them). */
const SMALL = 32;

/**
 * The events of one runtime with one per id, as collapseByKey keeps them: the events themselves when no id repeats
 * (a daemon's call, the usual case, checked pair by pair when it is small: cheaper than a Map of its ids).
 */
function keptOf(events: UsageEvent[]): Iterable<UsageEvent> {
  if (events.length <= SMALL) {
    let repeated = false;
    for (let i = 1; i < events.length && !repeated; i++) {
      const id = events[i]!.id;
      for (let j = 0; j < i; j++)
        if (events[j]!.id === id) {
          repeated = true;
          break;
        }
    }
    if (!repeated) return events;
  }
  const best = new Map<string, UsageEvent>();
  for (const e of events) {
    const seen = best.get(e.id);
    if (!seen || beats(e, seen)) best.set(e.id, e);
  }
  return best.values();
}

/**
 * What must be escaped in a text field of the batch literal: a record field ends at `,` or `)`, and `"` and `\` are
 * special both to the record and to the array element that holds it. Nothing else is (record_in keeps whitespace and
 * `(` as they are; the element is quoted, so braces and whitespace in it are kept too).
 */
const ESCAPES = /[\\",)]/g;
/**
 * The escape of one character as it reaches Postgres: the record's backslash escape (`\,`), escaped again for the
 * quoted array element (`\\,`); a quote or backslash is escaped for the record and then both characters for the
 * array element.
 */
const escapeOf = (c: string) => (c === ',' || c === ')' ? `\\\\${c}` : `\\\\\\${c}`);

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const COMMA = 0x2c;
const CLOSE = 0x29;

/** The bytes of the batch being spelled; kept between batches (spelling is synchronous), shrunk after a large one. */
let buf = Buffer.allocUnsafe(64 * 1024);
let pos = 0;
/** Every byte so far is ASCII: the string can be made as latin1 (no UTF-8 decoding). */
let ascii = true;

/** Room for `n` more bytes. */
function reserve(n: number): void {
  if (pos + n <= buf.length) return;
  const next = Buffer.allocUnsafe(Math.max(buf.length * 2, pos + n));
  buf.copy(next, 0, 0, pos);
  buf = next;
}

/** `s` as UTF-8 bytes, unescaped (what a template string held). */
function putUtf8(s: string): void {
  reserve(Buffer.byteLength(s));
  pos += buf.write(s, pos);
  ascii = false;
}

/** `s` unescaped: ASCII byte by byte, anything else as UTF-8. */
function putRaw(s: string): void {
  const n = s.length;
  reserve(n);
  const start = pos;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      pos = start;
      putUtf8(s);
      return;
    }
    buf[pos++] = c;
  }
}

/**
 * A text field: NULL is the empty field, the empty string a quoted empty one (`""`, its quotes escaped for the array
 * element). Plain ASCII without a special character (most labels) is copied byte by byte.
 */
function putText(s: string | null | undefined): void {
  if (s === undefined || s === null) return;
  if (s === '') {
    putRaw('\\"\\"');
    return;
  }
  const n = s.length;
  reserve(n);
  const start = pos;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || c === BACKSLASH || c === QUOTE || c === COMMA || c === CLOSE) {
      pos = start;
      putUtf8(s.replace(ESCAPES, escapeOf));
      return;
    }
    buf[pos++] = c;
  }
}

/**
 * A number field as `${n}` spells it; NULL (null or undefined) is the empty field. A safe non-negative integer (a
 * token count) is written digit by digit, without a string.
 */
function putNumber(n: number | null | undefined): void {
  if (n === undefined || n === null) return;
  if (!Number.isSafeInteger(n) || n < 0) {
    putRaw(`${n}`);
    return;
  }
  let width = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) width++;
  reserve(width);
  let rest = n;
  for (let i = pos + width - 1; i >= pos; i--) {
    buf[i] = 48 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  pos += width;
}

function putByte(c: number): void {
  reserve(1);
  buf[pos++] = c;
}

/**
 * The batch literal. Each row is a quoted element `"(…)"`; its fields are escaped for the record and again for the
 * element. Keys are collapsed per runtime by the event's own id (keptOf). Empty string: nothing to write.
 */
export function encodeUsageBatch(calls: readonly RuntimeUsageCall[], pricer: Pricer): string {
  pos = 0;
  ascii = true;
  // In key order, whoever calls: the write function takes its row locks in the batch's order (usage-batch-order.ts).
  for (const { runtimeId, events } of inKeyOrder(calls)) {
    for (const e of keptOf(events)) {
      const cost = pricer.event(e);
      putByte(pos === 0 ? 0x7b : COMMA); // `{` first, `,` between rows
      putRaw('"(');
      putText(runtimeId);
      putByte(COMMA);
      putText(e.id);
      putByte(COMMA);
      putText(e.ts);
      putByte(COMMA);
      putText(e.provider);
      putByte(COMMA);
      putText(e.model);
      putByte(COMMA);
      putNumber(e.input_tokens);
      putByte(COMMA);
      putNumber(e.output_tokens);
      putByte(COMMA);
      putNumber(e.cache_read_tokens);
      putByte(COMMA);
      putNumber(e.cache_write_tokens);
      putByte(COMMA);
      putText(e.task_id);
      putByte(COMMA);
      putNumber(e.cache_write_1h_tokens ?? 0);
      putByte(COMMA);
      putRaw(e.speed ?? 'standard');
      putByte(COMMA);
      putNumber(e.cost_usd);
      putByte(COMMA);
      putNumber(cost.cost_usd);
      putByte(COMMA);
      putText(cost.cost_source);
      putByte(COMMA);
      putText(e.project);
      putByte(COMMA);
      putText(e.user);
      putByte(COMMA);
      putText(e.session_id);
      putRaw(')"');
    }
  }
  if (pos === 0) return '';
  putByte(0x7d); // `}`
  const batch = buf.toString(ascii ? 'latin1' : 'utf8', 0, pos);
  if (buf.length > 1024 * 1024) buf = Buffer.allocUnsafe(64 * 1024);
  return batch;
}
