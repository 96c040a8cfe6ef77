/**
 * Which commits a REST history answer holds. The hub sends the Postgres snapshot its rows were read at
 * (`pg_current_snapshot()`, text `xmin:xmax:xip,…`) in the X-Usage-Snapshot header, and each live usage push the
 * id of the transaction that committed it (`commit`, xid8 as decimal text). A push whose commit is visible in an
 * answer's snapshot is already in it; any other is not. xid8 values are 64-bit: compared as BigInt, never as numbers.
 */

/**
 * Response header of the usage and activity routes: the snapshot the answer was read at (the JSON body stays the
 * contract's).
 */
export const USAGE_SNAPSHOT_HEADER = 'x-usage-snapshot';

export interface Snapshot {
  /** Every transaction below it had finished when the snapshot was taken. */
  xmin: bigint;
  /** No transaction from it on had finished. */
  xmax: bigint;
  /** Transactions in [xmin, xmax) still running then (invisible). */
  xip: ReadonlySet<bigint>;
}

const XID_TEXT = /^\d{1,20}$/;
const SNAPSHOT_TEXT = /^(\d{1,20}):(\d{1,20}):((?:\d{1,20}(?:,\d{1,20})*)?)$/;

/**
 * The snapshot of its text form, or null when it is not one (an older hub sends none).
 * @example parseSnapshot('740:745:740,742') // { xmin: 740n, xmax: 745n, xip: Set {740n, 742n} }
 */
export function parseSnapshot(text: string | null | undefined): Snapshot | null {
  const m = text ? SNAPSHOT_TEXT.exec(text.trim()) : null;
  if (!m) return null;
  const xmin = BigInt(m[1]!);
  const xmax = BigInt(m[2]!);
  if (xmax < xmin) return null;
  const xip = new Set(m[3] ? m[3].split(',').map((x) => BigInt(x)) : []);
  return { xmin, xmax, xip };
}

/**
 * Whether the transaction `xid` (decimal text) had committed for `snapshot`, as Postgres's
 * pg_visible_in_snapshot says for a committed transaction: below xmin, or below xmax and not in progress.
 * @example committedIn('741', parseSnapshot('740:745:740,742')!) // true
 */
export function committedIn(xid: string, snapshot: Snapshot): boolean {
  // Not an id (never sent by a hub): told "not in it", so the push is merged as a push without one would be.
  if (!XID_TEXT.test(xid)) return false;
  const x = BigInt(xid);
  if (x < snapshot.xmin) return true;
  return x < snapshot.xmax && !snapshot.xip.has(x);
}
