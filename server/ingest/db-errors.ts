/**
 * What a failed database call means for the caller. A value Postgres refuses (SQLSTATE class 22: a NUL character,
 * the year 0000, an overflowing sum) is the caller's input and retrying cannot help: `invalid_payload`. Anything
 * else on the ingest path (connection refused or lost, timeouts, shutdown) is `unavailable`: retry later.
 */
import { HubError } from '../errors';
import { CommitInDoubtError } from '../store';

/** True for Postgres's "data exception" errors, which only the payload itself can cause. */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // 21000 (one statement touching a row twice) means two keys of a batch were one key to Postgres: committing
  // the calls one by one isolates it as well.
  return typeof code === 'string' && (/^22[0-9A-Z]{3}$/.test(code) || code === '21000');
}

/** A database failure as the error a daemon is answered with; HubErrors pass through unchanged. */
export function dbFailure(err: unknown): HubError {
  if (err instanceof HubError) return err;
  if (isDataError(err)) {
    return new HubError(
      'invalid_payload',
      'a value is outside what the database can store; nothing was written',
    );
  }
  if (err instanceof CommitInDoubtError) {
    return new HubError(
      'unavailable',
      'the database connection was lost at commit; retry (resending is safe)',
    );
  }
  return new HubError('unavailable', 'the database did not commit this call; nothing was written, retry');
}
