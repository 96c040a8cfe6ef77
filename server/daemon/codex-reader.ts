/**
 * Codex rollouts (`sessions/**\/*.jsonl`, lines `{ timestamp, type, payload }`): one usage event per turn.
 *
 * `token_count` carries cumulative `total_token_usage`; a turn is its difference from the previous total of the
 * same file (a re-emitted unchanged total is no turn). Codex's `input_tokens` includes `cached_input_tokens`, and
 * `output_tokens` already includes `reasoning_output_tokens`. The event id is the lineage root + the cumulative
 * totals, so it is the same on every rescan, in a resumed or forked file that replays the turn, and after the
 * state file is lost.
 *
 * Codex 0.17x also writes a `token_usage_record` per model response (`response_id`, that response's exact
 * `usage`, and the thread's cumulative `thread_token_usage`). Such a record is its own event, keyed by the response
 * id; it advances the file's cumulative total, so the `token_count` that follows it differs by nothing and counts
 * nothing. A `token_count` read before its record has already counted the response: the record, whose thread total
 * is then no larger than the file's, is a duplicate. Either way each response counts once.
 *
 * A file without `session_meta` that starts by repeating another file's first usage line is a copy of that
 * lineage (codex-sessions.ts): it joins that lineage's namespace, so its copied turns keep their ids.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { z } from 'zod';
import type { UsageEvent } from '../../shared/schemas';
import { type CodexSessions, copyMark, sameVector, type Vector, vectorAtMost } from './codex-sessions';
import { count, looksLikeObject } from './counts';

/** Per-file reading context, persisted with the file's offset. */
export interface CodexFileCtx {
  session?: string;
  ns?: string;
  model: string;
  prev?: Vector;
  /** The session's working directory: `session_meta.cwd`, then the latest `turn_context.cwd` (attribution.ts). */
  cwd?: string;
}

export type CodexResult =
  | { kind: 'usage'; event: UsageEvent }
  | { kind: 'duplicate' }
  | { kind: 'skip'; unparsable: boolean }
  | { kind: 'meta' };

const MARKS = ['"token_count"', '"token_usage_record"', '"turn_context"', '"session_meta"'].map((m) =>
  Buffer.from(m),
);
const LEADING_TS = Buffer.from('{"timestamp":"');

const Line = z.looseObject({ timestamp: z.string().optional(), type: z.string(), payload: z.unknown() });
const SessionMeta = z.looseObject({
  id: z.string().min(1),
  forked_from_id: z.string().nullish(),
  source: z.unknown().optional(),
  cwd: z.string().nullish(),
});
const TurnContext = z.looseObject({ model: z.string().optional(), cwd: z.string().nullish() });
const Usage = z.looseObject({});
const TokenCount = z.looseObject({
  type: z.literal('token_count'),
  info: z
    .looseObject({
      total_token_usage: Usage.nullish(),
      last_token_usage: Usage.nullish(),
      model: z.string().nullish(),
    })
    .nullish(),
});
const UsageRecord = z.looseObject({
  response_id: z.string().min(1),
  usage: Usage,
  thread_token_usage: Usage.nullish(),
  model: z.string().nullish(),
  info: z.looseObject({ model: z.string().nullish() }).nullish(),
});

/** The session id of a file without `session_meta` (old rollouts): its name, hashed when long. */
export function fileSessionKey(path: string): string {
  const name = basename(path, '.jsonl');
  return name.length <= 100 ? name : createHash('sha256').update(name).digest('hex').slice(0, 32);
}

/** The timestamp a Codex line starts with, read without parsing the line (for task start and end times). */
export function leadingTimestamp(line: Buffer): string | undefined {
  if (line.length < 40 || line.compare(LEADING_TS, 0, LEADING_TS.length, 0, LEADING_TS.length) !== 0) return;
  const end = line.indexOf(34, LEADING_TS.length);
  if (end === -1 || end - LEADING_TS.length > 40) return;
  return line.toString('latin1', LEADING_TS.length, end);
}

function toVector(u: Record<string, unknown>): Vector {
  const input = count(u.input_tokens);
  const output = count(u.output_tokens);
  const total = count(u.total_tokens);
  return [
    input,
    count(u.cached_input_tokens),
    output,
    count(u.reasoning_output_tokens),
    total || input + output,
  ];
}

function parentOf(meta: z.infer<typeof SessionMeta>): string | undefined {
  if (meta.forked_from_id) return meta.forked_from_id;
  // Sub-agent threads name their parent here and replay its history like forks do.
  const src = meta.source as { subagent?: { thread_spawn?: { parent_thread_id?: unknown } } } | undefined;
  const p = src?.subagent?.thread_spawn?.parent_thread_id;
  return typeof p === 'string' && p.length > 0 ? p : undefined;
}

/** The model a usage line names itself (newer Codex), else the latest `turn_context`'s. */
function modelOf(named: string | null | undefined, ctx: CodexFileCtx): string {
  const name = named?.trim();
  return name ? name.slice(0, 200) : ctx.model;
}

/**
 * The namespace of the file's cumulative totals, chosen at its first usage line: the lineage of its session, or,
 * for a file without `session_meta` whose first usage line repeats the first line of a known lineage, that one.
 */
function namespaceOf(
  ctx: CodexFileCtx,
  sessions: CodexSessions,
  fileKey: string,
  markOf: () => string,
): string {
  if (ctx.ns === undefined) {
    const mark = markOf();
    const copied = ctx.session === undefined ? sessions.ownerOf(mark) : undefined;
    ctx.ns = copied ?? sessions.root(ctx.session ?? fileKey);
    sessions.markFirst(ctx.ns, mark);
  }
  return ctx.ns;
}

/** One response's exact usage from a `token_usage_record` (see the module header). */
function parseUsageRecord(
  payload: unknown,
  timestamp: string | undefined,
  ctx: CodexFileCtx,
  sessions: CodexSessions,
  fileKey: string,
): CodexResult {
  const rec = UsageRecord.safeParse(payload);
  if (!rec.success) return { kind: 'skip', unparsable: true };
  const { response_id, usage, thread_token_usage } = rec.data;
  const model = modelOf(rec.data.model ?? rec.data.info?.model, ctx);
  const own = toVector(usage);
  const cur = thread_token_usage
    ? toVector(thread_token_usage)
    : ((ctx.prev ?? [0, 0, 0, 0, 0]).map((v, i) => v + (own[i] ?? 0)) as Vector);
  const ns = namespaceOf(ctx, sessions, fileKey, () => copyMark(timestamp ?? '', model, cur));
  // Already inside the file's total: its token_count came first and counted it. (A thread total that is only this
  // response is a counter that started again, as token_count resets are: counted.)
  const prev = ctx.prev;
  const covered = prev && (sameVector(cur, prev) || (vectorAtMost(cur, prev) && !sameVector(cur, own)));
  if (thread_token_usage && covered) return { kind: 'duplicate' };
  ctx.prev = cur;
  sessions.remember(ns, cur);
  const [input = 0, cachedIn = 0, output = 0] = own;
  const cached = Math.min(cachedIn, input);
  if (input === 0 && output === 0) return { kind: 'skip', unparsable: false };
  const event: UsageEvent = {
    id: response_id.slice(0, 200),
    ts: timestamp ?? '',
    provider: 'codex',
    model,
    input_tokens: input - cached,
    output_tokens: output,
    cache_read_tokens: cached,
    cache_write_tokens: 0,
  };
  return { kind: 'usage', event };
}

/**
 * Parses one rollout line, updating the file context `ctx` and the lineage registry. `fileKey` names the
 * session when the file has no `session_meta`.
 */
export function parseCodexLine(
  line: Buffer,
  ctx: CodexFileCtx,
  sessions: CodexSessions,
  fileKey: string,
): CodexResult {
  if (!MARKS.some((m) => line.indexOf(m) !== -1)) return { kind: 'skip', unparsable: !looksLikeObject(line) };
  let json: unknown;
  try {
    json = JSON.parse(line.toString('utf8'));
  } catch {
    return { kind: 'skip', unparsable: true };
  }
  const parsed = Line.safeParse(json);
  if (!parsed.success) return { kind: 'skip', unparsable: true };
  const { type, payload, timestamp } = parsed.data;

  if (type === 'session_meta') {
    const meta = SessionMeta.safeParse(payload);
    if (!meta.success) return { kind: 'skip', unparsable: true };
    // Only the first session_meta names this file's session; a fork embeds its parent's meta after its own.
    if (ctx.session === undefined) {
      ctx.session = meta.data.id;
      if (meta.data.cwd) ctx.cwd = meta.data.cwd;
    }
    sessions.setParent(meta.data.id, parentOf(meta.data));
    return { kind: 'meta' };
  }
  if (type === 'turn_context') {
    const turn = TurnContext.safeParse(payload);
    const name = turn.success ? turn.data.model?.trim() : undefined;
    if (name) ctx.model = name.slice(0, 200);
    // A turn can run elsewhere than the session started (Codex follows `cd`); a replayed parent turn names the
    // parent's folder until the fork's own turn names its own again, as with the model.
    if (turn.success && turn.data.cwd) ctx.cwd = turn.data.cwd;
    return { kind: 'meta' };
  }
  if (type === 'token_usage_record') return parseUsageRecord(payload, timestamp, ctx, sessions, fileKey);
  if (type !== 'event_msg') return { kind: 'skip', unparsable: false };
  const tc = TokenCount.safeParse(payload);
  if (!tc.success) return { kind: 'skip', unparsable: false };
  const info = tc.data.info;
  if (!info) return { kind: 'skip', unparsable: false }; // info: null is a rate-limit-only update

  let cur: Vector;
  if (info.total_token_usage) cur = toVector(info.total_token_usage);
  else if (info.last_token_usage) {
    // No cumulative total: synthesise it from the previous one, so ids stay positional within the file.
    const last = toVector(info.last_token_usage);
    const base = ctx.prev ?? [0, 0, 0, 0, 0];
    cur = base.map((v, i) => v + (last[i] ?? 0)) as Vector;
  } else return { kind: 'skip', unparsable: false };

  const model = modelOf(info.model, ctx);
  const ns = namespaceOf(ctx, sessions, fileKey, () => copyMark(timestamp ?? '', model, cur));
  let prev = ctx.prev ?? sessions.previousOf(ns, cur);
  if (prev && sameVector(prev, cur)) return { kind: 'duplicate' };
  // A total that went down is a reset of the counter (a new process on the same session): count from zero.
  if (prev?.some((v, i) => v > (cur[i] ?? 0))) prev = undefined;
  ctx.prev = cur;
  sessions.remember(ns, cur);

  const d = cur.map((v, i) => v - (prev?.[i] ?? 0));
  const [dInput = 0, dCached = 0, dOutput = 0] = d;
  const cached = Math.min(dCached, dInput);
  if (dInput === 0 && dOutput === 0) return { kind: 'skip', unparsable: false };
  const event: UsageEvent = {
    id: `${ns}:${cur.join(':')}`.slice(-200),
    ts: timestamp ?? '',
    provider: 'codex',
    model,
    input_tokens: dInput - cached,
    output_tokens: dOutput,
    cache_read_tokens: cached,
    cache_write_tokens: 0,
  };
  return { kind: 'usage', event }; // checked against the shared schema when queued
}
