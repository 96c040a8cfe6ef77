/**
 * What a failed database call means for the caller: the one mapping from the store's closed set of failures to
 * the hub's error codes. A value Postgres refuses is the caller's input and retrying cannot help:
 * `invalid_payload`. Anything else (connection refused or lost, timeouts, shutdown) is `unavailable`: retry later.
 */
import { fromStoreError, HubError } from '../errors';
import { toStoreError } from '../store';

/** True when only the payload itself can have caused the failure, so committing its calls one by one isolates it. */
export function isDataError(err: unknown): boolean {
  const { kind } = toStoreError(err);
  return kind === 'rejected_value' || kind === 'unknown_zone';
}

/** True when concurrent commits got in each other's way and Postgres rolled this one back: run it again. */
export function isConflict(err: unknown): boolean {
  return toStoreError(err).kind === 'conflict';
}

/** A database failure as the error a daemon is answered with; HubErrors pass through unchanged. */
export function dbFailure(err: unknown): HubError {
  if (err instanceof HubError) return err;
  return fromStoreError(toStoreError(err));
}
