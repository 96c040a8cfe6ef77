/**
 * The activity route's answers (tasks by local hour), cached like the usage views: keyed by the runtime, its task
 * version and the window. Every task write bumps the version in its own statement, and a computed answer's version
 * is read in the snapshot of its rows, so a hit is exactly what a fresh read would return at the snapshot it was
 * read at (which it carries: no task write of the runtime has committed since, or the version would differ).
 */
import type { ActivityRow, HistoryQuery } from '../../shared';
import { HubError } from '../errors';
import { activityByHour, type Database, readAtSnapshot, taskVersionAt } from '../store';
import { type CachedAnswer, HistoryCache } from './history-cache';
import { historyWindow, inZone } from './history-window';

/** An answer is 24 small rows (~4 KB weighed): this holds a few hundred runtimes × windows. */
const ACTIVITY_CACHE_BYTES = 2 * 1024 * 1024;

/** What the activity route answers: the 24 rows and the snapshot they were read at. */
export type ActivityAnswer = Required<Pick<CachedAnswer<ActivityRow[]>, 'value' | 'snapshot'>>;

export function activityAnswers(db: Database) {
  const cache = new HistoryCache<ActivityRow[]>(ACTIVITY_CACHE_BYTES);

  return async (
    workspaceId: string,
    runtimeId: string,
    query: Pick<HistoryQuery, 'days' | 'tz'>,
  ): Promise<ActivityAnswer> => {
    const at = await taskVersionAt(db, workspaceId, runtimeId);
    if (at === undefined) throw new HubError('not_found', 'runtime not found');
    // The zone is looked at once the runtime is known to be the workspace's (a stranger's id is a 404 first).
    const window = historyWindow(query.days, query.tz);
    const keyAt = (version: string) =>
      JSON.stringify([runtimeId, version, window.startDate, window.endDate, window.tz]);
    const hit = cache.get(keyAt(at.version));
    if (hit?.snapshot) return { value: hit.value, snapshot: hit.snapshot };
    // Rows, task version and snapshot of one moment: the page counts a live task push only when its commit is not
    // in them, and the version keys the rows for as long as no task write of the runtime commits.
    const read = await inZone(() =>
      readAtSnapshot(db, workspaceId, runtimeId, async (tx) => ({
        version: (await taskVersionAt(tx, workspaceId, runtimeId))!.version,
        rows: await activityByHour(tx, runtimeId, window),
      })),
    );
    if (read === undefined) throw new HubError('not_found', 'runtime not found');
    cache.set(keyAt(read.value.version), read.value.rows, read.snapshot);
    return { value: read.value.rows, snapshot: read.snapshot };
  };
}
