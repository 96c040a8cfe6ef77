/**
 * The hub's live events, checked with their shared schemas before anything reads them (a boundary, as every REST
 * answer is). The web build gives this module its own instance of shared/'s schema modules (web/vite.config.ts),
 * so these schemas are built in the socket's chunk, after the first charts, not with the REST ones.
 */
import type { z } from 'zod';
import { BudgetState } from '../../../shared/budgets';
import { Runtime, TaskPush, UsagePush } from '../../../shared/schemas';

const LIVE_EVENTS = { runtime: Runtime, usage: UsagePush, task: TaskPush, budget: BudgetState };

export type LiveEventName = keyof typeof LIVE_EVENTS;
export type LiveEvent<K extends LiveEventName> = z.output<(typeof LIVE_EVENTS)[K]>;

/**
 * The payload as its schema reads it, or where it does not match.
 * @example parseLiveEvent('task', { runtime_id: id, task }) // { ok: true, data: { runtime_id, task } }
 */
export function parseLiveEvent<K extends LiveEventName>(
  name: K,
  payload: unknown,
): { ok: true; data: LiveEvent<K> } | { ok: false; issue: string } {
  const parsed = LIVE_EVENTS[name].safeParse(payload);
  if (parsed.success) return { ok: true, data: parsed.data as LiveEvent<K> };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    issue: issue ? `${issue.path.join('.') || '(payload)'}: ${issue.message}` : 'does not match its schema',
  };
}
