/**
 * Why a call to the hub failed, in words a user can act on. Socket.IO reports every transport failure as
 * "websocket error" and fetch as "fetch failed"; the cause (ECONNREFUSED, a DNS miss, a TLS refusal, an HTTP
 * status from a proxy) sits a few levels down, in `description`, `error`, `cause` or an AggregateError's list.
 */

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  description?: unknown;
  error?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The innermost error message (with its code when the message does not say it), or undefined if none. */
export function failureReason(err: unknown, depth = 0): string | undefined {
  if (typeof err === 'string') return err || undefined;
  if (depth > 5 || err === null || typeof err !== 'object') return undefined;
  const e = err as ErrorLike;
  const first = Array.isArray(e.errors) ? e.errors[0] : undefined;
  const inner = failureReason(e.description ?? e.error ?? e.cause ?? first, depth + 1);
  if (inner) return inner;
  const message = typeof e.message === 'string' ? e.message : '';
  const code = typeof e.code === 'string' ? e.code : '';
  if (message && code && !message.includes(code)) return `${message} (${code})`;
  return message || code || undefined;
}
