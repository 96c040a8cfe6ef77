/**
 * Runs the daemon's scanning half (discovery, readers, state) on folders, without a hub.
 */
import { join } from 'node:path';
import { Attribution } from '../../../server/daemon/attribution';
import { listJsonl, resolveRoots } from '../../../server/daemon/discovery';
import { Scanner } from '../../../server/daemon/scanner';
import { DaemonState } from '../../../server/daemon/state-file';
import type { UsageEvent } from '../../../shared/schemas';

export interface ScanRun {
  state: DaemonState;
  scanner: Scanner;
  /** Everything queued in the outbox, per provider. */
  events: (provider: string) => UsageEvent[];
}

export async function scanOnce(
  dirs: { claude?: string; codex?: string },
  statePath: string,
  state?: DaemonState,
  /** What events say about project, session and user; none by default (most tests pin counting alone). */
  attribution: Attribution = Attribution.none(),
): Promise<ScanRun> {
  const s = state ?? (await DaemonState.load(statePath));
  const roots = await resolveRoots({
    claudeDir: dirs.claude ?? join(statePath, '..', 'no-claude'),
    codexDir: dirs.codex ?? join(statePath, '..', 'no-codex'),
    env: {},
    home: '/nonexistent',
  });
  const files = [];
  for (const r of roots)
    for (const path of await listJsonl(r.dir)) files.push({ provider: r.provider, path });
  const scanner = new Scanner(s, attribution, Number.POSITIVE_INFINITY);
  scanner.setKnown(files);
  await scanner.scanFiles(files);
  return { state: s, scanner, events: (p) => s.outbox.eventBatch(p, Number.MAX_SAFE_INTEGER) };
}

export interface Sums {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
}

export function sums(events: UsageEvent[], filter: (e: UsageEvent) => boolean = () => true): Sums {
  const s: Sums = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };
  for (const e of events.filter(filter)) {
    s.input_tokens += e.input_tokens;
    s.output_tokens += e.output_tokens;
    s.cache_read_tokens += e.cache_read_tokens;
    s.cache_write_tokens += e.cache_write_tokens;
  }
  return s;
}
