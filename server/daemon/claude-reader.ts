/**
 * Claude Code transcripts (`projects/**\/*.jsonl`): one usage event per assistant API response.
 * Several lines can carry the same response (streaming snapshots with growing counts, sidechain copies, resumed
 * sessions, `progress` lines relaying a subagent's response); they share the id `message.id:requestId`, and the
 * caller keeps the largest total. A line replaying a response under a new request id still names its
 * `message.id`, which the caller maps back to the response's first id (claude-responses.ts).
 */
import { z } from 'zod';
import type { UsageEvent } from '../../shared/schemas';
import { isZero } from '../../shared/tokens';
import { count, looksLikeObject } from './counts';

const USAGE_MARK = Buffer.from('"usage"');
const TS_MARK = Buffer.from('"timestamp":"');
const SESSION_MARK = Buffer.from('"sessionId":"');

const Message = z
  .looseObject({
    id: z.string().optional(),
    model: z.string().optional(),
    usage: z.looseObject({}).nullish(),
  })
  .nullish();

/** Loose on purpose: Claude Code adds fields often; we read only what we need. */
const ClaudeLine = z.looseObject({
  type: z.string().optional(),
  timestamp: z.string().optional(),
  requestId: z.string().optional(),
  sessionId: z.string().optional(),
  /** The session's working directory: its project (attribution.ts). */
  cwd: z.string().optional(),
  uuid: z.string().optional(),
  message: Message,
  // `type: "progress"` lines relay a subagent's transcript entry here (`data.type: "agent_progress"`).
  data: z
    .looseObject({
      message: z
        .looseObject({
          timestamp: z.string().optional(),
          requestId: z.string().optional(),
          uuid: z.string().optional(),
          message: Message,
        })
        .nullish(),
    })
    .nullish(),
});

export type ClaudeResult =
  | {
      kind: 'usage';
      event: UsageEvent;
      sessionId: string | undefined;
      /** The working directory of the line's session (a relayed subagent entry runs in its parent's). */
      cwd: string | undefined;
      /** The API response's own id: one response, one event, whatever request id the line carries. */
      messageId: string | undefined;
    }
  | { kind: 'skip'; unparsable: boolean; sessionId?: string | undefined; ts?: string | undefined };

const MAX_ID = 200;

function eventId(messageId: string | undefined, requestId: string | undefined, uuid: string | undefined) {
  // Older transcripts lack requestId; the message id alone still identifies the response.
  const id =
    messageId && requestId ? `${messageId}:${requestId}` : (messageId ?? (uuid ? `line:${uuid}` : ''));
  return id.slice(0, MAX_ID);
}

/**
 * A string field read from the raw bytes, without parsing the line. Claude Code writes `sessionId` near the start
 * and `timestamp` near the end of its top-level object; inside string content the quotes are escaped, so the
 * pattern only matches real keys.
 */
function rawField(line: Buffer, mark: Buffer, fromEnd: boolean): string | undefined {
  const at = fromEnd ? line.lastIndexOf(mark) : line.indexOf(mark);
  if (at === -1) return;
  const start = at + mark.length;
  const end = line.indexOf(34, start);
  if (end === -1 || end - start > 64) return;
  return line.toString('latin1', start, end);
}

/**
 * What the price depends on beyond the four counts: the part of the cache write kept for one hour (billed 2×
 * input rather than 1.25×) and the speed tier (fast mode bills a multiple). Only sent when present, so events of
 * older logs stay as they were.
 */
function priceDetail(
  usage: Record<string, unknown>,
  cacheWrite: number,
): Pick<UsageEvent, 'cache_write_1h_tokens' | 'speed'> {
  const creation = usage.cache_creation as Record<string, unknown> | null | undefined;
  const oneHour = Math.min(count(creation?.ephemeral_1h_input_tokens), cacheWrite);
  const speed = usage.speed === 'fast' || usage.speed === 'standard' ? usage.speed : undefined;
  return { ...(oneHour > 0 ? { cache_write_1h_tokens: oneHour } : {}), ...(speed ? { speed } : {}) };
}

/**
 * Parses one transcript line. Lines without `"usage"` (most of the bytes) are not parsed; their session and
 * time are read from the raw bytes, for the session's task.
 */
export function parseClaudeLine(line: Buffer): ClaudeResult {
  if (line.indexOf(USAGE_MARK) === -1) {
    if (!looksLikeObject(line)) return { kind: 'skip', unparsable: true };
    return {
      kind: 'skip',
      unparsable: false,
      sessionId: rawField(line, SESSION_MARK, false),
      ts: rawField(line, TS_MARK, true),
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(line.toString('utf8'));
  } catch {
    return { kind: 'skip', unparsable: true };
  }
  const parsed = ClaudeLine.safeParse(json);
  if (!parsed.success) return { kind: 'skip', unparsable: true };
  const { sessionId } = parsed.data;
  // A progress line carries a subagent's entry inside its own; the entry's response, request and time are read.
  const relayed = parsed.data.type === 'progress' ? parsed.data.data?.message : undefined;
  const { timestamp, requestId, uuid, message } = relayed?.message?.usage
    ? { ...relayed, timestamp: relayed.timestamp ?? parsed.data.timestamp }
    : parsed.data;
  const usage = message?.usage;
  if (!usage) return { kind: 'skip', unparsable: false, sessionId, ts: timestamp };
  const counts = {
    input_tokens: count(usage.input_tokens),
    output_tokens: count(usage.output_tokens),
    cache_read_tokens: count(usage.cache_read_input_tokens),
    cache_write_tokens: count(usage.cache_creation_input_tokens),
  };
  if (isZero(counts)) return { kind: 'skip', unparsable: false, sessionId, ts: timestamp };
  const event: UsageEvent = {
    id: eventId(message?.id, requestId, uuid),
    ts: timestamp ?? '',
    provider: 'claude',
    model: (message?.model?.trim() || 'unknown').slice(0, 200),
    ...counts,
    ...priceDetail(usage, counts.cache_write_tokens),
  };
  // Not validated here: the scanner checks it against the shared schema only when it is queued, which
  // spares the check for the many repeated snapshots.
  return { kind: 'usage', event, sessionId, cwd: parsed.data.cwd, messageId: message?.id };
}
