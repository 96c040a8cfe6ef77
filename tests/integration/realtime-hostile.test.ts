/**
 * Hostile and broken payloads on every daemon event: each is answered with the right error code, nothing of it is
 * written, and the connection that sent it stays usable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, ErrorCode } from '../../shared';
import { startTestHub, type TestHub } from '../helpers/hub';
import { type ClientSocket, call, callOk, connect, daemonId, eventually, hello } from '../helpers/sockets';

const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
const event = (overrides: Record<string, unknown> = {}) => ({
  id: 'evt',
  ts: hourAgo,
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: 1,
  output_tokens: 2,
  cache_read_tokens: 3,
  cache_write_tokens: 4,
  ...overrides,
});
const task = (overrides: Record<string, unknown> = {}) => ({
  id: 'task',
  status: 'running',
  created_at: hourAgo,
  ...overrides,
});
const runtime = (overrides: Record<string, unknown> = {}) => ({
  provider: 'hostile',
  name: 'hostile@test',
  runtime_mode: 'local',
  ...overrides,
});
const helloPayload = (overrides: Record<string, unknown> = {}) => ({
  daemon_id: daemonId(),
  device_info: 'test-machine',
  runtimes: [runtime()],
  ...overrides,
});
/** Parsed on this side, so `__proto__` is an own property that JSON.stringify sends as a key. */
const parsed = (json: string) => JSON.parse(json) as Record<string, unknown>;
const nested = (depth: number): unknown => (depth === 0 ? 'deep' : { next: nested(depth - 1) });
const UNKNOWN_RUNTIME = '00000000-0000-4000-8000-000000000000';

describe('hostile payloads on /daemon', () => {
  let hub: TestHub;
  let daemon: ClientSocket;
  let runtimeId: string;
  let otherRuntimeId: string;
  let otherDaemon: ClientSocket;

  /** Rows of every table a daemon can write, plus what the stored runtimes hold. */
  const snapshot = async () =>
    hub.db.query(
      `SELECT (SELECT count(*)::int FROM usage_events) AS events, (SELECT count(*)::int FROM usage_quarter) AS hourly,
              (SELECT count(*)::int FROM tasks) AS tasks, (SELECT count(*)::int FROM runtimes) AS runtimes,
              (SELECT string_agg(provider || metadata::text || device_info, ',' ORDER BY id) FROM runtimes) AS stored`,
    );

  beforeAll(async () => {
    hub = await startTestHub();
    daemon = await connect(hub.url, '/daemon', hub.daemonToken);
    runtimeId = (await hello(daemon)).claude!;
    const other = await hub.newWorkspace('other');
    otherDaemon = await connect(hub.url, '/daemon', other.daemonToken);
    otherRuntimeId = (await hello(otherDaemon)).claude!;
  });
  afterAll(async () => {
    daemon?.close();
    otherDaemon?.close();
    await hub?.destroy();
  });

  const usage = (events: unknown, extra: Record<string, unknown> = {}) => ({
    runtime_id: runtimeId,
    events,
    ...extra,
  });
  const tasks = (list: unknown, extra: Record<string, unknown> = {}) => ({
    runtime_id: runtimeId,
    tasks: list,
    ...extra,
  });

  const cases: [string, string, () => unknown, ErrorCode][] = [
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
      () => ({ runtime_id: otherRuntimeId, events: [event()] }),
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
      () => ({ runtime_id: otherRuntimeId, tasks: [task()] }),
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

  it.each(cases)(
    'refuses %s (%s) with its error code, writing nothing',
    async (_name, name, payload, code) => {
      const before = await snapshot();
      const ack = await call(daemon, name, payload());
      expect(ack).toEqual({ ok: false, error: { code, message: expect.any(String) } });
      expect(await snapshot()).toEqual(before);
      expect(daemon.connected).toBe(true);
    },
  );

  it('refuses a call with extra arguments even when its payload is valid', async () => {
    const before = await snapshot();
    const ack = (await daemon
      .timeout(10_000)
      .emitWithAck('usage', usage([event({ id: 'extra-args' })]), 'and more')) as Ack<unknown>;
    expect(ack).toEqual({
      ok: false,
      error: { code: 'invalid_payload', message: 'expected exactly one payload argument' },
    });
    const none = (await daemon.timeout(10_000).emitWithAck('usage')) as Ack<unknown>;
    expect(none).toEqual({
      ok: false,
      error: { code: 'invalid_payload', message: 'expected exactly one payload argument' },
    });
    expect(await snapshot()).toEqual(before);
  });

  it('survives calls without an ack callback and unknown events, writing nothing for invalid ones', async () => {
    const before = await snapshot();
    daemon.emit('usage', usage([event({ input_tokens: -5 })]));
    daemon.emit('hello', { daemon_id: 'nope' });
    daemon.emit('task');
    daemon.emit('drop_tables', { all: true });
    daemon.emit('usage', usage([event({ id: 'big', model: 'm'.repeat(2_000_000) })]));
    // Calls on one socket are handled in order: once this ack is back, the ones above have been handled.
    expect(await call(daemon, 'usage', { runtime_id: UNKNOWN_RUNTIME, events: [event()] })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await snapshot()).toEqual(before);
    expect(daemon.connected).toBe(true);
  });

  it('an unknown event name on /daemon gets an invalid_payload ack instead of none', async () => {
    const before = await snapshot();
    const expected = {
      ok: false,
      error: { code: 'invalid_payload', message: 'unknown event; expected one of hello, usage, task' },
    };
    expect(await call(daemon, 'drop_tables', { all: true }, 5_000)).toEqual(expected);
    expect(await call(daemon, '__proto__', usage([event({ id: 'proto-event' })]), 5_000)).toEqual(expected);
    expect((await daemon.timeout(5_000).emitWithAck('x'.repeat(10_000))) as Ack<unknown>).toEqual(expected);
    expect(await snapshot()).toEqual(before);
    expect(daemon.connected).toBe(true);
  });

  it('refuses a 2 MB call sent right behind a small one, and accepts the small one', async () => {
    const before = await snapshot();
    const [small, big, after] = await Promise.all([
      call(daemon, 'usage', usage([event({ id: 'small-before' })])),
      call(
        daemon,
        'hello',
        helloPayload({ runtimes: [runtime({ metadata: { blob: 'x'.repeat(2_000_000) } })] }),
      ),
      call(daemon, 'usage', usage([event({ id: 'small-after' })])),
    ]);
    expect(small).toEqual({ ok: true, data: { accepted: 1 } });
    expect(big).toEqual({
      ok: false,
      error: { code: 'too_large', message: 'payload exceeds 1048576 bytes' },
    });
    expect(after).toEqual({ ok: true, data: { accepted: 1 } });
    const [now] = await snapshot();
    expect(now).toMatchObject({ runtimes: before[0]!.runtimes, events: (before[0]!.events as number) + 2 });
  });

  it('stores the largest count 2^53−1 exactly', async () => {
    const max = Number.MAX_SAFE_INTEGER;
    const codex = (await hello(daemon, ['codex'])).codex!;
    await callOk(daemon, 'usage', {
      runtime_id: codex,
      events: [
        event({
          id: 'max',
          input_tokens: max,
          output_tokens: 0,
          cache_read_tokens: 0,
          cache_write_tokens: 0,
        }),
      ],
    });
    const rows = await hub.db.query('SELECT input_tokens FROM usage_events WHERE runtime_id = $1', [codex]);
    expect(rows).toEqual([{ input_tokens: max }]);
  });

  it('still accepts a valid call on the connection that was sent every hostile payload', async () => {
    expect(daemon.connected).toBe(true);
    expect(await callOk(daemon, 'usage', usage([event({ id: 'finally-valid' })]))).toEqual({ accepted: 1 });
    await eventually(async () => {
      const rows = await hub.db.query("SELECT id FROM usage_events WHERE id = 'finally-valid'");
      return rows.length === 1;
    });
  });

  it('never polluted the prototype of plain objects in the hub process', () => {
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
