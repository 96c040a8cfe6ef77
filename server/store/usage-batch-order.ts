/**
 * The order a usage batch reaches the write function in (usage-routine.ts): by runtime id, then by event id, each
 * compared as JavaScript compares strings (UTF-16 code units). The function takes its event row locks in the
 * batch's order and no longer sorts the batch itself (a sort of every row under the database's collation, 6–9 % of
 * a fleet commit's backend CPU: BENCHMARKS.md, session 10, hP), so every writer must send its batch in this one
 * order: two commits that insert or replace the same keys then lock them in the same order and never deadlock.
 */
import type { UsageEvent } from '../../shared';
import type { RuntimeUsageCall } from './usage-batch';

/** Strings in UTF-16 code unit order (what `<` does; not the locale's order). */
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byId = (a: UsageEvent, b: UsageEvent) => byCodeUnits(a.id, b.id);

/**
 * The calls as one call per runtime, runtimes in id order, each one's events in id order. The sort is stable:
 * events of one id keep the order they came in, so collapsing them (largest total wins; on a tie the first, unless
 * only a later one is attributed) keeps the same one as before.
 */
export function inKeyOrder(calls: readonly RuntimeUsageCall[]): RuntimeUsageCall[] {
  const byRuntime = new Map<string, UsageEvent[]>();
  for (const { runtimeId, events } of calls) {
    const seen = byRuntime.get(runtimeId);
    if (seen) seen.push(...events);
    else byRuntime.set(runtimeId, [...events]);
  }
  return [...byRuntime.keys()]
    .sort(byCodeUnits)
    .map((runtimeId) => ({ runtimeId, events: byRuntime.get(runtimeId)!.sort(byId) }));
}
