/**
 * Migration 013 puts the runtime levels behind a watermark at the current UTC hour: the levels held every hour,
 * also the open one and future ones (clock skew). Afterwards the levels hold no hour at or after the watermark, the
 * watermark's date holds only its earlier hours, and the runtime views still sum to the quarter-hour rollup per
 * runtime × UTC hour or date × provider × model.
 */
import { describe, expect, it } from 'vitest';
import { migrate } from '../../server/store';
import { ROLLUP_SUMS } from '../../server/store/usage-columns';
import { databaseKinds, workspaceWithRuntime } from '../helpers/databases';

const asText = ROLLUP_SUMS.map((c) => `sum(${c})::text AS ${c}`).join(', ');

describe.each(databaseKinds)('migration 013 (runtime levels watermark) on %s', (_kind, open) => {
  it('moves the open and future hours out of the runtime levels, exactly', async () => {
    const { db, close } = await open('012_events_fillfactor.sql');
    try {
      const runtimeId = await workspaceWithRuntime(db, 'before 013');
      // Quarter-hour rows from two days ago to a day ahead, and the levels holding all of them, as 012 kept them.
      await db.query(
        `INSERT INTO usage_quarter (runtime_id, bucket, provider, model, project, user_name, session_id,
                                    ${ROLLUP_SUMS.join(', ')})
         SELECT $1, date_trunc('hour', now(), 'UTC') - interval '48 hours' + g * interval '15 minutes', 'claude',
                CASE WHEN g % 3 = 0 THEN 'mystery-model' ELSE 'claude-sonnet-4-5' END, 'p-' || (g % 2), '', '',
                100 + g, 10 * g, 1000, g % 2, CASE WHEN g % 3 = 0 THEN 0 ELSE (g + 1) / 1000.0 END,
                CASE WHEN g % 4 = 0 THEN 1000 ELSE 0 END, CASE WHEN g % 3 = 0 THEN 1111 + 11 * g ELSE 0 END
         FROM generate_series(0, 72 * 4 - 1) AS g`,
        [runtimeId],
      );
      await db.exec(`
        INSERT INTO usage_runtime_hourly
        SELECT runtime_id, date_trunc('hour', bucket, 'UTC'), provider, model, ${ROLLUP_SUMS.map((c) => `sum(${c})`).join(', ')}
        FROM usage_quarter GROUP BY 1, 2, 3, 4;
        INSERT INTO usage_runtime_daily
        SELECT runtime_id, (hour AT TIME ZONE 'UTC')::date, provider, model, ${ROLLUP_SUMS.map((c) => `sum(${c})`).join(', ')}
        FROM usage_runtime_hourly GROUP BY 1, 2, 3, 4;`);
      const [future] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM usage_runtime_hourly WHERE hour >= date_trunc('hour', now(), 'UTC')`,
      );
      expect(future!.n).toBeGreaterThan(40);

      expect(await migrate(db, '013_runtime_levels_from.sql')).toEqual(['013_runtime_levels_from.sql']);

      const [left] = await db.query<{ hourly: number; daily: number; at: boolean }>(
        `SELECT (SELECT count(*) FROM usage_runtime_hourly_rolled WHERE hour >= l.levels_from)::int AS hourly,
                (SELECT count(*) FROM usage_runtime_daily_rolled
                 WHERE day > (l.levels_from AT TIME ZONE 'UTC')::date)::int AS daily,
                l.levels_from = date_trunc('hour', now(), 'UTC') AS at
         FROM usage_runtime_levels l`,
      );
      expect(left).toEqual({ hourly: 0, daily: 0, at: true });
      for (const [view, time] of [
        ['usage_runtime_hourly', "date_trunc('hour', bucket, 'UTC')"],
        ['usage_runtime_daily', "(bucket AT TIME ZONE 'UTC')::date"],
      ] as const) {
        const column = view.includes('hourly') ? 'hour' : 'day';
        const stored = await db.query(
          `SELECT runtime_id, ${column}::text AS t, provider, model, ${asText} FROM ${view}
           GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
        );
        const want = await db.query(
          `SELECT runtime_id, ${time}::text AS t, provider, model, ${asText} FROM usage_quarter
           GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
        );
        expect(stored.length).toBeGreaterThan(column === 'hour' ? 100 : 5);
        expect({ view, stored }).toEqual({ view, stored: want });
      }
    } finally {
      await close();
    }
  });
});
