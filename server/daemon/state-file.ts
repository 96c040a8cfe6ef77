/**
 * The daemon's persistent state, one JSON file written atomically (temp file, fsync, rename): the daemon id,
 * per-file read offsets and reader context, recently queued event totals, Codex lineage, tasks, the outbox
 * of data not yet acknowledged, and the items the hub refused (kept aside). Offsets and outbox are saved in the
 * same snapshot, so a crash can only cause a re-read (harmless: event keys), never a loss.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Task, UsageEvent } from '../../shared/schemas';
import type { CodexFileCtx } from './codex-reader';
import { CodexSessions } from './codex-sessions';
import type { ScanCounters } from './counts';
import type { ProviderName } from './discovery';
import { Outbox } from './outbox';
import { RecentMax } from './recent-max';
import { RefusedItems } from './refused-items';
import { FileEntrySchema, isSeen, isSession, StateJson, TaskRecordSchema, validItems } from './state-json';
import { TaskTracker } from './tasks';

export const SEEN_CAPACITY = 50_000;

export interface FileEntry {
  provider: ProviderName;
  ino: number;
  size: number;
  offset: number;
  /** sha256 of the first `head_len` bytes: a file rewritten in place (same inode, new content) is re-read. */
  head: string;
  head_len: number;
  /** Claude: the session of the file (from its lines). */
  session?: string;
  /** Codex: the reader context at `offset`. */
  codex?: CodexFileCtx;
}

export { defaultStatePath } from './state-path';

function machineId(): string {
  for (const p of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      return readFileSync(p, 'utf8').trim();
    } catch {}
  }
  return hostname();
}

/**
 * A daemon id derived from the machine, user and state path (a UUID in v5 layout). Used when no state exists, so
 * a lost state file brings back the same id, hence the same runtimes on the hub: a full re-send then dedupes.
 */
export function derivedDaemonId(statePath: string): string {
  let user = '';
  try {
    user = userInfo().username;
  } catch {}
  const h = createHash('sha256')
    .update(`${machineId()}\n${user}\n${resolve(statePath)}`)
    .digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export class DaemonState {
  files = new Map<string, FileEntry>();
  seen = new Map<string, RecentMax>();
  codexSessions = new CodexSessions();
  tasks = new TaskTracker();
  outbox = new Outbox();
  /** Items the hub refused, kept aside with its answer. */
  refused = new RefusedItems();
  /** Scan counters of earlier runs, per provider (the runtime metadata shows lifetime totals). */
  baseCounters: Record<string, ScanCounters> = {};
  /** This run's counters, added to the base when saving. */
  runCounters: () => Map<string, ScanCounters> = () => new Map();
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    readonly daemonId: string,
  ) {}

  /** Loads the state file; a missing or unreadable one starts fresh (with the derived daemon id). */
  static async load(path: string, warn: (msg: string) => void = () => {}): Promise<DaemonState> {
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch {}
    if (text === undefined) return new DaemonState(path, derivedDaemonId(path));
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      warn(`state file ${path} is not valid JSON; starting fresh`);
      return new DaemonState(path, derivedDaemonId(path));
    }
    const parsed = StateJson.safeParse(raw);
    if (!parsed.success) {
      warn(`state file ${path} has an unknown shape; starting fresh`);
      return new DaemonState(path, derivedDaemonId(path));
    }
    const j = parsed.data;
    const s = new DaemonState(path, j.daemon_id);
    for (const [p, e] of Object.entries(j.files)) {
      const f = FileEntrySchema.safeParse(e);
      if (f.success) s.files.set(p, f.data as FileEntry);
    }
    for (const [p, list] of Object.entries(j.seen))
      s.seen.set(p, RecentMax.fromJSON(list.filter(isSeen), SEEN_CAPACITY));
    s.baseCounters = j.counters;
    s.codexSessions = CodexSessions.fromJSON({
      sessions: (j.codex_sessions?.sessions ?? []).filter(isSession),
    });
    s.tasks = TaskTracker.fromJSON(j.tasks.flatMap((t) => TaskRecordSchema.safeParse(t).data ?? []));
    s.refused = RefusedItems.fromJSON(j.refused);
    s.outbox = Outbox.fromJSON({
      events: validItems(UsageEvent, j.outbox?.events),
      tasks: validItems(Task, j.outbox?.tasks),
    });
    return s;
  }

  /** Lifetime counters of a provider: earlier runs plus `run` (files is the current count, not a sum). */
  lifetimeCounters(provider: string, run: ScanCounters): ScanCounters {
    const base = this.baseCounters[provider];
    if (!base) return { ...run };
    const out = { ...run };
    for (const k of Object.keys(out) as (keyof ScanCounters)[]) if (k !== 'files') out[k] += base[k] ?? 0;
    return out;
  }

  seenFor(provider: string): RecentMax {
    let r = this.seen.get(provider);
    if (!r) {
      r = new RecentMax(SEEN_CAPACITY);
      this.seen.set(provider, r);
    }
    return r;
  }

  toJSON(): unknown {
    return {
      version: 1,
      daemon_id: this.daemonId,
      files: Object.fromEntries(this.files),
      seen: Object.fromEntries([...this.seen].map(([p, r]) => [p, r.toJSON()])),
      codex_sessions: this.codexSessions.toJSON(),
      tasks: this.tasks.toJSON(),
      outbox: this.outbox.toJSON(),
      refused: this.refused.toJSON(),
      counters: this.countersJson(),
    };
  }

  private countersJson(): Record<string, ScanCounters> {
    const out: Record<string, ScanCounters> = { ...this.baseCounters };
    for (const [p, run] of this.runCounters()) out[p] = this.lifetimeCounters(p, run);
    return out;
  }

  /** Writes a snapshot of the state now (serialised synchronously, so it is one consistent moment). */
  save(): Promise<void> {
    const text = JSON.stringify(this.toJSON());
    // Saves run one after another; a failed one does not block the next.
    this.saving = this.saving.catch(() => {}).then(() => writeAtomic(this.path, text));
    return this.saving;
  }
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}
