/**
 * The daemon's persistent state, one JSON file written atomically (temp file, fsync, rename): the daemon id,
 * per-file read offsets and reader context, recently queued event totals, Codex lineage, tasks, and the outbox
 * of data not yet acknowledged. Offsets and outbox are saved in the same snapshot, so a crash can only cause
 * a re-read (harmless: event keys), never a loss.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import envPaths from 'env-paths';
import { z } from 'zod';
import { Task, UsageEvent } from '../../shared/schemas';
import type { CodexFileCtx } from './codex-reader';
import { CodexSessions } from './codex-sessions';
import type { ScanCounters } from './counts';
import type { ProviderName } from './discovery';
import { Outbox } from './outbox';
import { RecentMax } from './recent-max';
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

const Vector = z.tuple([z.number(), z.number(), z.number(), z.number(), z.number()]);
// The bulky parts (tens of thousands of seen ids, lineage vectors) are checked by hand below: zod would copy
// every entry, which costs more memory than the whole state.
const StateJson = z.looseObject({
  version: z.literal(1),
  daemon_id: z.uuid(),
  files: z.record(z.string(), z.looseObject({})).default({}),
  seen: z.record(z.string(), z.array(z.unknown())).default({}),
  codex_sessions: z.looseObject({ sessions: z.array(z.unknown()) }).optional(),
  tasks: z.array(z.looseObject({})).default([]),
  counters: z
    .record(
      z.string(),
      z.object({
        files: z.number(),
        lines: z.number(),
        bytes: z.number(),
        events: z.number(),
        duplicates: z.number(),
        skipped: z.number(),
        unparsable: z.number(),
      }),
    )
    .default({}),
  outbox: z
    .object({
      events: z.record(z.string(), z.array(z.unknown())).default({}),
      tasks: z.record(z.string(), z.array(z.unknown())).default({}),
    })
    .optional(),
});

const FileEntrySchema = z.object({
  provider: z.enum(['claude', 'codex']),
  ino: z.number(),
  size: z.number(),
  offset: z.number().int().min(0),
  head: z.string(),
  head_len: z.number().int().min(0),
  session: z.string().optional(),
  codex: z
    .object({
      session: z.string().optional(),
      ns: z.string().optional(),
      model: z.string(),
      prev: Vector.optional(),
    })
    .optional(),
});

const TaskRecordSchema = z.object({
  provider: z.string(),
  id: z.string(),
  started_at: z.string(),
  last_at: z.string(),
  sent: z.enum(['running', 'completed']).optional(),
});

const isSeen = (e: unknown): e is [string, number] =>
  Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'number';

const isVector = (v: unknown): v is [number, number, number, number, number] =>
  Array.isArray(v) && v.length === 5 && v.every((x) => typeof x === 'number');

function isSession(
  e: unknown,
): e is [string, { parent?: string; vectors: [number, number, number, number, number][] }] {
  if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string') return false;
  const info = e[1] as { parent?: unknown; vectors?: unknown } | null;
  if (typeof info !== 'object' || info === null) return false;
  if (info.parent !== undefined && typeof info.parent !== 'string') return false;
  return Array.isArray(info.vectors) && info.vectors.every(isVector);
}

/** The items of each provider that the schema accepts (a stored item must still be sendable). */
function validItems<T>(
  schema: z.ZodType<T>,
  byProvider: Record<string, unknown[]> = {},
): Record<string, T[]> {
  const out: Record<string, T[]> = {};
  for (const [p, list] of Object.entries(byProvider))
    out[p] = list.flatMap((x) => schema.safeParse(x).data ?? []);
  return out;
}

/** The default state file: `<user config>/runtime-hub/daemon.json`. */
export function defaultStatePath(): string {
  return join(envPaths('runtime-hub', { suffix: '' }).config, 'daemon.json');
}

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
