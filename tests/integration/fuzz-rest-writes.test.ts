/**
 * Property-based fuzzing of the daemon POST routes on a real hub, with mutated bodies and with raw bodies that are
 * not JSON. The status and code of each answer are exactly what the shared schemas and the contract decide (never
 * 500 or `internal`), error bodies are `{ error, code }` with no stack, path or SQL, refused calls write nothing,
 * and the hub keeps answering /healthz. The member routes are fuzz-rest-reads.test.ts's.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Runtime } from '../../shared';
import {
  type DaemonCall,
  type Expected,
  expectedDaemonAnswer,
  type FuzzContext,
  fuzzRuns,
  hasPoisonedKey,
  hostileAuthorization,
  hostileString,
  inputStrings,
  MAX_PAYLOAD_BYTES,
  mutated,
  pathId,
  ROW_DIGEST_SQL,
  rowsWrittenWhile,
  validDailyTotals,
  validHello,
  validTasks,
  validUsage,
  wellFormed,
} from '../helpers/arbitraries';
import { type FuzzRestHub, startFuzzRestHub, type Verdict } from '../helpers/fuzz-rest';
import type { TestWorkspace } from '../helpers/hub';

/** This file's share of the suite's 10,000 hostile cases (fuzz-rest-reads and fuzz-daemon-events have the rest). */
const MIN_CASES = 2_500;

describe('fuzzing the REST API: daemon writes', { timeout: 120_000 }, () => {
  let fuzz: FuzzRestHub;
  let writer: TestWorkspace;
  let stranger: TestWorkspace;
  let writerCtx: FuzzContext;

  beforeAll(async () => {
    fuzz = await startFuzzRestHub();
    ({ writer, stranger, writerCtx } = fuzz);
  });

  afterAll(async () => {
    await fuzz?.destroy('fuzz-rest-writes');
  });

  const ROUTES: Record<DaemonCall, string> = {
    hello: '/api/daemon/hello',
    usage: '/api/daemon/usage',
    task: '/api/daemon/tasks',
    daily_totals: '/api/daemon/runtimes/:id/usage',
  };

  interface Write {
    call: DaemonCall;
    path: string;
    pathId?: string;
    auth: string;
    contentType: string | undefined;
    body: string | undefined;
  }

  /** The workspace whose daemon an Authorization header opens, if any. */
  function daemonWorkspace(header: string): 'writer' | 'stranger' | undefined {
    const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header.replace(/^[ \t]+|[ \t]+$/g, ''));
    if (match?.[1] === writer.daemonToken) return 'writer';
    if (match?.[1] === stranger.daemonToken) return 'stranger';
    return undefined;
  }

  const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON'];
  const isJson = (type: string | undefined) => type !== undefined && JSON_TYPES.includes(type);

  function expectedWrite(w: Write): { verdict: Verdict; expected?: Expected } {
    if (w.pathId !== undefined && w.pathId.length > 100) return { verdict: { code: 'not_found' } };
    // A body of a media type Fastify has no parser for (or of none) is refused before it is read: 415, mapped
    // onto the contract's 400.
    const parser = isJson(w.contentType) || w.contentType === 'text/plain';
    if (!parser && (w.contentType !== undefined || (w.body ?? '') !== ''))
      return { verdict: { code: 'invalid_payload' } };
    const bytes = Buffer.byteLength(w.body ?? '');
    if (bytes > MAX_PAYLOAD_BYTES) return { verdict: { code: 'too_large' } };
    let wire: unknown;
    if (isJson(w.contentType)) {
      try {
        wire = JSON.parse((w.body ?? '').replace(/^\uFEFF/, ''));
      } catch {
        return { verdict: { code: 'invalid_payload' } };
      }
      if (hasPoisonedKey(wire)) return { verdict: { code: 'invalid_payload' } };
    } else {
      wire = w.body === undefined || w.body === '' ? undefined : w.body;
      if (w.contentType === 'text/plain') wire = w.body ?? '';
    }
    const ws = daemonWorkspace(w.auth);
    if (!ws) return { verdict: { code: 'unauthorized' } };
    const own = new Set(ws === 'writer' ? writerCtx.own : []);
    const expected = expectedDaemonAnswer(w.call, wire, own, w.pathId);
    if (!expected.ok) return { verdict: { code: expected.code }, expected };
    const check =
      w.call === 'hello'
        ? (body: unknown) => {
            const { runtimes } = z
              .object({ runtimes: z.array(Runtime) })
              .strict()
              .parse(body);
            expect(runtimes.length).toBe(expected.accepted);
          }
        : w.call === 'daily_totals'
          ? (body: unknown) => expect(body).toEqual({ status: 'ok', accepted: expected.accepted })
          : (body: unknown) => expect(body).toEqual({ accepted: expected.accepted });
    return { verdict: { status: 200, check }, expected };
  }

  const daemonAuth = fc.oneof(
    { arbitrary: fc.constant('writer'), weight: 12 },
    { arbitrary: fc.constant('stranger'), weight: 1 },
    { arbitrary: fc.constant('member'), weight: 1 },
    { arbitrary: fc.constant('revoked'), weight: 1 },
    { arbitrary: fc.constant('hostile'), weight: 1 },
  );

  function authHeader(kind: string, hostile: string): string {
    if (kind === 'writer') return `Bearer ${writer.daemonToken}`;
    if (kind === 'stranger') return `Bearer ${stranger.daemonToken}`;
    if (kind === 'member') return `Bearer ${writer.memberToken}`;
    if (kind === 'revoked') return `Bearer ${fuzz.revokedDaemon}`;
    return hostile;
  }

  const writeOf = (ctx: FuzzContext) =>
    fc
      .record({
        call: fc.constantFrom<DaemonCall>('hello', 'usage', 'task', 'daily_totals'),
        auth: daemonAuth,
        hostileAuth: hostileAuthorization([writer?.daemonToken ?? 'x']),
        pathId: pathId(ctx),
        hello: mutated(validHello(ctx), ctx),
        usage: mutated(validUsage(ctx), ctx),
        task: mutated(validTasks(ctx), ctx),
        daily: mutated(validDailyTotals, ctx),
      })
      .map((g): Write => {
        const payload = g.call === 'daily_totals' ? g.daily : g[g.call];
        const segment = encodeURIComponent(wellFormed(g.pathId));
        return {
          call: g.call,
          path: ROUTES[g.call].replace(':id', segment),
          pathId: g.call === 'daily_totals' ? decodeURIComponent(segment) : undefined,
          auth: authHeader(g.auth, g.hostileAuth),
          contentType: 'application/json',
          body: JSON.stringify(payload),
        };
      });

  const RAW_TYPES = [
    ...JSON_TYPES,
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/octet-stream',
    'application/xml',
    'multipart/form-data; boundary=x',
    'text/json',
    undefined,
  ];
  const rawBody = fc.oneof(
    hostileString,
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constantFrom(
      'NaN',
      'undefined',
      "{'runtime_id': 1}",
      '{"events": [1,]}',
      '[1,]',
      '01',
      '1e999',
      '{"a":1}garbage',
      '\uFEFF{"runtime_id":"x"}',
      '"just a string"',
      'null',
      '{"__proto__": {"admin": true}}',
      '{"\\u005f_proto__": {}}',
      '{"constructor": {"prototype": {"admin": true}}}',
      `${'['.repeat(50_000)}`,
      `${'{"a":'.repeat(30_000)}1${'}'.repeat(30_000)}`,
      '',
    ),
  );
  const rawWrite = (ctx: FuzzContext) =>
    fc
      .record({
        call: fc.constantFrom<DaemonCall>('hello', 'usage', 'task', 'daily_totals'),
        contentType: fc.constantFrom(...RAW_TYPES),
        body: rawBody,
        id: fc.constantFrom(...ctx.own),
      })
      .map(
        (g): Write => ({
          call: g.call,
          path: ROUTES[g.call].replace(':id', g.id),
          pathId: g.call === 'daily_totals' ? g.id : undefined,
          auth: `Bearer ${writer.daemonToken}`,
          contentType: g.contentType,
          body: g.body,
        }),
      );

  /** Refused requests first (together) with nothing written, then the accepted ones (together). */
  async function runWrites(batch: Write[]): Promise<void> {
    const planned = batch.map((w) => ({ w, ...expectedWrite(w) }));
    const refused = planned.filter((p) => 'code' in p.verdict);
    const accepted = planned.filter((p) => !('code' in p.verdict));
    const send = ({ w }: { w: Write }) =>
      fuzz.request(
        'POST',
        w.path,
        { authorization: w.auth, ...(w.contentType ? { 'content-type': w.contentType } : {}) },
        w.body,
      );
    const [refusedAnswers, written] = await rowsWrittenWhile(fuzz.hub.db, () =>
      Promise.all(refused.map(send)),
    );
    const acceptedAnswers = await Promise.all(accepted.map(send));
    for (const [answers, list] of [
      [refusedAnswers, refused],
      [acceptedAnswers, accepted],
    ] as const) {
      for (const [i, p] of list.entries()) {
        let parsed: unknown;
        try {
          parsed = JSON.parse((p.w.body ?? '').replace(/^\uFEFF/, ''));
        } catch {
          parsed = p.w.body;
        }
        const inputs = [p.w.path, p.w.pathId ?? '', ...inputStrings(parsed)];
        fuzz.check(
          answers[i]!,
          p.verdict,
          inputs,
          `POST ${p.w.path} ${p.w.contentType} ${(p.w.body ?? '').slice(0, 300)}`,
        );
      }
    }
    expect(written, 'rows written while the refused requests were handled').toBe(0);
    await fuzz.healthy();
  }

  it('answers mutated bodies on every daemon route exactly as the shared schemas decide, writing nothing when refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(writeOf(writerCtx), { minLength: 4, maxLength: 8 }), runWrites),
      fuzzRuns(330),
    );
  });

  it('refuses raw bodies that are not JSON, or not of type application/json, with 400 (413 when too large)', async () => {
    const [before] = await fuzz.hub.db.query(ROW_DIGEST_SQL);
    await fc.assert(
      fc.asyncProperty(fc.array(rawWrite(writerCtx), { minLength: 4, maxLength: 8 }), runWrites),
      fuzzRuns(130),
    );
    // Every request of this property was refused: row counts are where they were.
    expect(await fuzz.hub.db.query(ROW_DIGEST_SQL)).toEqual([before]);
  });

  it('made at least its share of the 10,000 hostile cases, and never answered 500', () => {
    expect(fuzz.cases()).toBeGreaterThanOrEqual(MIN_CASES);
    expect(fuzz.seen['500']).toBeUndefined();
  });
});
