/**
 * The status a runtime is shown with. While the hub is lost, what we hold is a memory, not the present: an
 * "online" from it may be false (the daemon may have gone with the hub), so every runtime reads "unknown".
 */
import type { Runtime } from '../../../shared/schemas';
import { type Connection, hubLost } from '../live/state';

export type ShownStatus = Runtime['status'] | 'unknown';

/** @example shownStatus('online', 'offline') // 'unknown' */
export function shownStatus(status: Runtime['status'], connection: Connection): ShownStatus {
  return hubLost(connection) ? 'unknown' : status;
}
