/**
 * Parses an untrusted payload with a shared schema; failures become `invalid_payload` with a short, safe message
 * naming the first offending field.
 */
import type { z } from 'zod';
import { HubError } from './errors';

export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.join('.') : 'payload';
  throw new HubError('invalid_payload', `${where}: ${issue.message}`.slice(0, 300));
}
