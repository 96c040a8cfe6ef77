/**
 * What the daemon knows about Codex sessions across files: fork lineage and recent cumulative totals.
 *
 * Forks and sub-agents get a new session id but their rollout starts by replaying the parent's history,
 * `token_count` lines included, and their own totals continue from the parent's. So cumulative totals are keyed
 * by the lineage root: a replayed turn maps to the parent's key and is never counted twice, wherever it is read.
 *
 * Copies without `session_meta` (branch copies of a rollout) name no parent; they are recognised by their first
 * usage line, which repeats one of the lineage's first lines exactly (timestamp, model and cumulative totals):
 * each file's first usage line leaves such a mark on its lineage.
 */
import { createHash } from 'node:crypto';

/** Cumulative `total_token_usage`: input, cached input, output, reasoning output, total. */
export type Vector = [number, number, number, number, number];

interface SessionInfo {
  parent?: string;
  /** Recent cumulative vectors of this lineage (a few, for files that continue it without replaying it). */
  vectors: Vector[];
  /** Marks of the first usage line of the lineage's files (see `copyMark`). Absent in older state files. */
  firsts?: string[];
}

export interface CodexSessionsJson {
  sessions: [string, SessionInfo][];
}

const MAX_SESSIONS = 2000;
const MAX_VECTORS = 16;
const MAX_FIRSTS = 32;

/** What a copied usage line repeats exactly: its timestamp, model and cumulative totals (hashed: kept in state). */
export function copyMark(ts: string, model: string, v: Vector): string {
  return createHash('sha256')
    .update(`${ts}\n${model}\n${v.join(':')}`)
    .digest('base64url')
    .slice(0, 22);
}

export function sameVector(a: Vector, b: Vector): boolean {
  return a.every((v, i) => v === b[i]);
}

/** True when every component of `a` is ≤ that of `b`. */
export function vectorAtMost(a: Vector, b: Vector): boolean {
  return a.every((v, i) => v <= (b[i] ?? 0));
}

export class CodexSessions {
  private readonly sessions = new Map<string, SessionInfo>();
  /** copyMark → the lineage whose file first carried that line. */
  private readonly owners = new Map<string, string>();

  static fromJSON(json: CodexSessionsJson | undefined): CodexSessions {
    const s = new CodexSessions();
    for (const [id, info] of json?.sessions ?? []) {
      const firsts = Array.isArray(info.firsts) ? info.firsts.filter((m) => typeof m === 'string') : [];
      s.sessions.set(id, { ...info, firsts });
      for (const m of firsts) if (!s.owners.has(m)) s.owners.set(m, id);
    }
    return s;
  }

  toJSON(): CodexSessionsJson {
    return { sessions: [...this.sessions] };
  }

  private touch(id: string): SessionInfo {
    let info = this.sessions.get(id);
    if (info) this.sessions.delete(id);
    else info = { vectors: [] };
    this.sessions.set(id, info); // Map order is recency: the first entries are evicted
    if (this.sessions.size > MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) {
        for (const m of this.sessions.get(oldest)?.firsts ?? []) this.owners.delete(m);
        this.sessions.delete(oldest);
      }
    }
    return info;
  }

  /** The lineage a file's first usage line was copied from, if any file of a lineage started with it. */
  ownerOf(mark: string): string | undefined {
    return this.owners.get(mark);
  }

  /** Records the mark of a file's first usage line on its lineage (the first lineage to carry a line owns it). */
  markFirst(ns: string, mark: string): void {
    if (this.owners.has(mark)) return;
    const info = this.touch(ns);
    info.firsts ??= [];
    info.firsts.push(mark);
    this.owners.set(mark, ns);
    if (info.firsts.length > MAX_FIRSTS) {
      const dropped = info.firsts.shift();
      if (dropped !== undefined) this.owners.delete(dropped);
    }
  }

  /** Records that `id` was forked from `parent` (the first report wins; a session never changes parent). */
  setParent(id: string, parent: string | undefined): void {
    const info = this.touch(id);
    if (parent && parent !== id && info.parent === undefined) info.parent = parent;
  }

  /** The lineage root of a session: the namespace of its cumulative totals. */
  root(id: string): string {
    let cur = id;
    const visited = new Set<string>([cur]);
    for (;;) {
      const parent = this.sessions.get(cur)?.parent;
      if (!parent || visited.has(parent)) return cur;
      visited.add(parent);
      cur = parent;
    }
  }

  remember(ns: string, v: Vector): void {
    const info = this.touch(ns);
    if (info.vectors.some((x) => sameVector(x, v))) return;
    info.vectors.push(v);
    if (info.vectors.length > MAX_VECTORS) info.vectors.shift();
  }

  /**
   * The largest known total of the lineage strictly below `v` in every component: the previous total for a file
   * that continues a session without replaying its history. Undefined when the file starts the lineage.
   */
  previousOf(ns: string, v: Vector): Vector | undefined {
    let best: Vector | undefined;
    for (const x of this.sessions.get(ns)?.vectors ?? []) {
      if (sameVector(x, v) || !vectorAtMost(x, v)) continue;
      if (!best || x[4] > best[4]) best = x;
    }
    return best;
  }
}
