/**
 * Property-based fuzzing of every `/daemon` event (hello, usage, task) on a real hub with real sockets. Each
 * generated payload is a mutation of a valid one; the hub must answer exactly what the shared schema decides
 * (ok:true with the count, or the contract error code, never `internal`), with messages that carry no stack, path
 * or SQL; refused calls write nothing; the connection stays up and the hub keeps answering /healthz.
 *
 * Lone surrogates: Postgres would store them as U+FFFD, so two ids that differ only there would collide; the
 * schema refuses them (see the regression test below). Valid payloads keep key fields well-formed so that most
 * generated calls reach the write path; mutations put lone surrogates anywhere.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ack, type ErrorCode, errorCodes, Runtime } from '../../shared';
import {
  type DaemonCall,
  type Expected,
  expectedDaemonAnswer,
  type FuzzContext,
  fuzzRuns,
  hostileString,
  inputStrings,
  MAX_PAYLOAD_BYTES,
  mutated,
  notAPayload,
  PROTO_JSON,
  ROW_DIGEST_SQL,
  rowsWrittenWhile,
  unsafeMessage,
  validHello,
  validTasks,
  validUsage,
} from '../helpers/arbitraries';
import { QUIET_BACKGROUND, startTestHub, type TestHub } from '../helpers/hub';
import { type ClientSocket, connect, daemonId, hello } from '../helpers/sockets';

const FUZZ_CONFIG = {
  DAEMON_RATE_PER_S: 100_000,
  REST_RATE_PER_MIN: 1_000_000,
  HANDSHAKE_RATE_PER_S: 10_000,
  // Regression (rows written while the refused calls were handled): on a loaded machine the run passes 15 s and a
  // presence heartbeat (last_seen_at) committed inside the "nothing written" window. Presence and retention stay
  // out of it (regression fuzz-rows-deleted-by-retention).
  ...QUIET_BACKGROUND,
};
/** This file's share of the suite's 10,000 hostile cases (fuzz-rest-reads and fuzz-rest-writes have the rest). */
const MIN_CASES = 6_000;
/** `2/daemon,<ack id>` in front of the JSON of a call. */
const PACKET_OVERHEAD = 16;
/** Engine.io drops the connection above 4 × MAX_PAYLOAD_BYTES; calls stay well below it here. */
const TRANSPORT_SAFE_BYTES = 3_900_000;

type Event = Exclude<DaemonCall, 'daily_totals'>;
interface Planned {
  event: Event;
  args: unknown[];
  expected: Expected;
  inputs: string[];
}

describe('fuzzing the /daemon events', { timeout: 120_000 }, () => {
  let hub: TestHub;
  let daemon: ClientSocket;
  let foreignDaemon: ClientSocket;
  let ctx: FuzzContext;
  let own: Set<string>;
  let cases = 0;
  const codes: Partial<Record<ErrorCode | 'ok', number>> = {};

  beforeAll(async () => {
    hub = await startTestHub({ config: FUZZ_CONFIG });
    const other = await hub.newWorkspace('other');
    foreignDaemon = await connect(hub.url, '/daemon', other.daemonToken);
    const foreignDaemonId = daemonId();
    const foreign = await hello(foreignDaemon, ['claude', 'codex'], foreignDaemonId);
    daemon = await connect(hub.url, '/daemon', hub.daemonToken);
    const ownDaemonId = daemonId();
    const mine = await hello(daemon, ['claude', 'codex'], ownDaemonId);
    ctx = {
      own: Object.values(mine),
      foreign: Object.values(foreign),
      daemonIds: [ownDaemonId, foreignDaemonId],
    };
    own = new Set(ctx.own);
  });

  afterAll(async () => {
    console.log(`fuzz-daemon-events: ${cases} generated hostile calls; answers ${JSON.stringify(codes)}`);
    daemon?.close();
    foreignDaemon?.close();
    await hub?.destroy();
  });

  /** What the call must get, from the bytes on the wire and the shared schema; undefined when too close to call. */
  function plan(event: Event, args: unknown[]): Planned | undefined {
    const text = JSON.stringify([event, ...args]);
    const size = Buffer.byteLength(text) + PACKET_OVERHEAD;
    if (size > TRANSPORT_SAFE_BYTES || Math.abs(size - MAX_PAYLOAD_BYTES) < 64) return undefined;
    const wire = (JSON.parse(text) as unknown[]).slice(1);
    const expected: Expected =
      size > MAX_PAYLOAD_BYTES
        ? { ok: false, code: 'too_large' }
        : wire.length !== 1
          ? { ok: false, code: 'invalid_payload' }
          : expectedDaemonAnswer(event, wire[0], own);
    return { event, args, expected, inputs: inputStrings(wire) };
  }

  const send = (p: Planned) =>
    daemon.timeout(20_000).emitWithAck(p.event, ...p.args) as Promise<Ack<unknown>>;

  function check(p: Planned, ack: Ack<unknown>): void {
    const label = `${p.event} ${JSON.stringify(p.args).slice(0, 400)}`;
    const code = ack.ok ? 'ok' : ack.error.code;
    codes[code] = (codes[code] ?? 0) + 1;
    if (p.expected.ok) {
      if (p.event === 'hello') {
        expect(ack, label).toEqual({ ok: true, data: { runtimes: expect.any(Array) } });
        const runtimes = (ack as { data: { runtimes: unknown[] } }).data.runtimes.map((r) =>
          Runtime.parse(r),
        );
        expect(runtimes.length, label).toBe(p.expected.accepted);
        for (const r of runtimes) expect(r.workspace_id, label).toBe(hub.workspaceId);
      } else {
        expect(ack, label).toEqual({ ok: true, data: { accepted: p.expected.accepted } });
      }
      return;
    }
    expect(ack, label).toEqual({ ok: false, error: { code: p.expected.code, message: expect.any(String) } });
    expect(Object.keys((ack as { error: object }).error), label).toEqual(['code', 'message']);
    expect(
      unsafeMessage((ack as { error: { message: string } }).error.message, p.inputs),
      label,
    ).toBeUndefined();
  }

  /**
   * Sends the calls expected to be refused (together), checks nothing was written, then the ones expected to be
   * accepted (together); checks every answer, the connection and /healthz.
   */
  async function run(calls: [Event, unknown[]][]): Promise<void> {
    const planned = calls.map(([event, args]) => plan(event, args)).filter((p) => p !== undefined);
    const refused = planned.filter((p) => !p.expected.ok);
    const accepted = planned.filter((p) => p.expected.ok);
    const [refusedAcks, written] = await rowsWrittenWhile(hub.db, () => Promise.all(refused.map(send)));
    const acceptedAcks = await Promise.all(accepted.map(send));
    cases += planned.length;
    for (const [i, p] of refused.entries()) check(p, refusedAcks[i]!);
    for (const [i, p] of accepted.entries()) check(p, acceptedAcks[i]!);
    expect(written, 'rows written while the refused calls were handled').toBe(0);
    expect(daemon.connected).toBe(true);
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
  }

  const batch = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: 4, maxLength: 8 });

  it('answers every mutated hello exactly as the shared schema decides, writing nothing when refused', async () => {
    await fc.assert(
      fc.asyncProperty(batch(mutated(validHello(ctx), ctx)), (payloads) =>
        run(payloads.map((p) => ['hello', [p]])),
      ),
      fuzzRuns(180),
    );
  });

  it('answers every mutated usage report exactly as the shared schema decides, writing nothing when refused', async () => {
    await fc.assert(
      fc.asyncProperty(batch(mutated(validUsage(ctx), ctx)), (payloads) =>
        run(payloads.map((p) => ['usage', [p]])),
      ),
      fuzzRuns(420),
    );
  });

  it('answers every mutated task report exactly as the shared schema decides, writing nothing when refused', async () => {
    await fc.assert(
      fc.asyncProperty(batch(mutated(validTasks(ctx), ctx)), (payloads) =>
        run(payloads.map((p) => ['task', [p]])),
      ),
      fuzzRuns(280),
    );
  });

  it('refuses payloads of every other shape and any number of arguments but one with invalid_payload', async () => {
    const anyCall = fc.tuple(
      fc.constantFrom<Event>('hello', 'usage', 'task'),
      fc.oneof(
        { arbitrary: notAPayload(ctx).map((p) => [p]), weight: 4 },
        { arbitrary: fc.array(notAPayload(ctx), { maxLength: 3 }), weight: 1 },
      ),
    );
    const [before] = await hub.db.query(ROW_DIGEST_SQL);
    await fc.assert(
      fc.asyncProperty(batch(anyCall), (calls) => run(calls)),
      fuzzRuns(150),
    );
    // Every call of this property was refused: row counts are where they were.
    expect(await hub.db.query(ROW_DIGEST_SQL)).toEqual([before]);
  });

  it('survives raw frames that are not Socket.IO packets, closing at most the connection that sent them', async () => {
    const frame = fc.oneof(
      hostileString.filter((s) => s.length < 10_000),
      fc
        .tuple(
          fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '2/daemon,', '2/daemon,7', '3/daemon,1'),
          hostileString,
        )
        .map(([head, tail]) => `${head}${tail.slice(0, 1000)}`),
      fc.constantFrom(
        '2/daemon,["usage",',
        '2/daemon,1["hello",{"a":',
        '2/nope,["x"]',
        '5-[',
        '51-["usage",{"_placeholder":true,"num":0}]',
      ),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 4 }), async (frames) => {
        const raw = await connect(hub.url, '/daemon', hub.daemonToken);
        const engine = (raw.io as unknown as { engine: { write(data: unknown): void } }).engine;
        for (const f of frames) engine.write(f);
        cases += frames.length;
        // The hub still answers, here and on the long-lived connection; a fresh connection works.
        expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
        expect(await daemonHelloOk(daemon)).toBe(true);
        raw.close();
      }),
      fuzzRuns(120),
    );
    const fresh = await connect(hub.url, '/daemon', hub.daemonToken);
    expect(fresh.connected).toBe(true);
    fresh.close();
  });

  it('closes only the connection whose message exceeds the transport limit, and keeps serving', async () => {
    const victim = await connect(hub.url, '/daemon', hub.daemonToken);
    const closed = new Promise<string>((resolve) => victim.once('disconnect', resolve));
    victim.emit('usage', {
      runtime_id: ctx.own[0],
      events: [{ id: 'x'.repeat(4 * MAX_PAYLOAD_BYTES + 10) }],
    });
    expect(await closed).toBe('transport close');
    expect(daemon.connected).toBe(true);
    expect(await daemonHelloOk(daemon)).toBe(true);
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
  });

  it('refuses every hello whose metadata carries a __proto__, constructor or prototype key, at any depth', async () => {
    const poisoned = fc.tuple(validHello(ctx), fc.constantFrom(...PROTO_JSON)).map(([h, json]) => ({
      ...h,
      runtimes: h.runtimes.map((r) => ({ ...r, metadata: JSON.parse(json) as unknown })),
    }));
    await fc.assert(
      fc.asyncProperty(poisoned, async (payload) => {
        const [before] = await hub.db.query(ROW_DIGEST_SQL);
        const ack = (await daemon.timeout(10_000).emitWithAck('hello', payload)) as Ack<unknown>;
        cases += 1;
        expect(ack).toEqual({ ok: false, error: { code: 'invalid_payload', message: expect.any(String) } });
        expect(await hub.db.query(ROW_DIGEST_SQL)).toEqual([before]);
      }),
      fuzzRuns(30),
    );
  });

  // Regression: Postgres stores a lone surrogate as U+FFFD, so ids that differed only there were two keys to the
  // hub but one to INSERT … ON CONFLICT (SQLSTATE 21000), answered `unavailable` forever. The schema now refuses
  // text that is not well-formed Unicode.
  it('refuses ids that differ only in lone surrogates with invalid_payload, never unavailable', async () => {
    const twins = fc
      .tuple(
        fc.constantFrom<Event>('usage', 'task', 'hello'),
        fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }),
        fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF'),
        fc.constantFrom('\uD801', '\uDC01', '\uFFFD'),
      )
      .map(([event, base, a, b]) => ({ event, ids: [`${base}${a}`, `${base}${b}`] }));
    const at = new Date(Date.now() - 3_600_000).toISOString();
    await fc.assert(
      fc.asyncProperty(twins, async ({ event, ids }) => {
        const payload =
          event === 'usage'
            ? {
                runtime_id: ctx.own[0],
                events: ids.map((id) => ({
                  id,
                  ts: at,
                  provider: 'claude',
                  model: 'm',
                  input_tokens: 1,
                  output_tokens: 1,
                  cache_read_tokens: 0,
                  cache_write_tokens: 0,
                })),
              }
            : event === 'task'
              ? {
                  runtime_id: ctx.own[0],
                  tasks: ids.map((id) => ({ id, status: 'running', created_at: at })),
                }
              : {
                  daemon_id: daemonId(),
                  device_info: 'twins',
                  runtimes: ids.map((provider) => ({ provider, name: 'n', runtime_mode: 'local' })),
                };
        const ack = (await daemon.timeout(10_000).emitWithAck(event, payload)) as Ack<unknown>;
        cases += 1;
        expect(ack).toEqual({ ok: false, error: { code: 'invalid_payload', message: expect.any(String) } });
      }),
      fuzzRuns(20),
    );
  });

  // Regression: the hub keyed runtimes by the string it was sent, so 'ABC…' and 'abc…' were two runtimes to it and
  // one to Postgres (SQLSTATE 21000, the whole batch answered unavailable). RuntimeId is now lower-cased.
  it('accepts one runtime named in lower and upper case by calls that share a commit batch', async () => {
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const twins = fc.tuple(
      fc.constantFrom<Event>('usage', 'task'),
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }),
    );
    await fc.assert(
      fc.asyncProperty(twins, async ([event, id]) => {
        const payload = (runtime_id: string) =>
          event === 'usage'
            ? {
                runtime_id,
                events: [
                  {
                    id,
                    ts: at,
                    provider: 'claude',
                    model: 'm',
                    input_tokens: 1,
                    output_tokens: 1,
                    cache_read_tokens: 0,
                    cache_write_tokens: 0,
                  },
                ],
              }
            : { runtime_id, tasks: [{ id, status: 'running', created_at: at }] };
        const acks = (await Promise.all(
          [ctx.own[0]!, ctx.own[0]!.toUpperCase()].map((rt) =>
            daemon.timeout(10_000).emitWithAck(event, payload(rt)),
          ),
        )) as Ack<unknown>[];
        expect(acks).toEqual([
          { ok: true, data: { accepted: 1 } },
          { ok: true, data: { accepted: 1 } },
        ]);
      }),
      fuzzRuns(20),
    );
  });

  it('made at least its share of the 10,000 hostile cases, and never answered internal', () => {
    expect(cases).toBeGreaterThanOrEqual(MIN_CASES);
    expect(codes.internal).toBeUndefined();
    expect(Object.keys(codes).every((c) => c === 'ok' || (errorCodes as readonly string[]).includes(c))).toBe(
      true,
    );
  });
});

async function daemonHelloOk(socket: ClientSocket): Promise<boolean> {
  const ack = (await socket.timeout(10_000).emitWithAck('hello', {
    daemon_id: daemonId(),
    device_info: 'still here',
    runtimes: [{ provider: 'probe', name: 'probe', runtime_mode: 'local' }],
  })) as Ack<unknown>;
  return ack.ok;
}
