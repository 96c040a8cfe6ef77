/**
 * Hostile and broken payloads on every daemon event: each is answered with the right error code, nothing of it is
 * written, and the connection that sent it stays usable. The cases are tests/helpers/hostile-daemon-payloads.ts's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack } from '../../shared';
import {
  event,
  helloPayload,
  hostileDaemonCases,
  payloadsFor,
  runtime,
  UNKNOWN_RUNTIME,
} from '../helpers/hostile-daemon-payloads';
import { startTestHub, type TestHub } from '../helpers/hub';
import { type ClientSocket, call, callOk, connect, eventually, hello } from '../helpers/sockets';

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

  const { usage } = payloadsFor(() => runtimeId);
  const cases = hostileDaemonCases(
    () => runtimeId,
    () => otherRuntimeId,
  );

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
