/**
 * The hub's one error type: a contract code plus a message safe to show (never a stack, never SQL).
 */
import type { ErrorCode, WireError } from '../shared';

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
