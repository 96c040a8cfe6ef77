/**
 * The hub's one error type: a contract code plus a message safe to show (never a stack, never SQL), and its two
 * edges: the socket ack error and the REST error body. Unknown failures become `internal` on both.
 */
import { type ErrorCode, httpStatusOf, type RestError, type WireError } from '../shared';
import { StoreError, type StoreErrorKind } from './store/errors';

export class HubError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  toWire(): WireError {
    return { code: this.code, message: this.message };
  }
}

const REFUSED_VALUE = 'a value is outside what the database can store; nothing was written';

/**
 * The one mapping from the store's closed set of failures to the hub's codes. A value Postgres refuses is the
 * caller's input and retrying cannot help; anything else (connection refused or lost, timeouts) is `unavailable`.
 */
const storeFailure: Record<StoreErrorKind, [ErrorCode, string]> = {
  rejected_value: ['invalid_payload', REFUSED_VALUE],
  unknown_zone: ['invalid_payload', REFUSED_VALUE],
  commit_in_doubt: ['unavailable', 'the database connection was lost at commit; retry (resending is safe)'],
  unavailable: ['unavailable', 'the database did not commit this call; nothing was written, retry'],
  conflict: ['unavailable', 'the database did not commit this call; nothing was written, retry'],
};

/** A store failure as the hub's error. */
export function fromStoreError(err: StoreError): HubError {
  const [code, message] = storeFailure[err.kind];
  return new HubError(code, message);
}

/** Any thrown value as a wire error; unknown failures become `internal` with a generic message. */
export function toWireError(err: unknown): WireError {
  if (err instanceof HubError) return err.toWire();
  if (err instanceof StoreError) return fromStoreError(err).toWire();
  return { code: 'internal', message: 'internal error' };
}

/**
 * Any thrown value as a REST answer: the status of its code and the contract's `{ error, code }` body.
 *
 * @example
 * toRestError(new HubError('not_found', 'runtime not found'))
 * // { status: 404, body: { error: 'runtime not found', code: 'not_found' } }
 */
export function toRestError(err: unknown): { status: number; body: RestError } {
  const { code, message } = toWireError(err);
  return { status: httpStatusOf[code], body: { error: message, code } };
}
