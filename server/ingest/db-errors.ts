/**
 * What a failed database call means for the caller: the one mapping from the store's closed set of failures to
 * the hub's error codes. A value Postgres refuses is the caller's input and retrying cannot help:
 * `invalid_payload`. Anything else (connection refused or lost, timeouts, shutdown) is `unavailable`: retry later.
 */
import type { ErrorCode } from '../../shared';
import { HubError } from '../errors';
import { type StoreErrorKind, toStoreError } from '../store';

const REFUSED_VALUE = 'a value is outside what the database can store; nothing was written';

const failureOf: Record<StoreErrorKind, [ErrorCode, string]> = {
  rejected_value: ['invalid_payload', REFUSED_VALUE],
  unknown_zone: ['invalid_payload', REFUSED_VALUE],
  commit_in_doubt: ['unavailable', 'the database connection was lost at commit; retry (resending is safe)'],
  unavailable: ['unavailable', 'the database did not commit this call; nothing was written, retry'],
};

/** True when only the payload itself can have caused the failure, so committing its calls one by one isolates it. */
export function isDataError(err: unknown): boolean {
  const { kind } = toStoreError(err);
  return kind === 'rejected_value' || kind === 'unknown_zone';
}

/** A database failure as the error a daemon is answered with; HubErrors pass through unchanged. */
export function dbFailure(err: unknown): HubError {
  if (err instanceof HubError) return err;
  const [code, message] = failureOf[toStoreError(err).kind];
  return new HubError(code, message);
}
