/**
 * Property-based fuzzing of the member GET routes on a real hub, with hostile ids, query strings and Authorization
 * headers. The status and code of each answer are exactly what the shared schemas and the contract decide (never
 * 500 or `internal`), error bodies are `{ error, code }` with no stack, path or SQL, and the hub keeps answering
 * /healthz. The daemon routes are fuzz-rest-writes.test.ts's.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ActivityRow, Runtime, RuntimeId, UsageRow } from '../../shared';
import {
  type FuzzContext,
  fuzzRuns,
  historyQueryVerdict,
  hostileAuthorization,
  pathId,
  type QueryPair,
  queryPairs,
  queryString,
  wellFormed,
} from '../helpers/arbitraries';
import { type FuzzRestHub, type Ok, startFuzzRestHub, type Verdict } from '../helpers/fuzz-rest';
import type { TestWorkspace } from '../helpers/hub';

/** This file's share of the suite's 10,000 hostile cases (fuzz-rest-writes and fuzz-daemon-events have the rest). */
const MIN_CASES = 1_500;

describe('fuzzing the REST API: member reads', { timeout: 120_000 }, () => {
  let fuzz: FuzzRestHub;
  let reader: TestWorkspace;
  let writer: TestWorkspace;
  let readerCtx: FuzzContext;
  let writerCtx: FuzzContext;

  beforeAll(async () => {
    fuzz = await startFuzzRestHub();
    ({ reader, writer, readerCtx, writerCtx } = fuzz);
  });

  afterAll(async () => {
    await fuzz?.destroy('fuzz-rest-reads');
  });

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
      const ok = await fuzz.hub.db.query('SELECT now() AT TIME ZONE $1', [zone]).then(
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
        other: [writer.memberToken, writer.daemonToken, fuzz.revokedMember],
      }),
      { minLength: 4, maxLength: 8 },
    );
    await fc.assert(
      fc.asyncProperty(reads, async (batch) => {
        await learnZones(batch);
        const answers = await Promise.all(
          batch.map((r) => fuzz.request('GET', readPath(r), { authorization: r.auth })),
        );
        for (const [i, r] of batch.entries()) {
          const inputs = [
            r.id ?? '',
            r.segment,
            r.auth,
            ...r.query.flatMap((p) => [p.key, p.value ?? ''].map(wellFormed)),
          ];
          fuzz.check(answers[i]!, expectedRead(r), inputs, `GET ${readPath(r)} (${r.auth.slice(0, 60)})`);
        }
        await fuzz.healthy();
      }),
      fuzzRuns(280),
    );
  });

  it('made at least its share of the 10,000 hostile cases, and never answered 500', () => {
    expect(fuzz.cases()).toBeGreaterThanOrEqual(MIN_CASES);
    expect(fuzz.seen['500']).toBeUndefined();
  });
});
