/**
 * Migration 010 fills the per-runtime rollups from the quarter-hour rollup (which also holds events retention has
 * deleted): afterwards each equals the quarter-hour rows summed per runtime × UTC hour or date × provider × model,
 * and the runtime's view read from them equals the same view read from the quarter-hour rollup.
 */
import { describe, expect, it } from 'vitest';
import { historyWindow } from '../../server/http/history-window';
import { fineSource, migrate, usageByDay } from '../../server/store';
import { ROLLUP_SUMS } from '../../server/store/usage-columns';
import { databaseKinds, workspaceWithRuntime } from '../helpers/databases';

const asText = ROLLUP_SUMS.map((c) => `sum(${c})::text AS ${c}`).join(', ');

describe.each(databaseKinds)('migration 010 (runtime rollups) on %s', (_kind, open) => {
  it('fills the hourly and daily runtime rollups from usage_quarter exactly', async () => {
    const { db, close } = await open('009_quarter_bucket_brin.sql');
    try {
      const runtimeId = await workspaceWithRuntime(db, 'before 010');
      const [{ workspace_id: workspaceId }] = (await db.query<{ workspace_id: string }>(
        'SELECT workspace_id FROM runtimes WHERE id = $1',
        [runtimeId],
      )) as [{ workspace_id: string }];
      // Quarter-hour rows of three days as 009's writer kept them: two models, two projects, cost of each kind.
      await db.query(
        `INSERT INTO usage_quarter (runtime_id, bucket, provider, model, project, user_name, session_id,
                                    ${ROLLUP_SUMS.join(', ')})
         SELECT $1, timestamptz '2026-03-07 00:00:00+00' + g * interval '15 minutes', 'claude',
                CASE WHEN g % 3 = 0 THEN 'mystery-model' ELSE 'claude-sonnet-4-5' END, 'p-' || (g % 2), '', '',
                100 + g, 10 * g, 1000, g % 2, CASE WHEN g % 3 = 0 THEN 0 ELSE (g + 1) / 1000.0 END,
                CASE WHEN g % 4 = 0 THEN 1000 ELSE 0 END, CASE WHEN g % 3 = 0 THEN 1111 + 11 * g ELSE 0 END
         FROM generate_series(0, 3 * 96 - 1) AS g`,
        [runtimeId],
      );
      const w = historyWindow(7, 'Asia/Kathmandu', new Date('2026-03-10T12:00:00Z'));
      const before = await usageByDay(db, workspaceId, runtimeId, w, {}, fineSource);
      expect(before.length).toBe(8); // 4 local days (the UTC days straddle them) × 2 models

      // Through 010 only: later migrations are not this test's.
      expect(await migrate(db, '010_runtime_rollups.sql')).toEqual(['010_runtime_rollups.sql']);

      for (const [table, time] of [
        ['usage_runtime_hourly', "date_trunc('hour', bucket, 'UTC')"],
        ['usage_runtime_daily', "(bucket AT TIME ZONE 'UTC')::date"],
      ] as const) {
        const column = table.endsWith('hourly') ? 'hour' : 'day';
        const stored = await db.query(
          `SELECT runtime_id, ${column}::text AS t, provider, model, ${asText} FROM ${table}
           GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
        );
        const want = await db.query(
          `SELECT runtime_id, ${time}::text AS t, provider, model, ${asText} FROM usage_quarter
           GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
        );
        expect(stored).toHaveLength(table.endsWith('hourly') ? 72 * 2 : 3 * 2);
        expect({ table, stored }).toEqual({ table, stored: want });
      }
      // The views read from them come with the later migrations (013: the levels' watermark).
      await migrate(db);
      expect(await usageByDay(db, workspaceId, runtimeId, w)).toEqual(before);
    } finally {
      await close();
    }
  });
});
