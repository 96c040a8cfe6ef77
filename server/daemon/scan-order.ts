/**
 * The order the scanner reads log files in, where the order decides which of two copies of a response is read
 * first (and so which key it is sent under).
 */
import { basename } from 'node:path';
import type { ProviderName } from './discovery';

export type LogFile = { provider: ProviderName; path: string };

const SUBAGENTS = /[\\/]subagents[\\/]/;

/**
 * Claude files in groups of one session: its subagent files (`<session>/subagents/*.jsonl`), then the session's
 * own file. A group is read by one lane in that order, so when the same response shows up in both (a subagent's
 * line and the `progress` line relaying it) the same line is read first on every scan: the subagent's, whose
 * key the daemon has always sent.
 */
export function claudeSessionGroups(files: LogFile[]): LogFile[][] {
  const groups = new Map<string, LogFile[]>();
  for (const f of files) {
    const sub = f.path.search(SUBAGENTS);
    const key = sub === -1 ? f.path.replace(/\.jsonl$/, '') : f.path.slice(0, sub);
    const group = groups.get(key) ?? [];
    group.push(f);
    groups.set(key, group);
  }
  const own = (f: LogFile) => (SUBAGENTS.test(f.path) ? 0 : 1);
  return [...groups.values()].map((g) => g.sort((a, b) => own(a) - own(b) || (a.path < b.path ? -1 : 1)));
}

/**
 * Codex files in creation order across `sessions/` and `archived_sessions/`: rollouts are named
 * `rollout-<time>-<id>.jsonl`, so a parent is read before the forks and copies that replay it, wherever each is.
 */
export function codexCreationOrder(files: LogFile[]): LogFile[] {
  return files
    .map((f) => ({ f, name: basename(f.path) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.f.path < b.f.path ? -1 : 1))
    .map((x) => x.f);
}
