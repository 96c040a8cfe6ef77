/**
 * Agent sessions reported as tasks: a session is `running` from its first entry and `completed` (at its last
 * entry) once it has been quiet for a while. Only changes are queued, so a steady session costs nothing.
 */
import type { Task } from '../../shared/schemas';

export const QUIET_MS = 5 * 60_000;
const MAX_TASKS = 20_000;

interface TaskRecord {
  provider: string;
  id: string;
  started_at: string;
  last_at: string;
  /** started_at and last_at parsed (kept so a touch per log line parses one timestamp, not three). */
  start_ms?: number;
  last_ms?: number;
  /** The status last queued, or undefined when the latest times were never queued. */
  sent?: 'running' | 'completed';
}

export type TasksJson = TaskRecord[];

export class TaskTracker {
  private readonly records = new Map<string, TaskRecord>();
  private readonly pending = new Set<string>();
  /** Counts reportable changes (for deciding whether the state needs saving). */
  changes = 0;

  static fromJSON(json: TasksJson | undefined): TaskTracker {
    const t = new TaskTracker();
    for (const r of json ?? []) {
      t.records.set(`${r.provider}\u0000${r.id}`, r);
      if (r.sent !== 'completed') t.pending.add(`${r.provider}\u0000${r.id}`);
    }
    return t;
  }

  toJSON(): TasksJson {
    return [...this.records.values()].map(({ start_ms: _s, last_ms: _l, ...r }) => r);
  }

  /** Records an entry of a session at `ts` (an RFC 3339 string; ignored when it does not parse). */
  touch(provider: string, id: string, ts: string | undefined): void {
    if (!ts) return;
    const at = Date.parse(ts);
    if (!Number.isFinite(at)) return;
    const key = `${provider}\u0000${id}`;
    const r = this.records.get(key);
    if (!r) {
      this.records.set(key, { provider, id, started_at: ts, last_at: ts, start_ms: at, last_ms: at });
      this.pending.add(key);
      this.evict();
      return;
    }
    r.start_ms ??= Date.parse(r.started_at);
    r.last_ms ??= Date.parse(r.last_at);
    let changed = false;
    if (at < r.start_ms) {
      r.started_at = ts;
      r.start_ms = at;
      changed = true;
    }
    if (at > r.last_ms) {
      r.last_at = ts;
      r.last_ms = at;
      changed = true;
    }
    if (changed) {
      r.sent = undefined;
      this.pending.add(key);
    }
  }

  /** The tasks whose reportable state changed by `now`; marks them as queued. */
  due(now: number, quietMs = QUIET_MS): { provider: string; task: Task }[] {
    const out: { provider: string; task: Task }[] = [];
    for (const key of this.pending) {
      const r = this.records.get(key);
      if (!r) {
        this.pending.delete(key);
        continue;
      }
      const status = now - Date.parse(r.last_at) >= quietMs ? 'completed' : 'running';
      if (r.sent !== status) {
        r.sent = status;
        this.changes++;
        const task: Task = { id: r.id, status, created_at: r.started_at, started_at: r.started_at };
        if (status === 'completed') task.completed_at = r.last_at;
        out.push({ provider: r.provider, task });
      }
      if (status === 'completed') this.pending.delete(key);
    }
    return out;
  }

  private evict(): void {
    if (this.records.size <= MAX_TASKS) return;
    // Drop the oldest finished sessions first; they were reported already.
    const done = [...this.records].filter(([, r]) => r.sent === 'completed');
    done.sort((a, b) => Date.parse(a[1].last_at) - Date.parse(b[1].last_at));
    for (const [key] of done.slice(0, this.records.size - MAX_TASKS + 1000)) this.records.delete(key);
  }
}
