/**
 * The closed set of ways a database call can fail, as the rest of the hub sees them. The driver seam
 * (`database.ts`) rejects with a StoreError only, so Postgres's SQLSTATE codes are read here and nowhere else.
 */

export const storeErrorKinds = [
  /** Postgres refused a value of the call itself (a NUL, the year 0000, a sum past a bigint): retrying cannot help. */
  'rejected_value',
  /** A time-zone conversion was given a zone this Postgres does not know. */
  'unknown_zone',
  /** The connection failed while COMMIT was in flight: the transaction may or may not be stored. */
  'commit_in_doubt',
  /**
   * Concurrent transactions waited on each other and Postgres rolled one back (a deadlock it broke, or a
   * serialization failure): nothing was written, and running the same transaction again at once may succeed.
   */
  'conflict',
  /** Anything else: connection refused or lost, timeouts, a closed pool. Retrying later may succeed. */
  'unavailable',
] as const;

export type StoreErrorKind = (typeof storeErrorKinds)[number];

export class StoreError extends Error {
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/**
 * The outcome of COMMIT is unknown. Retrying is safe (every write is keyed), but nobody may assume that nothing
 * was written.
 */
export class CommitInDoubtError extends StoreError {
  constructor(cause: unknown) {
    super('commit_in_doubt', 'the outcome of COMMIT is unknown', { cause });
    this.name = 'CommitInDoubtError';
  }
}

const INVALID_PARAMETER_VALUE = '22023';
// One statement touching a row twice: two keys of a batch were one key to Postgres (a case or a lone surrogate
// apart). Like a refused value, only the call's own input causes it, and committing calls one by one isolates it.
const CARDINALITY_VIOLATION = '21000';
const DATA_EXCEPTION_CLASS = '22';
const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';

/** The SQLSTATE both drivers (pg and PGlite) put on a server error; undefined for any other failure. */
function sqlStateOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * True when Postgres refused a statement with an ERROR (a SQLSTATE): its transaction rolled back. A FATAL one (the
 * backend terminated) may come after a commit, like a lost connection, so it is not a refusal.
 */
export function refusedByServer(err: unknown): boolean {
  const state = sqlStateOf(err);
  if (state === undefined || ['08', '57', '58', 'XX'].includes(state.slice(0, 2))) return false;
  const severity = (err as { severity?: unknown }).severity;
  return severity !== 'FATAL' && severity !== 'PANIC';
}

function kindOf(sqlState: string | undefined): StoreErrorKind {
  // Postgres answers an unknown zone in `AT TIME ZONE` with invalid_parameter_value; the only parameters our
  // queries pass to such functions are zones.
  if (sqlState === INVALID_PARAMETER_VALUE) return 'unknown_zone';
  if (sqlState === CARDINALITY_VIOLATION || sqlState?.startsWith(DATA_EXCEPTION_CLASS))
    return 'rejected_value';
  if (sqlState === SERIALIZATION_FAILURE || sqlState === DEADLOCK_DETECTED) return 'conflict';
  return 'unavailable';
}

/**
 * Any failure of a database call as a StoreError; a StoreError is returned as it is.
 *
 * @example
 * await db.query('SELECT $1::text', ['\u0000']).catch(toStoreError) // kind 'rejected_value'
 */
export function toStoreError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StoreError(kindOf(sqlStateOf(err)), message, { cause: err });
}
