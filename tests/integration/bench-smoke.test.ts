/**
 * Keeps the benchmark harness working: the whole suite at a tiny scale (real hub processes, Postgres, Redis,
 * load generators), then checks that every call was acked ok, that counts match end to end, and that the result
 * JSON has every row. No timing is asserted: the numbers of a tiny run mean nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/measured';
import { stopAll } from '../../bench/processes';
import { writeResult } from '../../bench/report';
import { buildRows } from '../../bench/rows';
import { SCALES } from '../../bench/scale';
import type { IngestRun } from '../../bench/scenarios/ingest';
import { runSuite } from '../../bench/suite';

const scale = SCALES.tiny;
let result: BenchResult;
const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));

beforeAll(async () => {
  result = await runSuite(scale, { build: false });
}, 120_000);

afterAll(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

const allAckedOk = (runs: IngestRun[] | undefined) => {
  expect(runs?.map((r) => r.variant)).toEqual(scale.ingest.variants);
  for (const { eventsPerCall, result: r } of runs ?? []) {
    expect(r.errors).toEqual({});
    expect(r.sockets).toBe(scale.ingest.sockets);
    expect(r.calls).toBe(scale.ingest.totalCalls);
    expect(r.okCalls).toBe(r.calls);
    expect(r.okEvents).toBe(r.calls * eventsPerCall);
  }
};
const ackedEvents = (runs: IngestRun[] | undefined) =>
  (runs ?? []).reduce((s, r) => s + r.result.okEvents, 0);

describe('bench harness at a tiny scale', () => {
  it('runs every scenario without a failure', () => {
    expect(result.errors).toEqual({});
  });

  it('acks every call ok on the bare server, the seed-pattern server and the hub', () => {
    allAckedOk(result.measured.ceiling);
    allAckedOk(result.measured.seed?.runs);
    allAckedOk(result.measured.hub?.runs);
  });

  it('finds in Postgres exactly the events that were acked', () => {
    expect(result.measured.seed?.rowsWritten).toBe(ackedEvents(result.measured.seed?.runs));
    expect(result.measured.hub?.rowsWritten).toBe(ackedEvents(result.measured.hub?.runs));
  });

  it('delivers every event to every dashboard, on one node and across two nodes on Redis', () => {
    const latency = (result.measured.latency ?? []).map((l) => l.result);
    const runs = [...(result.measured.fanout ?? []), ...latency];
    expect(runs).toHaveLength(scale.fanout.dashboards.length + scale.latency.ratesPerS.length);
    for (const f of runs) {
      expect(f?.producerErrors).toEqual({});
      expect(f?.connected).toBe(f?.dashboards);
      expect(f?.complete).toBe(true);
      expect(f?.deltas).toBe(f?.expectedDeltas);
      expect(f?.p99Ms).not.toBeNull();
    }
    expect(result.measured.fanout?.[0]?.eventsAcked).toBe(scale.fanout.events);
    expect(result.measured.latency?.map((l) => l.result.eventsAcked)).toEqual(
      scale.latency.ratesPerS.map((rate) => rate * scale.latency.durationS),
    );
  });

  it('holds every idle connection it asked for and reads the hub memory', () => {
    const steps = result.measured.connections?.steps ?? [];
    expect(steps.map((s) => [s.target, s.held, s.failed])).toEqual(
      scale.connections.steps.map((n) => [n, n, 0]),
    );
    expect(steps.every((s) => s.rssKb > 0)).toBe(true);
  });

  it('times commits of every batch size, each with its statements counted', () => {
    const commit = result.measured.commit ?? [];
    expect(commit.map((c) => [c.size, c.samples])).toEqual(
      scale.commit.batchSizes.map((n) => [n, scale.commit.samples]),
    );
    for (const c of commit) {
      expect(c.p50Ms).toBeGreaterThan(0);
      expect(c.statementsPerCommit).toBeGreaterThanOrEqual(1);
    }
  });

  it('answers every REST history request with 200 and rows', () => {
    const rest = result.measured.rest;
    expect(rest?.rows).toBeGreaterThan(0);
    expect(rest?.latency).toMatchObject({ requests: scale.rest.amount, non2xx: 0, errors: 0 });
    expect(rest?.throughput).toMatchObject({ requests: scale.rest.amount, non2xx: 0, errors: 0 });
  });

  it('answers every REST history request by attribution with 200 and rows', () => {
    const a = result.measured.attribution;
    // 2 days × 20 users × 10 sessions × 8 models.
    expect(a?.events).toBe(scale.attribution.days * 20 * 10 * 8);
    expect(a?.rollupRows).toBeGreaterThan(0);
    expect(a?.views.map((v) => v.id)).toEqual(['default', 'project', 'user']);
    for (const v of a?.views ?? []) {
      expect(v).toMatchObject({ requests: scale.attribution.amount, non2xx: 0, errors: 0 });
      expect(v.rows).toBeGreaterThan(0);
      expect(v.coldMs.length).toBeGreaterThan(0);
    }
  });

  it('writes a result JSON with every row of the summary', () => {
    const file = join(dir, 'latest.json');
    writeResult(result, file);
    const written = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
    const expected = buildRows(scale, {}).map((r) => r.id);
    expect(written.rows.map((r) => r.id)).toEqual(expected);
    const unmeasured = written.rows.filter((r) => r.value === null).map((r) => r.id);
    // The browser is skipped at this scale; the bundle size needs a built web/dist (npm test builds it first).
    expect(unmeasured).toContain('web_charts');
    expect(unmeasured).toContain('web_charts_returning');
    const browserRows = ['web_charts', 'web_charts_returning', 'web_js_gzip'];
    expect(unmeasured.filter((id) => !browserRows.includes(id))).toEqual([]);
  });
});
