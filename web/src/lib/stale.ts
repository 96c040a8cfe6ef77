/**
 * "No data for 10 min": an online runtime from which no usage delta arrived for ten minutes while this page
 * watched. Time before the page opened (or the runtime came online) is not counted, since we did not see it.
 */
import type { Runtime } from '../../../shared/schemas';

export const STALE_AFTER_MS = 10 * 60_000;

export function isStale(
  runtime: Pick<Runtime, 'status' | 'updated_at'>,
  lastDeltaAt: number | undefined,
  watchingSince: number,
  now: number,
): boolean {
  if (runtime.status !== 'online') return false;
  const updated = Date.parse(runtime.updated_at);
  const since = Math.max(lastDeltaAt ?? 0, watchingSince, Number.isFinite(updated) ? updated : 0);
  return now - since >= STALE_AFTER_MS;
}
