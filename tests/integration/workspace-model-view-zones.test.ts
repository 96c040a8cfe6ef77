/**
 * The workspace's model view, read from the workspace rollups (daily where a local day is a UTC day, hourly
 * elsewhere, quarter-hours for the hour that holds a local midnight of a 30- or 45-minute zone), answers exactly
 * the sums of the events by their local day, computed here with Intl alone: across DST changes (Los Angeles,
 * London, Adelaide; Santiago and Havana, whose clocks change at local midnight) and in half- and three-quarter-hour
 * zones (Kolkata, Kathmandu); the runtime's view (read from the quarter-hour rollup) agrees with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyWindow } from '../../server/http/history-window';
import { createPricer } from '../../server/pricing';
import {
  collapseByKey,
  type Database,
  lockRuntimes,
  type RuntimeUsageEvent,
  usageByDay,
  usageByGroup,
  writeUsageEvents,
} from '../../server/store';
import { TOKEN_KINDS, type UsageEvent } from '../../shared';
import { databaseKinds, intlLocalDate, workspaceWithRuntime } from '../helpers/databases';

const ZONES = [
  'UTC',
  'Europe/London',
  'America/Los_Angeles',
  'Australia/Adelaide',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  // Clocks go back at local midnight (00:00 Sunday 5 April 2026 becomes 23:00 Saturday): Saturday is 25 hours.
  'America/Santiago',
  // Local midnight does not exist (00:00 Sunday 8 March 2026 becomes 01:00): the day starts at 01:00.
  'America/Havana',
];
const MODELS = ['claude-sonnet-4-5', 'claude-haiku-4-5', 'gpt-5'];
const START = Date.parse('2026-03-01T00:00:00Z');
/** Every 37 minutes for 40 days: across three DST changes, at every minute offset of a quarter-hour. */
const EVENTS: UsageEvent[] = Array.from({ length: Math.floor((40 * 24 * 60) / 37) }, (_, n) => ({
  id: `z-${n}`,
  ts: new Date(START + n * 37 * 60_000).toISOString(),
  provider: n % 3 === 2 ? 'codex' : 'claude',
  model: MODELS[n % 3]!,
  input_tokens: 1 + (n % 11),
  output_tokens: 2 * n,
  cache_read_tokens: 1000 + n,
  cache_write_tokens: n % 5,
}));
const NOW = new Date('2026-04-09T12:00:00Z');

/** tokens per `${date}|${model}` of the events, by their local date in tz (Intl). */
function expected(tz: string, first: string, last: string): Map<string, number[]> {
  const sums = new Map<string, number[]>();
  for (const e of EVENTS) {
    const date = intlLocalDate(e.ts, tz);
    if (date < first || date > last) continue;
    const key = `${date}|${e.model}`;
    const s = sums.get(key) ?? [0, 0, 0, 0];
    TOKEN_KINDS.forEach((k, i) => {
      s[i]! += e[k];
    });
    sums.set(key, s);
  }
  return sums;
}

describe.each(databaseKinds)('the workspace model view from its rollups on %s', (_kind, open) => {
  let db: Database;
  let close: () => Promise<void>;
  let workspaceId: string;
  let runtimeId: string;

  beforeAll(async () => {
    ({ db, close } = await open());
    runtimeId = await workspaceWithRuntime(db, 'zones');
    const [row] = await db.query<{ workspace_id: string }>(
      'SELECT workspace_id FROM runtimes WHERE id = $1',
      [runtimeId],
    );
    workspaceId = row!.workspace_id;
    await db.transaction(async (tx) => {
      await lockRuntimes(tx, [runtimeId]);
      const rows: RuntimeUsageEvent[] = EVENTS.map((e) => ({ ...e, runtime_id: runtimeId }));
      await writeUsageEvents(tx, collapseByKey(rows), createPricer());
    });
  });
  afterAll(() => close());

  it.each(ZONES)(
    'sums each local day of %s exactly, for the runtime and the workspace model view',
    async (tz) => {
      const w = historyWindow(45, tz, NOW);
      const want = expected(tz, w.startDate, w.endDate);
      expect(want.size).toBeGreaterThan(100);

      const byRuntime = await usageByDay(db, workspaceId, runtimeId, w);
      const got = new Map(byRuntime.map((r) => [`${r.date}|${r.model}`, TOKEN_KINDS.map((k) => r[k])]));
      expect(got).toEqual(want);

      const byModel = await usageByGroup(db, workspaceId, null, w, 'model');
      const gotModel = new Map(byModel.map((r) => [`${r.date}|${r.key}`, TOKEN_KINDS.map((k) => r[k])]));
      expect(gotModel).toEqual(want);
    },
  );
});
