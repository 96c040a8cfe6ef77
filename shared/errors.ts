/**
 * The closed set of error codes that cross the wire, each mapped once to its HTTP status.
 * Socket acks carry `{ ok: false, error: { code, message } }`; REST answers `{ error, code }`.
 */
import { z } from 'zod';

export const errorCodes = [
  'invalid_payload',
  'unauthorized',
  'not_found',
  'rate_limited',
  'too_large',
  'unavailable',
  'internal',
] as const;

export const ErrorCode = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const httpStatusOf: Record<ErrorCode, number> = {
  invalid_payload: 400,
  unauthorized: 401,
  not_found: 404,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export const WireError = z.object({ code: ErrorCode, message: z.string() });
export type WireError = z.infer<typeof WireError>;

/** The REST error body. */
export const RestError = z.object({ error: z.string(), code: ErrorCode });
export type RestError = z.infer<typeof RestError>;
