/**
 * Hostile and broken payloads for every daemon event (realtime-hostile.test.ts sends them): each case names the
 * event, the payload and the error code the hub must answer with.
 */
import type { ErrorCode } from '../../shared';
import { usageEvent } from './socket-writes';
import { daemonId } from './sockets';

const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
export const event = (overrides: Record<string, unknown> = {}) => ({ ...usageEvent('evt'), ...overrides });
export const task = (overrides: Record<string, unknown> = {}) => ({
  id: 'task',
  status: 'running',
  created_at: hourAgo,
  ...overrides,
});
export const runtime = (overrides: Record<string, unknown> = {}) => ({
  provider: 'hostile',
  name: 'hostile@test',
  runtime_mode: 'local',
  ...overrides,
});
export const helloPayload = (overrides: Record<string, unknown> = {}) => ({
  daemon_id: daemonId(),
  device_info: 'test-machine',
  runtimes: [runtime()],
  ...overrides,
});
/** Parsed on this side, so `__proto__` is an own property that JSON.stringify sends as a key. */
export const parsed = (json: string) => JSON.parse(json) as Record<string, unknown>;
export const nested = (depth: number): unknown => (depth === 0 ? 'deep' : { next: nested(depth - 1) });
export const UNKNOWN_RUNTIME = '00000000-0000-4000-8000-000000000000';

/** One hostile call: a description, the event name, the payload (built when sent) and the code it must get. */
export type HostileCase = [string, string, () => unknown, ErrorCode];

/** Usage and task payloads for a runtime known only once the hub runs. */
export const payloadsFor = (runtimeId: () => string) => ({
  usage: (events: unknown, extra: Record<string, unknown> = {}) => ({
    runtime_id: runtimeId(),
    events,
    ...extra,
  }),
  tasks: (list: unknown, extra: Record<string, unknown> = {}) => ({
    runtime_id: runtimeId(),
    tasks: list,
    ...extra,
  }),
});

/** Every hostile case; `runtimeId` is the sender's runtime, `otherRuntimeId` another workspace's. */
export function hostileDaemonCases(runtimeId: () => string, otherRuntimeId: () => string): HostileCase[] {
  const { usage, tasks } = payloadsFor(runtimeId);
  return [
    // hello
    ['a null hello', 'hello', () => null, 'invalid_payload'],
    ['a hello that is a string', 'hello', () => 'hello', 'invalid_payload'],
    ['a hello that is an array', 'hello', () => [helloPayload()], 'invalid_payload'],
    [
      'a daemon_id that is not a uuid',
      'hello',
      () => helloPayload({ daemon_id: 'daemon-1' }),
      'invalid_payload',
    ],
    ['a daemon_id that is a number', 'hello', () => helloPayload({ daemon_id: 42 }), 'invalid_payload'],
    ['a device_info that is a number', 'hello', () => helloPayload({ device_info: 7 }), 'invalid_payload'],
    ['no runtimes', 'hello', () => helloPayload({ runtimes: [] }), 'invalid_payload'],
    [
      '33 runtimes',
      'hello',
      () => helloPayload({ runtimes: Array.from({ length: 33 }, (_, i) => runtime({ provider: `p${i}` })) }),
      'invalid_payload',
    ],
    [
      'the same provider twice',
      'hello',
      () => helloPayload({ runtimes: [runtime(), runtime()] }),
      'invalid_payload',
    ],
    [
      'an unknown runtime_mode',
      'hello',
      () => helloPayload({ runtimes: [runtime({ runtime_mode: 'hybrid' })] }),
      'invalid_payload',
    ],
    [
      'an empty provider',
      'hello',
      () => helloPayload({ runtimes: [runtime({ provider: '' })] }),
      'invalid_payload',
    ],
    ['an unknown key in a hello', 'hello', () => helloPayload({ admin: true }), 'invalid_payload'],
    [
      'an unknown key in a hello runtime',
      'hello',
      () => helloPayload({ runtimes: [runtime({ workspace_id: UNKNOWN_RUNTIME })] }),
      'invalid_payload',
    ],
    [
      'a __proto__ key in a hello',
      'hello',
      () => ({ ...helloPayload(), ...parsed('{"__proto__": {"isAdmin": true}}') }),
      'invalid_payload',
    ],
    // Fails while shared/schemas.ts checks Metadata for forbidden keys after z.record has copied it: the copy turns
    // an own `__proto__` key into the copy's prototype, so the check never sees it and the key is silently dropped.
    [
      'a __proto__ key in metadata',
      'hello',
      () => helloPayload({ runtimes: [runtime({ metadata: parsed('{"__proto__": {"polluted": true}}') })] }),
      'invalid_payload',
    ],
    [
      'a nested constructor.prototype key in metadata',
      'hello',
      () =>
        helloPayload({
          runtimes: [runtime({ metadata: parsed('{"a": [{"constructor": {"prototype": {"x": 1}}}]}') })],
        }),
      'invalid_payload',
    ],
    [
      'metadata that is an array',
      'hello',
      () => helloPayload({ runtimes: [runtime({ metadata: [1] })] }),
      'invalid_payload',
    ],
    [
      'metadata nested 40 deep',
      'hello',
      () => helloPayload({ runtimes: [runtime({ metadata: { a: nested(40) } })] }),
      'invalid_payload',
    ],
    [
      'a NUL character in device_info',
      'hello',
      () => helloPayload({ device_info: 'a\u0000b' }),
      'invalid_payload',
    ],
    [
      'a NUL character in metadata',
      'hello',
      () => helloPayload({ runtimes: [runtime({ metadata: { note: 'a\u0000b' } })] }),
      'invalid_payload',
    ],
    // usage
    ['a usage payload that is a number', 'usage', () => 12, 'invalid_payload'],
    ['a count that is a string', 'usage', () => usage([event({ input_tokens: '5' })]), 'invalid_payload'],
    ['a negative count', 'usage', () => usage([event({ output_tokens: -1 })]), 'invalid_payload'],
    [
      'a NaN count (null on the wire)',
      'usage',
      () => usage([event({ input_tokens: Number.NaN })]),
      'invalid_payload',
    ],
    [
      'an infinite count',
      'usage',
      () => usage([event({ input_tokens: Number.POSITIVE_INFINITY })]),
      'invalid_payload',
    ],
    ['a count of 2^53', 'usage', () => usage([event({ cache_read_tokens: 2 ** 53 })]), 'invalid_payload'],
    ['a fractional count', 'usage', () => usage([event({ cache_write_tokens: 1.5 })]), 'invalid_payload'],
    [
      'a 30 February timestamp',
      'usage',
      () => usage([event({ ts: '2026-02-30T00:00:00Z' })]),
      'invalid_payload',
    ],
    ['a timestamp "yesterday"', 'usage', () => usage([event({ ts: 'yesterday' })]), 'invalid_payload'],
    [
      'a timestamp without an offset',
      'usage',
      () => usage([event({ ts: '2026-01-05T10:00:00' })]),
      'invalid_payload',
    ],
    ['a timestamp that is a number', 'usage', () => usage([event({ ts: Date.now() })]), 'invalid_payload'],
    [
      'a timestamp in year 0000',
      'usage',
      () => usage([event({ ts: '0000-01-01T00:00:00Z' })]),
      'invalid_payload',
    ],
    ['an empty event id', 'usage', () => usage([event({ id: '' })]), 'invalid_payload'],
    [
      'an event id of 201 characters',
      'usage',
      () => usage([event({ id: 'x'.repeat(201) })]),
      'invalid_payload',
    ],
    ['a NUL character in a model', 'usage', () => usage([event({ model: 'gpt\u00005' })]), 'invalid_payload'],
    ['an event without a model', 'usage', () => usage([{ ...event(), model: undefined }]), 'invalid_payload'],
    ['an unknown key in an event', 'usage', () => usage([event({ price_usd: 1 })]), 'invalid_payload'],
    [
      'a __proto__ key in an event',
      'usage',
      () => usage([{ ...event(), ...parsed('{"__proto__": {"input_tokens": 1}}') }]),
      'invalid_payload',
    ],
    [
      'an unknown key in a usage payload',
      'usage',
      () => usage([event()], { workspace_id: 'x' }),
      'invalid_payload',
    ],
    ['no events', 'usage', () => usage([]), 'invalid_payload'],
    [
      '1001 events',
      'usage',
      () => usage(Array.from({ length: 1001 }, (_, i) => event({ id: `e${i}` }))),
      'invalid_payload',
    ],
    [
      'a runtime_id that is not a uuid',
      'usage',
      () => ({ runtime_id: '1 OR 1=1', events: [event()] }),
      'invalid_payload',
    ],
    ['an unknown runtime', 'usage', () => ({ runtime_id: UNKNOWN_RUNTIME, events: [event()] }), 'not_found'],
    [
      "another workspace's runtime",
      'usage',
      () => ({ runtime_id: otherRuntimeId(), events: [event()] }),
      'not_found',
    ],
    // task
    ['a task payload that is null', 'task', () => null, 'invalid_payload'],
    ['an unknown task status', 'task', () => tasks([task({ status: 'done' })]), 'invalid_payload'],
    [
      'a 30 February created_at',
      'task',
      () => tasks([task({ created_at: '2026-02-30T00:00:00Z' })]),
      'invalid_payload',
    ],
    ['a started_at "yesterday"', 'task', () => tasks([task({ started_at: 'yesterday' })]), 'invalid_payload'],
    [
      'a created_at in year 0000',
      'task',
      () => tasks([task({ created_at: '0000-06-01T00:00:00Z' })]),
      'invalid_payload',
    ],
    ['a task id that is a number', 'task', () => tasks([task({ id: 5 })]), 'invalid_payload'],
    ['an unknown key in a task', 'task', () => tasks([task({ owner: 'root' })]), 'invalid_payload'],
    ['tasks that are not an array', 'task', () => tasks({ 0: task() }), 'invalid_payload'],
    [
      '1001 tasks',
      'task',
      () => tasks(Array.from({ length: 1001 }, (_, i) => task({ id: `t${i}` }))),
      'invalid_payload',
    ],
    [
      'a task of an unknown runtime',
      'task',
      () => ({ runtime_id: UNKNOWN_RUNTIME, tasks: [task()] }),
      'not_found',
    ],
    [
      "a task of another workspace's runtime",
      'task',
      () => ({ runtime_id: otherRuntimeId(), tasks: [task()] }),
      'not_found',
    ],
    // size
    [
      'a 2 MB usage payload',
      'usage',
      () => usage([event({ id: 'big', model: 'm'.repeat(2_000_000) })]),
      'too_large',
    ],
    [
      'a 2 MB hello',
      'hello',
      () => helloPayload({ runtimes: [runtime({ metadata: { blob: 'x'.repeat(2_000_000) } })] }),
      'too_large',
    ],
    ['a 2 MB task payload', 'task', () => tasks([task({ id: 'x'.repeat(2_000_000) })]), 'too_large'],
  ];
}
