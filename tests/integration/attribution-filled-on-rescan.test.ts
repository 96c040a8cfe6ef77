/**
 * Regression: events stored before the daemon sent attribution stayed unattributed for good. A rescan sends the
 * same ids with the same totals, now naming their project, user and session, and the stored row won every tie.
 * An equal snapshot that names what the stored row does not now fills it in; anything else about ties is as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPricer } from '../../server/pricing';
import {
  collapseByKey,
  type Database,
  type HourDelta,
  lockRuntimes,
  type RuntimeUsageEvent,
  writeUsageEvents,
} from '../../server/store';
import type { UsageEvent } from '../../shared';
import { databaseKinds, workspaceWithRuntime } from '../helpers/databases';

const base: UsageEvent = {
  id: 'msg_1:req_1',
  ts: '2026-05-04T10:20:00.000Z',
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: 100,
  output_tokens: 20,
  cache_read_tokens: 300,
  cache_write_tokens: 4,
};
const named = { project: 'api', user: 'ana', session_id: 's-1' };

describe.each(databaseKinds)('attribution filled in on a rescan, on %s', (_kind, open) => {
  let db: Database;
  let close: () => Promise<void>;
  let runtimeId: string;
  const pricer = createPricer();

  beforeAll(async () => {
    ({ db, close } = await open());
    runtimeId = await workspaceWithRuntime(db, 'rescan');
  });
  afterAll(() => close());

  const write = (events: UsageEvent[]): Promise<HourDelta[]> =>
    db.transaction(async (tx) => {
      await lockRuntimes(tx, [runtimeId]);
      const rows: RuntimeUsageEvent[] = events.map((e) => ({ ...e, runtime_id: runtimeId }));
      return writeUsageEvents(tx, collapseByKey(rows), pricer);
    });

  /** The rollup's non-empty rows: attribution key and input tokens. */
  const rollup = () =>
    db.query<{ project: string; user_name: string; session_id: string; input_tokens: number }>(
      `SELECT project, user_name, session_id, input_tokens::float8 AS input_tokens FROM usage_quarter
       WHERE runtime_id = $1 AND input_tokens <> 0 ORDER BY project`,
      [runtimeId],
    );

  it('moves the tokens of an unattributed event to the project, user and session a same-total re-send names', async () => {
    expect((await write([base])).map((d) => d.input_tokens)).toEqual([100]);
    const moved = await write([{ ...base, ...named }]);
    expect(
      moved
        .map((d) => ({ project: d.project, user: d.user_name, session: d.session_id, input: d.input_tokens }))
        .sort((a, b) => a.input - b.input),
    ).toEqual([
      { project: '', user: '', session: '', input: -100 },
      { project: 'api', user: 'ana', session: 's-1', input: 100 },
    ]);
    expect(await rollup()).toEqual([
      { project: 'api', user_name: 'ana', session_id: 's-1', input_tokens: 100 },
    ]);
    const [stored] = await db.query<{ project: string; user_name: string; session_id: string }>(
      'SELECT project, user_name, session_id FROM usage_events WHERE runtime_id = $1',
      [runtimeId],
    );
    expect(stored).toEqual({ project: 'api', user_name: 'ana', session_id: 's-1' });
  });

  it('keeps the stored attribution against an equal re-send naming another, or none', async () => {
    expect(await write([{ ...base, project: 'web', user: 'bo', session_id: 's-2' }])).toEqual([]);
    expect(await write([base])).toEqual([]);
    expect(await rollup()).toEqual([
      { project: 'api', user_name: 'ana', session_id: 's-1', input_tokens: 100 },
    ]);
  });

  it('takes the attributed copy of two equal ones in one batch, whichever came first', async () => {
    const second = { ...base, id: 'msg_2:req_2' };
    await write([second, { ...second, project: 'cli' }]);
    expect(await rollup()).toEqual([
      { project: 'api', user_name: 'ana', session_id: 's-1', input_tokens: 100 },
      { project: 'cli', user_name: '', session_id: '', input_tokens: 100 },
    ]);
  });
});
