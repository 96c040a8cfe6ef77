/**
 * The hub's one error type: a contract code plus a message safe to show (never a stack, never SQL), and its two
 * edges: the socket ack error and the REST error body. Unknown failures become `internal` on both.
 */
import { type ErrorCode, httpStatusOf, type RestError, type WireError } from '../shared';

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

/** Any thrown value as a wire error; unknown failures become `internal` with a generic message. */
export function toWireError(err: unknown): WireError {
  if (err instanceof HubError) return err.toWire();
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
