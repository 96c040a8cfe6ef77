/**
 * Property-based fuzzing of the OTLP receiver on a real hub: arbitrary bytes under either media type (gzipped or
 * not), and Claude Code exports whose token counts are replaced by values of every OTLP type. Each answer is exactly
 * what the mapping decides: a 400/413 with a google.rpc.Status and nothing written for a body that is not an
 * export, a 200 whose partialSuccess counts exactly the usage records with an unusable count, and usage that sums
 * only the records kept. Never a 5xx.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyValue, ExportLogsRequest } from '../../server/otlp/schema';
import { fixtureJson, postExport } from '../fixtures/otlp/load';
import { startTestHub, type TestHub } from '../helpers/hub';

const RUNS = Number(process.env.OTLP_FUZZ_RUNS ?? 60);
const claudeLogs = fixtureJson('claude-logs', new Date(Date.now() - 86_400_000).toISOString().slice(0, 10));

/** Values an exporter (or an attacker) could put where a token count belongs. */
const countValue: fc.Arbitrary<AnyValue | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.nat().map((n) => ({ intValue: String(n) })),
  fc.nat().map((n) => ({ intValue: n })),
  fc.nat().map((n) => ({ stringValue: String(n) })),
  fc.integer({ min: -1_000, max: -1 }).map((n) => ({ intValue: String(n) })),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => ({ doubleValue: n })),
  fc
    .constantFrom('', '1e3', '12.5', 'NaN', ' 7', '0x10', '99999999999999999999', 'lots')
    .map((s) => ({ stringValue: s })),
  fc.boolean().map((b) => ({ boolValue: b })),
  fc.constant<AnyValue>({ arrayValue: { values: [{ intValue: '1' }] } }),
);

/** The mapping's verdict on one count: its value, or `undefined` when the record must be rejected. */
function oracle(value: AnyValue | undefined): number | undefined {
  const raw =
    value?.stringValue ??
    (value?.intValue !== undefined
      ? String(value.intValue)
      : value?.doubleValue !== undefined
        ? String(value.doubleValue)
        : undefined);
  if (value !== undefined && raw === undefined) return undefined;
  if (raw === undefined || raw === '') return 0;
  return /^\d+$/.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : undefined;
}

describe('OTLP receiver fuzzing', () => {
  let hub: TestHub;
  const usageRows = async () =>
    (await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_events'))[0]!.n;

  beforeAll(async () => {
    hub = await startTestHub({ config: { REST_RATE_PER_MIN: 1_000_000, MAX_PAYLOAD_BYTES: 65_536 } });
  });
  afterAll(() => hub.destroy());

  it('answers arbitrary bytes with 200 (an empty export), 400 or 413, a Status body, and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2_048 }),
        fc.constantFrom('json', 'protobuf') as fc.Arbitrary<'json' | 'protobuf'>,
        fc.boolean(),
        fc.constantFrom('logs', 'metrics', 'traces') as fc.Arbitrary<'logs' | 'metrics' | 'traces'>,
        async (bytes, encoding, gzip, signal) => {
          const before = await usageRows();
          const res = await postExport(hub.url, signal, Buffer.from(bytes), {
            token: hub.daemonToken,
            encoding,
            gzip,
          });
          expect([200, 400, 413]).toContain(res.status);
          if (res.status !== 200 && encoding === 'json')
            expect(res.json).toEqual({ code: expect.any(Number), message: expect.any(String) });
          expect(await usageRows()).toBe(before);
        },
      ),
      { numRuns: RUNS * 3 },
    );
  });

  it('rejects exactly the usage records with an unusable count and keeps the others whole', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(countValue, countValue), { minLength: 3, maxLength: 3 }),
        async (counts) => {
          const ws = await hub.newWorkspace('fuzz');
          const logs = structuredClone(claudeLogs) as ExportLogsRequest;
          const usage = logs.resourceLogs![0]!.scopeLogs![0]!.logRecords!.filter(
            (r) => r.body?.stringValue === 'claude_code.api_request',
          );
          let rejected = 0;
          let input = 0;
          let output = 0;
          usage.forEach((record, i) => {
            const [inValue, outValue] = counts[i]!;
            record.attributes = record.attributes!.filter(
              (a) => a.key !== 'input_tokens' && a.key !== 'output_tokens',
            );
            if (inValue) record.attributes.push({ key: 'input_tokens', value: inValue });
            if (outValue) record.attributes.push({ key: 'output_tokens', value: outValue });
            const [inTokens, outTokens] = [oracle(inValue), oracle(outValue)];
            if (inTokens === undefined || outTokens === undefined) rejected += 1;
            else {
              input += inTokens;
              output += outTokens;
            }
          });
          const res = await postExport(hub.url, 'logs', logs, { token: ws.daemonToken });
          expect(res.status).toBe(200);
          expect(
            (res.json as { partialSuccess?: { rejectedLogRecords: string } }).partialSuccess
              ?.rejectedLogRecords,
          ).toBe(rejected > 0 ? String(rejected) : undefined);
          const [sums] = await hub.db.query<{ events: number; input: string | null; output: string | null }>(
            `SELECT count(*)::int AS events, sum(e.input_tokens)::text AS input, sum(e.output_tokens)::text AS output
           FROM usage_events e JOIN runtimes r ON r.id = e.runtime_id WHERE r.workspace_id = $1`,
            [ws.workspaceId],
          );
          expect(sums).toEqual({
            events: usage.length - rejected,
            input: rejected === usage.length ? null : String(input),
            output: rejected === usage.length ? null : String(output),
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses attributes nested deeper than 32 levels with 400', async () => {
    let deep: AnyValue = { stringValue: 'x' };
    for (let i = 0; i < 40; i++) deep = { kvlistValue: { values: [{ key: 'k', value: deep }] } };
    const logs = structuredClone(claudeLogs) as ExportLogsRequest;
    logs.resourceLogs![0]!.scopeLogs![0]!.logRecords![1]!.attributes!.push({ key: 'deep', value: deep });
    const before = await usageRows();
    // protobufjs refuses to encode (and decode) past its own depth limit: JSON is the way such a body arrives.
    const res = await postExport(hub.url, 'logs', logs, { token: hub.daemonToken });
    expect(res).toMatchObject({
      status: 400,
      json: { code: 3, message: 'body is nested deeper than 32 levels' },
    });
    const gzipped = await postExport(hub.url, 'logs', gzipSync(Buffer.from(JSON.stringify(logs))), {
      token: hub.daemonToken,
      contentType: 'application/json',
    });
    expect(gzipped.status).toBe(400); // gzip bytes without Content-Encoding: not JSON
    expect(await usageRows()).toBe(before);
  });
});
