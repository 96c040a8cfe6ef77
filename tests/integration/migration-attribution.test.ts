import { describe, expect, it } from 'vitest';
import { historyWindow } from '../../server/http/history-window';
import { createPricer } from '../../server/pricing';
import { lockRuntimes, migrate, usageByDay, usageByGroup, writeUsageEvents } from '../../server/store';
import { databaseKinds, workspaceWithRuntime } from '../helpers/databases';

const KINDS = 'input_tokens, output_tokens, cache_read_tokens, cache_write_tokens';

describe.each(databaseKinds)('migration 006 (attribution) on %s', (_kind, open) => {
  it('rebuilds usage_quarter from the stored events exactly and drops usage_hourly', async () => {
    const { db, close } = await open('005_event_cost.sql');
    try {
      const runtimeId = await workspaceWithRuntime(db, 'before 006');
      const [{ workspace_id: workspaceId }] = (await db.query<{ workspace_id: string }>(
        'SELECT workspace_id FROM runtimes WHERE id = $1',
        [runtimeId],
      )) as [{ workspace_id: string }];
      // Events of one hour spread over its quarters, with table, agent and unknown costs, as 005 stored them;
      // and the hourly rollup as the writer of 005 kept it.
      const events = Array.from({ length: 24 }, (_, i) => ({
        id: `old-${i}`,
        ts: new Date(Date.parse('2026-05-03T09:00:00Z') + i * 7 * 60_000).toISOString(),
        model: i % 3 === 0 ? 'mystery-model' : 'claude-sonnet-4-5',
        counts: [100 + i, 10 * i, 1000, i % 2],
        cost: i % 3 === 0 ? null : (i + 1) / 1000,
        source: i % 3 === 0 ? null : i % 4 === 0 ? 'agent' : 'table',
      }));
      for (const e of events)
        await db.query(
          `INSERT INTO usage_events (runtime_id, id, ts, provider, model, ${KINDS}, cost_usd, cost_source)
           VALUES ($1, $2, $3, 'claude', $4, $5, $6, $7, $8, $9, $10)`,
          [runtimeId, e.id, e.ts, e.model, ...e.counts, e.cost, e.source],
        );
      await db.query(
        `INSERT INTO usage_hourly (runtime_id, hour, provider, model, ${KINDS}, cost_usd, agent_tokens, unpriced_tokens)
         SELECT runtime_id, date_trunc('hour', ts, 'UTC'), provider, model, sum(input_tokens), sum(output_tokens),
                sum(cache_read_tokens), sum(cache_write_tokens), sum(coalesce(cost_usd, 0)),
                sum(CASE WHEN cost_source = 'agent' THEN ${KINDS.replaceAll(', ', ' + ')} ELSE 0 END),
                sum(CASE WHEN cost_usd IS NULL THEN ${KINDS.replaceAll(', ', ' + ')} ELSE 0 END)
         FROM usage_events GROUP BY 1, 2, 3, 4`,
      );
      const rollupColumns = `${KINDS}, cost_usd, agent_tokens, unpriced_tokens`;
      const asText = rollupColumns
        .split(', ')
        .map((c) => `sum(${c})::text AS ${c}`)
        .join(', ');
      const hourly = await db.query(
        `SELECT hour, provider, model, ${asText} FROM usage_hourly GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      );
      expect(hourly).toHaveLength(6); // 09:00, 10:00 and 11:00 (events run to 11:41), two models each

      expect(await migrate(db)).toContain('006_attribution.sql');

      const quarters = await db.query<{
        bucket: Date;
        project: string;
        user_name: string;
        session_id: string;
      }>(
        `SELECT bucket, project, user_name, session_id, count(*)::int AS n FROM usage_quarter
         GROUP BY 1, 2, 3, 4 ORDER BY 1`,
      );
      // 24 events 7 minutes apart from 09:00 cover the 11 quarters of 09:00–11:30, none attributed.
      expect(
        quarters.map((q) => [q.bucket.toISOString().slice(11, 16), q.project, q.user_name, q.session_id]),
      ).toEqual(
        [
          '09:00',
          '09:15',
          '09:30',
          '09:45',
          '10:00',
          '10:15',
          '10:30',
          '10:45',
          '11:00',
          '11:15',
          '11:30',
        ].map((t) => [t, '', '', '']),
      );
      const rebuilt = await db.query(
        `SELECT date_trunc('hour', bucket, 'UTC') AS hour, provider, model, ${asText}
         FROM usage_quarter GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      );
      expect(rebuilt).toEqual(hourly);
      const [gone] = await db.query<{ t: string | null }>("SELECT to_regclass('usage_hourly')::text AS t");
      expect(gone!.t).toBeNull();

      // The new writer replaces an old event: the difference leaves its quarter, and the views agree.
      const deltas = await db.transaction(async (tx) => {
        await lockRuntimes(tx, [runtimeId]);
        return writeUsageEvents(
          tx,
          [
            {
              runtime_id: runtimeId,
              id: 'old-1',
              ts: events[1]!.ts,
              provider: 'claude',
              model: 'claude-sonnet-4-5',
              input_tokens: 10_000,
              output_tokens: 0,
              cache_read_tokens: 0,
              cache_write_tokens: 0,
              project: 'now-known',
            },
          ],
          createPricer(),
        );
      });
      expect(deltas.map((d) => [d.at.toISOString(), d.project, d.input_tokens]).sort()).toEqual([
        ['2026-05-03T09:00:00.000Z', '', -101],
        ['2026-05-03T09:00:00.000Z', 'now-known', 10_000],
      ]);
      const window = historyWindow(2, 'UTC', new Date('2026-05-03T20:00:00Z'));
      const byDay = await usageByDay(db, workspaceId, null, window);
      const sum = events.reduce((s, e) => s + e.counts[0]!, 0) - 101 + 10_000;
      expect(byDay.reduce((s, r) => s + r.input_tokens, 0)).toBe(sum);
      const byProject = await usageByGroup(db, workspaceId, null, window, 'project');
      expect(byProject.map((r) => [r.key, r.input_tokens])).toEqual([
        ['(none)', sum - 10_000],
        ['now-known', 10_000],
      ]);
    } finally {
      await close();
    }
  });
});
