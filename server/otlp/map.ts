/**
 * OTLP log records to usage events and tasks. Claude Code's `claude_code.api_request` and Codex's `codex.sse_event`
 * (`event.kind=response.completed`) records are usage; every other record is ignored, not rejected. Event ids are
 * derived from the record alone, so an export sent twice writes the same events twice, which counts once.
 * Metrics are never mapped: their token counters repeat the log records and would double count.
 * Each event also says where and who (project, session, user: attribution.ts); that never changes its id.
 */
import { createHash } from 'node:crypto';
import { type Task, UsageEvent } from '../../shared';
import { attributionOf } from './attribution';
import type { AnyValue, ExportLogsRequest, KeyValue, LogRecord } from './schema';

export type TelemetryProvider = 'claude' | 'codex';

/** Where records came from: one telemetry runtime per (token, provider, host). */
export interface TelemetrySource {
  provider: TelemetryProvider;
  /** `host.name` of the resource, else a hash of the user id, else `unknown`. */
  host: string;
  serviceVersion?: string;
}

export interface MappedGroup {
  source: TelemetrySource;
  events: UsageEvent[];
  tasks: Task[];
}

export interface MappedExport {
  groups: MappedGroup[];
  rejected: number;
  /** The first rejection's reason, for partialSuccess.errorMessage. */
  firstError?: string;
}

type Attrs = Map<string, AnyValue | undefined>;
const attrsOf = (list: KeyValue[] | undefined): Attrs =>
  new Map((list ?? []).map((kv) => [kv.key, kv.value]));

const text = (v: AnyValue | undefined): string | undefined =>
  v?.stringValue ??
  (v?.intValue !== undefined
    ? String(v.intValue)
    : v?.doubleValue !== undefined
      ? String(v.doubleValue)
      : undefined);

class RecordError extends Error {}

/** A token count: a non-negative integer, sent as an int, a double or a string of digits; absent means 0. */
function count(attrs: Attrs, key: string): number {
  const value = attrs.get(key);
  const raw = text(value);
  if (value !== undefined && raw === undefined) throw new RecordError(`${key} is not a number or a string`);
  if (raw === undefined || raw === '') return 0;
  // Digits only: Number() would also take ' 7', '1e3' and '0x10'.
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new RecordError(`${key} is not a token count: ${raw.slice(0, 40)}`);
  return n;
}

const shortHash = (...parts: string[]) =>
  createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);

/** An id within the 200 characters the schema allows, the same for the same input. */
const eventId = (prefix: string, key: string) =>
  key.length <= 160 ? `${prefix}:${key}` : `${prefix}:h:${shortHash(key)}`;

/** The largest instant a Date holds. */
const MAX_DATE_MS = 8.64e15;

function timestampOf(record: LogRecord, attrs: Attrs): string {
  const stamped = text(attrs.get('event.timestamp'));
  if (stamped !== undefined) {
    const ms = Date.parse(stamped);
    if (Number.isFinite(ms)) return new Date(ms).toISOString();
  }
  const nanos = record.timeUnixNano ?? record.observedTimeUnixNano;
  if (nanos !== undefined && String(nanos) !== '0') {
    const ms = Number(BigInt(String(nanos)) / 1_000_000n);
    if (ms > 0 && ms <= MAX_DATE_MS) return new Date(ms).toISOString();
  }
  throw new RecordError('record has neither event.timestamp nor timeUnixNano');
}

/** The cost the agent reported itself (authoritative when present): a finite non-negative number, else left off. */
function reportedCost(attrs: Attrs): number | undefined {
  const raw = text(attrs.get('cost_usd'));
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1e6)
    throw new RecordError(`cost_usd is not a cost: ${raw.slice(0, 40)}`);
  return n;
}

/** What the price depends on beyond the four counts: one-hour cache writes, the speed tier, the agent's cost. */
function priceFields(
  attrs: Attrs,
  cacheWrite: number,
): Pick<UsageEvent, 'cache_write_1h_tokens' | 'speed' | 'cost_usd'> {
  const oneHour = count(attrs, 'cache_creation_1h_tokens');
  if (oneHour > cacheWrite) throw new RecordError('cache_creation_1h_tokens exceeds cache_creation_tokens');
  const speed = text(attrs.get('speed'));
  const cost = reportedCost(attrs);
  return {
    ...(oneHour > 0 ? { cache_write_1h_tokens: oneHour } : {}),
    ...(speed === 'fast' || speed === 'standard' ? { speed } : {}),
    ...(cost !== undefined ? { cost_usd: cost } : {}),
  };
}

function requireText(attrs: Attrs, key: string): string {
  const value = text(attrs.get(key));
  if (!value) throw new RecordError(`${key} is missing`);
  return value;
}

function claudeEvent(record: LogRecord, attrs: Attrs): UsageEvent {
  const requestId = text(attrs.get('request_id'));
  const key =
    requestId || ['session.id', 'prompt.id', 'event.sequence'].map((k) => requireText(attrs, k)).join(':');
  const cacheWrite = count(attrs, 'cache_creation_tokens');
  return {
    id: eventId(requestId ? 'otlp:claude' : 'otlp:claude:seq', key),
    ts: timestampOf(record, attrs),
    provider: 'claude',
    model: requireText(attrs, 'model'),
    input_tokens: count(attrs, 'input_tokens'),
    output_tokens: count(attrs, 'output_tokens'),
    cache_read_tokens: count(attrs, 'cache_read_tokens'),
    cache_write_tokens: cacheWrite,
    ...priceFields(attrs, cacheWrite),
    task_id: text(attrs.get('session.id')) || undefined,
  };
}

function codexEvent(record: LogRecord, attrs: Attrs): UsageEvent {
  const input = count(attrs, 'input_token_count');
  const cached = count(attrs, 'cached_token_count');
  // Reasoning is inside output_token_count already: it is never added again.
  const output = count(attrs, 'output_token_count');
  if (cached > input) throw new RecordError('cached_token_count exceeds input_token_count');
  const conversation = requireText(attrs, 'conversation.id');
  const ts = timestampOf(record, attrs);
  return {
    id: `otlp:codex:${shortHash(conversation, ts, String(input), String(cached), String(output))}`,
    ts,
    provider: 'codex',
    model: requireText(attrs, 'model'),
    input_tokens: input - cached,
    output_tokens: output,
    cache_read_tokens: cached,
    cache_write_tokens: 0,
    task_id: conversation,
  };
}

/** The provider a record is usage of, or undefined for every record that is not. */
function usageKind(record: LogRecord, attrs: Attrs): TelemetryProvider | undefined {
  // The name is in the record's eventName, its event.name attribute or its body, depending on the agent and its
  // OpenTelemetry SDK (Codex 0.171 sets eventName to the generic "event" and names the event in the attribute).
  const names = [record.eventName, text(attrs.get('event.name')), record.body?.stringValue];
  if (names.some((n) => n === 'claude_code.api_request' || n === 'api_request')) return 'claude';
  // Codex logs each response.completed twice: once as a plain SSE event, once with the token counts.
  const counted = attrs.has('input_token_count') || attrs.has('output_token_count');
  if (names.includes('codex.sse_event') && text(attrs.get('event.kind')) === 'response.completed' && counted)
    return 'codex';
  return undefined;
}

function providerOfService(serviceName: string | undefined): TelemetryProvider | undefined {
  if (serviceName === 'claude-code') return 'claude';
  if (serviceName?.startsWith('codex')) return 'codex';
  return undefined;
}

function hostOf(resource: Attrs, attrs: Attrs): string {
  const host = text(resource.get('host.name'));
  if (host) return host.slice(0, 120);
  const user =
    text(attrs.get('user.id')) ?? text(attrs.get('user.account_id')) ?? text(attrs.get('user.email'));
  return user ? `user-${shortHash(user).slice(0, 12)}` : 'unknown';
}

/** One task per session, running while its records arrive. */
function sessionTasks(events: UsageEvent[]): Task[] {
  const first = new Map<string, string>();
  for (const e of events) {
    if (!e.task_id) continue;
    const seen = first.get(e.task_id);
    if (!seen || e.ts < seen) first.set(e.task_id, e.ts);
  }
  return [...first].map(([id, ts]) => ({ id, status: 'running', created_at: ts, started_at: ts }));
}

export function mapLogs(request: ExportLogsRequest): MappedExport {
  const groups = new Map<string, MappedGroup>();
  let rejected = 0;
  let firstError: string | undefined;
  for (const rl of request.resourceLogs ?? []) {
    const resource = attrsOf(rl.resource?.attributes);
    const service = providerOfService(text(resource.get('service.name')));
    for (const sl of rl.scopeLogs ?? []) {
      for (const record of sl.logRecords ?? []) {
        const attrs = attrsOf(record.attributes);
        const kind = usageKind(record, attrs);
        if (!kind) continue;
        try {
          const provider = service ?? kind;
          const event = kind === 'claude' ? claudeEvent(record, attrs) : codexEvent(record, attrs);
          const who = attributionOf((key) => text(attrs.get(key)) || text(resource.get(key)));
          const parsed = UsageEvent.safeParse({ ...event, ...who, provider });
          if (!parsed.success)
            throw new RecordError(
              `${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
            );
          const source: TelemetrySource = {
            provider,
            host: hostOf(resource, attrs),
            serviceVersion: text(resource.get('service.version'))?.slice(0, 64),
          };
          const key = `${source.provider}\u0000${source.host}`;
          const group = groups.get(key) ?? { source, events: [], tasks: [] };
          groups.set(key, group);
          group.events.push(parsed.data);
        } catch (err) {
          if (!(err instanceof RecordError)) throw err;
          rejected += 1;
          firstError ??= err.message;
        }
      }
    }
  }
  for (const group of groups.values()) group.tasks = sessionTasks(group.events);
  return { groups: [...groups.values()], rejected, firstError };
}
