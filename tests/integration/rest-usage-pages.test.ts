/**
 * The default usage rows over REST are paged by whole local days (issue 19): a page holds the newest days that fit
 * in USAGE_PAGE_ROWS rows, a Link rel="next" names the next page (same path and query, `before` set) while older
 * days of the window remain, and the pages, JSON or CSV, are together every row of the window, none folded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPricer } from '../../server/pricing';
import {
  collapseByKey,
  lockRuntimes,
  registerRuntimes,
  USAGE_PAGE_ROWS,
  writeUsageEvents,
} from '../../server/store';
import { USAGE_SNAPSHOT_HEADER } from '../../shared';
import { QUIET_BACKGROUND, startTestHub, type TestHub } from '../helpers/hub';
import { rest } from '../helpers/rest';

const RUNTIMES = 40;
const MODELS = 20;
const DAYS = 10;
const DAY_MS = 86_400_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface Row {
  runtime_id: string;
  date: string;
  model: string;
  input_tokens: number;
}

describe('paged default usage rows over REST', () => {
  let hub: TestHub;
  let runtimeIds: string[];
  const now = Date.now();
  const today = dateOf(now);

  beforeAll(async () => {
    // Quiet background: the file counts statements, and a retention round (5 statements, 30–60 s after start) landed
    // inside a count on a loaded host (a cached first page read 7 statements for 2).
    hub = await startTestHub({ config: QUIET_BACKGROUND });
    runtimeIds = [];
    for (let start = 0; start < RUNTIMES; start += 20) {
      const rts = await registerRuntimes(
        hub.db,
        hub.workspaceId,
        {
          daemon_id: crypto.randomUUID(),
          device_info: 'box',
          runtimes: Array.from({ length: 20 }, (_, i) => ({
            provider: `p${start + i}`,
            name: 'r',
            runtime_mode: 'local' as const,
          })),
        },
        'test',
      );
      runtimeIds.push(...rts.map((r) => r.id));
    }
    // 800 rows a day (40 runtimes × 20 models) over 10 UTC days: 8,000 rows, more than one page holds.
    for (const [r, runtimeId] of runtimeIds.entries())
      await hub.db.transaction(async (tx) => {
        await lockRuntimes(tx, [runtimeId]);
        const events = Array.from({ length: DAYS * MODELS }, (_, n) => ({
          runtime_id: runtimeId,
          id: `e-${r}-${n}`,
          ts: new Date(
            Date.parse(`${dateOf(now - Math.floor(n / MODELS) * DAY_MS)}T00:00:00Z`) + 60_000,
          ).toISOString(),
          provider: 'claude',
          model: `m-${n % MODELS}`,
          input_tokens: 1 + r + n,
          output_tokens: 0,
          cache_read_tokens: 0,
          cache_write_tokens: 0,
        }));
        await writeUsageEvents(tx, collapseByKey(events), createPricer());
      });
  }, 120_000);
  afterAll(() => hub.destroy());

  const get = (path: string) => rest<Row[]>(`${hub.url}${path}`, { token: hub.memberToken });
  const nextOf = (link: string | null) => link && /^<([^>]+)>; rel="next"$/.exec(link)![1]!;

  it('pages the workspace by whole days within the bound, Link rel="next" until the last page', async () => {
    const first = await get('/api/usage?days=30&tz=UTC');
    expect(first.status).toBe(200);
    expect(first.headers.get(USAGE_SNAPSHOT_HEADER)).toBeTruthy();
    // 2 days of 800 rows fit in 2,000, 3 do not.
    expect(first.body).toHaveLength(2 * 800);
    expect(new Set(first.body.map((r) => r.date)).size).toBe(2);
    expect(first.body[0]!.date).toBe(today);
    const oldest = dateOf(now - 1 * DAY_MS);
    expect(first.headers.get('link')).toBe(`</api/usage?days=30&tz=UTC&before=${oldest}>; rel="next"`);
    expect(first.text.length).toBeLessThan(2 * 1024 * 1024);

    const pages = [first];
    for (let link = first.headers.get('link'); link !== null; link = pages.at(-1)!.headers.get('link')) {
      const page = await get(nextOf(link)!);
      expect(page.status).toBe(200);
      expect(page.body.every((r) => r.date < pages.at(-1)!.body.at(-1)!.date)).toBe(true);
      pages.push(page);
    }
    expect(pages.map((p) => p.body.length)).toEqual([1600, 1600, 1600, 1600, 1600]);
    const second = pages[1]!;
    // Every row of every runtime, none folded into another runtime or model.
    const all = pages.flatMap((p) => p.body);
    expect(all.length).toBeLessThanOrEqual(DAYS * RUNTIMES * MODELS);
    expect(new Set(all.map((r) => `${r.runtime_id}/${r.date}/${r.model}`)).size).toBe(
      DAYS * RUNTIMES * MODELS,
    );
    expect(new Set(all.map((r) => r.runtime_id))).toEqual(new Set(runtimeIds));
    expect(all.reduce((s, r) => s + r.input_tokens, 0)).toBe(
      runtimeIds.reduce(
        (s, _, r) =>
          s + Array.from({ length: DAYS * MODELS }, (_, n) => 1 + r + n).reduce((a, b) => a + b, 0),
        0,
      ),
    );
    expect(USAGE_PAGE_ROWS).toBe(2_000);

    // The same page again, and the first page is still the first. Only the first page is kept by the history
    // cache (a hit costs the token's and the version's statements): a later page is read afresh — a walk of a year's pages is three times the
    // cache, and caching them left the hub 100 MB larger (regression: walk-pages-not-cached).
    const statementsOf = async (path: string) => {
      const before = hub.db.statementCount();
      const res = await get(path);
      return { body: res.body, statements: hub.db.statementCount() - before };
    };
    const again = await statementsOf(nextOf(first.headers.get('link'))!);
    expect(again.body).toEqual(second.body);
    const firstAgain = await statementsOf('/api/usage?days=30&tz=UTC');
    expect(firstAgain.body).toEqual(first.body);
    expect(firstAgain.statements).toBeLessThanOrEqual(2);
    expect(again.statements).toBeGreaterThan(firstAgain.statements + 2);
  });

  it('keeps every other parameter in the link, and CSV pages hold the same rows', async () => {
    const first = await rest(`${hub.url}/api/usage?format=csv&days=30`, { token: hub.memberToken });
    expect(first.status).toBe(200);
    const link = nextOf(first.headers.get('link'))!;
    expect(link).toBe(`/api/usage?format=csv&days=30&before=${dateOf(now - 1 * DAY_MS)}`);
    const second = await rest(`${hub.url}${link}`, { token: hub.memberToken });
    expect(nextOf(second.headers.get('link'))).toBe(
      `/api/usage?format=csv&days=30&before=${dateOf(now - 3 * DAY_MS)}`,
    );
    const lines = (text: string) => text.trim().split('\n');
    expect(lines(first.text)).toHaveLength(1 + 2 * 800);
    expect(lines(second.text)).toHaveLength(1 + 2 * 800);
    expect(lines(second.text)[0]).toBe(lines(first.text)[0]);
    // A `before` given by the client is replaced, not repeated.
    const again = await get(`/api/usage?before=${today}&days=30&tz=UTC`);
    expect(nextOf(again.headers.get('link'))).toBe(
      `/api/usage?before=${dateOf(now - 2 * DAY_MS)}&days=30&tz=UTC`,
    );
    expect(again.body).toHaveLength(2 * 800);
  });

  it("answers one runtime's window in one page (20 rows a day)", async () => {
    const res = await get(`/api/runtimes/${runtimeIds[3]}/usage?days=30`);
    expect(res.status).toBe(200);
    expect(res.headers.get('link')).toBeNull();
    expect(res.body).toHaveLength(DAYS * MODELS);
  });

  it("answers [] for a before at or before the window's first day", async () => {
    const firstDay = dateOf(now - 29 * DAY_MS);
    for (const before of [firstDay, '2001-01-01']) {
      const res = await get(`/api/usage?days=30&before=${before}`);
      expect({ status: res.status, body: res.body, link: res.headers.get('link') }).toEqual({
        status: 200,
        body: [],
        link: null,
      });
    }
  });

  it('documents before and the Link header in OpenAPI', async () => {
    const doc = (await rest(`${hub.url}/api/openapi.json`)).body;
    for (const path of ['/api/usage', '/api/runtimes/{id}/usage']) {
      const get = doc.paths[path].get;
      expect(
        get.parameters.some((p: { name: string; in: string }) => p.name === 'before' && p.in === 'query'),
      ).toBe(true);
      expect(get.responses['200'].headers.Link.description).toContain('rel="next"');
      expect(get.summary).toContain('Paged by whole local days');
    }
  });

  it('rejects a bad before, and before with group_by, with 400 naming the field', async () => {
    for (const before of ['2026-02-30', 'yesterday', '2026-1-01']) {
      const res = await get(`/api/usage?days=30&before=${before}`);
      expect({ status: res.status, body: res.body }).toEqual({
        status: 400,
        body: { error: 'before: expected a calendar date YYYY-MM-DD', code: 'invalid_payload' },
      });
    }
    const grouped = await get(`/api/usage?days=30&group_by=model&before=${today}`);
    expect({ status: grouped.status, body: grouped.body }).toEqual({
      status: 400,
      body: { error: 'before: pages only the default rows, not group_by answers', code: 'invalid_payload' },
    });
    // The grouped answers are not paged.
    expect((await get('/api/usage?days=30&group_by=runtime')).headers.get('link')).toBeNull();
  });
});
