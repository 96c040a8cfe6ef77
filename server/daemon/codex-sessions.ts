/**
 * What the daemon knows about Codex sessions across files: fork lineage and recent cumulative totals.
 *
 * Forks and sub-agents get a new session id but their rollout starts by replaying the parent's history,
 * `token_count` lines included, and their own totals continue from the parent's. So cumulative totals are keyed
 * by the lineage root: a replayed turn maps to the parent's key and is never counted twice, wherever it is read.
 */

/** Cumulative `total_token_usage`: input, cached input, output, reasoning output, total. */
export type Vector = [number, number, number, number, number];

interface SessionInfo {
  parent?: string;
  /** Recent cumulative vectors of this lineage (a few, for files that continue it without replaying it). */
  vectors: Vector[];
}

export interface CodexSessionsJson {
  sessions: [string, SessionInfo][];
}

const MAX_SESSIONS = 2000;
const MAX_VECTORS = 16;

export function sameVector(a: Vector, b: Vector): boolean {
  return a.every((v, i) => v === b[i]);
}

/** True when every component of `a` is ≤ that of `b`. */
export function vectorAtMost(a: Vector, b: Vector): boolean {
  return a.every((v, i) => v <= (b[i] ?? 0));
}

export class CodexSessions {
  private readonly sessions = new Map<string, SessionInfo>();

  static fromJSON(json: CodexSessionsJson | undefined): CodexSessions {
    const s = new CodexSessions();
    for (const [id, info] of json?.sessions ?? []) s.sessions.set(id, info);
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
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    return info;
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
