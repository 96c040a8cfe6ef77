/**
 * Property-based fuzzing of every REST route on a real hub: member GET routes with hostile ids, query strings and
 * Authorization headers; daemon POST routes with mutated bodies and with raw bodies that are not JSON. The status
 * and code of each answer are exactly what the shared schemas and the contract decide (never 500 or `internal`),
 * error bodies are `{ error, code }` with no stack, path or SQL, refused calls write nothing, and the hub keeps
 * answering /healthz. Requests go through node:http so that paths reach the hub byte for byte (fetch would
 * resolve `..` segments).
 */
import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createToken, revokeToken } from '../../server/store';
import { ActivityRow, type ErrorCode, httpStatusOf, Runtime, RuntimeId, UsageRow } from '../../shared';
import {
  type DaemonCall,
  type Expected,
  expectedDaemonAnswer,
  type FuzzContext,
  fuzzRuns,
  hasPoisonedKey,
  historyQueryVerdict,
  hostileAuthorization,
  hostileString,
  inputStrings,
  MAX_PAYLOAD_BYTES,
  mutated,
  pathId,
  type QueryPair,
  queryPairs,
  queryString,
  ROW_DIGEST_SQL,
  rowsWrittenWhile,
  unsafeMessage,
  validDailyTotals,
  validHello,
  validTasks,
  validUsage,
  wellFormed,
} from '../helpers/arbitraries';
import { QUIET_PRESENCE, startTestHub, type TestHub, type TestWorkspace } from '../helpers/hub';
import { daemonId } from '../helpers/sockets';

const FUZZ_CONFIG = {
  DAEMON_RATE_PER_S: 100_000,
  REST_RATE_PER_MIN: 1_000_000,
  HANDSHAKE_RATE_PER_S: 10_000,
  // No presence writes in the middle of a property: rowsWrittenWhile counts every committed row.
  ...QUIET_PRESENCE,
};
/** This file's share of the suite's 10,000 hostile cases (fuzz-daemon-events.test.ts has the rest). */
const MIN_CASES = 4_000;

interface Answer {
  status: number;
  type: string;
  text: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function request(
  port: number,
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A 200 answer, checked by `check`. */
interface Ok {
  status: 200;
  check: (body: unknown, text: string, type: string) => void;
}
type Verdict = Ok | { code: ErrorCode };

describe('fuzzing the REST API', { timeout: 120_000 }, () => {
  let hub: TestHub;
  /** Writes through the daemon routes. */
  let writer: TestWorkspace;
  /** Read through the member routes; never written during the properties. */
  let reader: TestWorkspace;
  /** A third workspace whose daemon token owns nothing the others have. */
  let stranger: TestWorkspace;
  let revokedDaemon: string;
  let revokedMember: string;
  let writerCtx: FuzzContext;
  let readerCtx: FuzzContext;
  let cases = 0;
  const seen: Record<string, number> = {};

  const post = (path: string, token: string, body: unknown) =>
    request(
      hub.port,
      'POST',
      path,
      { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      JSON.stringify(body),
    );

  async function registerRuntimes(ws: TestWorkspace): Promise<string[]> {
    const res = await post('/api/daemon/hello', ws.daemonToken, {
      daemon_id: daemonId(),
      device_info: 'fuzz',
      runtimes: ['claude', 'codex'].map((provider) => ({ provider, name: provider, runtime_mode: 'local' })),
    });
    expect(res.status).toBe(200);
    return (JSON.parse(res.text) as { runtimes: Runtime[] }).runtimes.map((r) => r.id);
  }

  beforeAll(async () => {
    hub = await startTestHub({ config: FUZZ_CONFIG });
    writer = hub;
    reader = await hub.newWorkspace('reader');
    stranger = await hub.newWorkspace('stranger');
    const writerIds = await registerRuntimes(writer);
    const readerIds = await registerRuntimes(reader);
    // Some history for the reader, so that 200 answers carry rows.
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const usage = await post('/api/daemon/usage', reader.daemonToken, {
      runtime_id: readerIds[0],
      events: [
        {
          id: 'e1',
          ts: at,
          provider: 'claude',
          model: 'claude-sonnet-4-5',
          input_tokens: 10,
          output_tokens: 20,
          cache_read_tokens: 30,
          cache_write_tokens: 40,
        },
      ],
    });
    const tasks = await post('/api/daemon/tasks', reader.daemonToken, {
      runtime_id: readerIds[0],
      tasks: [{ id: 't1', status: 'completed', created_at: at }],
    });
    expect([usage.status, tasks.status]).toEqual([200, 200]);
    const revoked = await createToken(hub.db, writer.workspaceId, 'daemon', 'revoked');
    const revokedM = await createToken(hub.db, reader.workspaceId, 'member', 'revoked');
    await revokeToken(hub.db, revoked.id);
    await revokeToken(hub.db, revokedM.id);
    revokedDaemon = revoked.token;
    revokedMember = revokedM.token;
    writerCtx = { own: writerIds, foreign: readerIds, daemonIds: [daemonId()] };
    readerCtx = { own: readerIds, foreign: writerIds, daemonIds: [daemonId()] };
  });

  afterAll(async () => {
    console.log(`fuzz-rest: ${cases} generated hostile requests; answers ${JSON.stringify(seen)}`);
    agent.destroy();
    await hub?.destroy();
  });

  /** Asserts one answer against its verdict: the contract status and body, and a safe message. */
  function check(answer: Answer, verdict: Verdict, inputs: string[], label: string): void {
    const key = 'code' in verdict ? `${answer.status}` : '200';
    seen[key] = (seen[key] ?? 0) + 1;
    expect(answer.status, `${label} → ${answer.text.slice(0, 300)}`).not.toBe(500);
    if ('code' in verdict) {
      expect({ status: answer.status, type: answer.type }, `${label} → ${answer.text.slice(0, 300)}`).toEqual(
        {
          status: httpStatusOf[verdict.code],
          type: expect.stringContaining('application/json'),
        },
      );
      const body = JSON.parse(answer.text) as Record<string, unknown>;
      expect(body, label).toEqual({ error: expect.any(String), code: verdict.code });
      expect(unsafeMessage(body.error, inputs), `${label} → ${answer.text.slice(0, 300)}`).toBeUndefined();
      return;
    }
    expect(answer.status, `${label} → ${answer.text.slice(0, 300)}`).toBe(200);
    const body = answer.type.includes('json') ? (JSON.parse(answer.text) as unknown) : answer.text;
    verdict.check(body, answer.text, answer.type);
  }

  async function healthy(): Promise<void> {
    expect((await request(hub.port, 'GET', '/healthz', {})).status).toBe(200);
  }

  // ------------------------------------------------------------------------------------------- member reads

  type ReadRoute = 'list' | 'runtime' | 'usage' | 'activity' | 'workspace-usage';
  interface Read {
    route: ReadRoute;
    /** Undefined when the segment is not a valid percent-encoding. */
    id: string | undefined;
    /** The id as a raw path segment (percent-encoded, or one of a few literal segments). */
    segment: string;
    query: QueryPair[];
    bareQuestionMark: boolean;
    auth: string;
  }

  /** Literal path segments, some of them malformed percent-encodings. */
  const RAW_SEGMENTS = [
    '..',
    '.',
    '%2e%2e',
    '%2F',
    'a%2Fb',
    '%20',
    '%00',
    '%252F',
    '%C3%A9',
    '%',
    '%zz',
    '%E0%A4%A',
    '%C3',
  ];
  /** The id a segment names, or undefined when its percent-encoding is malformed. */
  const decoded = (segment: string) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return undefined;
    }
  };
  const read = (ctx: FuzzContext, tokens: { member: string[]; other: string[] }) =>
    fc
      .record({
        route: fc.constantFrom<ReadRoute>('list', 'runtime', 'usage', 'activity', 'workspace-usage'),
        id: pathId(ctx),
        raw: fc.option(fc.constantFrom(...RAW_SEGMENTS), { freq: 10 }),
        query: queryPairs,
        bareQuestionMark: fc.boolean(),
        auth: fc.oneof(
          { arbitrary: fc.constantFrom(...tokens.member).map((t) => `Bearer ${t}`), weight: 10 },
          { arbitrary: fc.constantFrom(...tokens.other).map((t) => `Bearer ${t}`), weight: 2 },
          { arbitrary: hostileAuthorization(tokens.member), weight: 1 },
        ),
      })
      .map(({ raw, id, ...rest }): Read => {
        const segment = raw ?? encodeURIComponent(wellFormed(id));
        return { ...rest, id: decoded(segment), segment };
      });

  function readPath(r: Read): string {
    const base =
      r.route === 'list'
        ? '/api/runtimes'
        : r.route === 'workspace-usage'
          ? '/api/usage'
          : `/api/runtimes/${r.segment}${r.route === 'runtime' ? '' : `/${r.route}`}`;
    const qs = queryString(r.query);
    return qs || r.bareQuestionMark ? `${base}?${qs}` : base;
  }

  /** Which workspace a member Authorization header opens, if any. */
  function memberWorkspace(header: string): TestWorkspace | undefined {
    const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header.replace(/^[ \t]+|[ \t]+$/g, ''));
    if (!match) return undefined;
    return [reader, writer].find((w) => w.memberToken === match[1]);
  }

  const knownZones = new Map<string, boolean>();
  async function learnZones(reads: Read[]): Promise<void> {
    for (const r of reads) {
      const zone = wellFormed(r.query.find((p) => wellFormed(p.key) === 'tz')?.value ?? 'UTC');
      if (knownZones.has(zone)) continue;
      const ok = await hub.db.query('SELECT now() AT TIME ZONE $1', [zone]).then(
        () => true,
        () => false,
      );
      knownZones.set(zone, ok);
    }
  }

  function expectedRead(r: Read): Verdict {
    const withId = r.route !== 'list' && r.route !== 'workspace-usage';
    // A malformed path, or a path parameter over 100 characters, names no resource: 404 before anything else.
    if (withId && (r.id === undefined || r.id.length > 100)) return { code: 'not_found' };
    const id = r.id ?? '';
    const ws = memberWorkspace(r.auth);
    if (!ws) return { code: 'unauthorized' };
    const own = new Set((ws === reader ? readerCtx : writerCtx).own);
    const validId = RuntimeId.safeParse(id).success;
    const owned = validId && own.has(id.toLowerCase());
    if (withId && !validId) return { code: 'not_found' };
    const rowsOf = (ids: Set<string>) => (body: unknown, text: string, type: string) => {
      if (type.includes('text/csv')) {
        expect(text.split('\r\n')[0]).toBe(
          'runtime_id,date,provider,model,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd',
        );
        return;
      }
      for (const row of z.array(UsageRow).parse(body)) expect(ids.has(row.runtime_id)).toBe(true);
    };
    if (r.route === 'list') {
      return {
        status: 200,
        check: (body) => {
          const runtimes = z.array(Runtime).parse(body);
          expect(new Set(runtimes.map((rt) => rt.id))).toEqual(own);
        },
      };
    }
    if (r.route === 'runtime') {
      if (!owned) return { code: 'not_found' };
      return { status: 200, check: (body) => expect(Runtime.parse(body).id).toBe(id.toLowerCase()) };
    }
    const verdict = historyQueryVerdict(r.query, (tz) => knownZones.get(tz) ?? false);
    if (verdict.schema === 'invalid') return { code: 'invalid_payload' };
    const csvOr = (json: Ok): Verdict => {
      if (verdict.format !== 'csv') return json;
      const check = (body: unknown, text: string, type: string) => {
        expect(type).toContain('text/csv');
        json.check(body, text, type);
      };
      return { status: 200, check };
    };
    // The order of the hub's checks: usage looks at the zone first, activity at the runtime first.
    if (r.route === 'usage') {
      if (verdict.zone === 'invalid') return { code: 'invalid_payload' };
      if (!owned) return { code: 'not_found' };
      return csvOr({ status: 200, check: rowsOf(new Set([id.toLowerCase()])) });
    }
    if (r.route === 'activity') {
      if (!owned) return { code: 'not_found' };
      if (verdict.zone === 'invalid') return { code: 'invalid_payload' };
      return {
        status: 200,
        check: (body) =>
          expect(
            z
              .array(ActivityRow)
              .parse(body)
              .map((row) => row.hour),
          ).toEqual([...Array(24).keys()]),
      };
    }
    if (verdict.zone === 'invalid') return { code: 'invalid_payload' };
    return csvOr({ status: 200, check: rowsOf(own) });
  }

  it('answers hostile ids, query strings and tokens on every member route with the contract status', async () => {
    const reads = fc.array(
      read(readerCtx, {
        member: [reader.memberToken],
        other: [writer.memberToken, writer.daemonToken, revokedMember],
      }),
      { minLength: 4, maxLength: 8 },
    );
    await fc.assert(
      fc.asyncProperty(reads, async (batch) => {
        await learnZones(batch);
        const answers = await Promise.all(
          batch.map((r) => request(hub.port, 'GET', readPath(r), { authorization: r.auth })),
        );
        cases += batch.length;
        for (const [i, r] of batch.entries()) {
          const inputs = [
            r.id ?? '',
            r.segment,
            r.auth,
            ...r.query.flatMap((p) => [p.key, p.value ?? ''].map(wellFormed)),
          ];
          check(answers[i]!, expectedRead(r), inputs, `GET ${readPath(r)} (${r.auth.slice(0, 60)})`);
        }
        await healthy();
      }),
      fuzzRuns(280),
    );
  });

  // ------------------------------------------------------------------------------------------- daemon writes

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
    if (kind === 'revoked') return `Bearer ${revokedDaemon}`;
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
      request(
        hub.port,
        'POST',
        w.path,
        { authorization: w.auth, ...(w.contentType ? { 'content-type': w.contentType } : {}) },
        w.body,
      );
    const [refusedAnswers, written] = await rowsWrittenWhile(hub.db, () => Promise.all(refused.map(send)));
    const acceptedAnswers = await Promise.all(accepted.map(send));
    cases += batch.length;
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
        check(
          answers[i]!,
          p.verdict,
          inputs,
          `POST ${p.w.path} ${p.w.contentType} ${(p.w.body ?? '').slice(0, 300)}`,
        );
      }
    }
    expect(written, 'rows written while the refused requests were handled').toBe(0);
    await healthy();
  }

  it('answers mutated bodies on every daemon route exactly as the shared schemas decide, writing nothing when refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(writeOf(writerCtx), { minLength: 4, maxLength: 8 }), runWrites),
      fuzzRuns(330),
    );
  });

  it('refuses raw bodies that are not JSON, or not of type application/json, with 400 (413 when too large)', async () => {
    const [before] = await hub.db.query(ROW_DIGEST_SQL);
    await fc.assert(
      fc.asyncProperty(fc.array(rawWrite(writerCtx), { minLength: 4, maxLength: 8 }), runWrites),
      fuzzRuns(130),
    );
    // Every request of this property was refused: row counts are where they were.
    expect(await hub.db.query(ROW_DIGEST_SQL)).toEqual([before]);
  });

  it('made at least its share of the 10,000 hostile cases, and never answered 500', () => {
    expect(cases).toBeGreaterThanOrEqual(MIN_CASES);
    expect(seen['500']).toBeUndefined();
  });
});
