/**
 * The log files the daemon reads: listed under the provider roots at each discovery and, while following,
 * reported at once by a recursive fs.watch (re-armed only when the roots change). Polling covers whatever
 * watching misses, so a failed watch costs latency, never data.
 */
import { type FSWatcher, watch } from 'node:fs';
import { resolve } from 'node:path';
import { type LogRoot, listJsonl, type ProviderName, type RootOptions, resolveRoots } from './discovery';
import type { Scanner } from './scanner';

export interface LogFile {
  provider: ProviderName;
  path: string;
}

/** A file read within this long is polled on every pass, not only on full ones. */
const RECENT_MS = 10 * 60_000;

export class LogFiles {
  roots: LogRoot[] = [];
  list: LogFile[] = [];
  /** Files the watcher reported since the last pass. */
  private readonly flagged = new Map<string, ProviderName>();
  private watchers: FSWatcher[] = [];
  private armedFor = '';
  /** Set while the follow loop rests; the watcher calls it to end the rest early. */
  private wake: (() => void) | null = null;

  constructor(
    private readonly folders: RootOptions,
    private readonly scanner: Scanner,
  ) {}

  /** Lists the roots and their files again. */
  async discover(): Promise<void> {
    this.roots = await resolveRoots(this.folders);
    const next: LogFile[] = [];
    for (const r of this.roots)
      for (const path of await listJsonl(r.dir)) next.push({ provider: r.provider, path });
    this.setList(next);
  }

  /** Watches the roots (again only when they changed: a recursive watch sets up one inotify watch per folder). */
  watch(): void {
    const key = JSON.stringify(this.roots);
    if (key === this.armedFor) return;
    this.armedFor = key;
    this.closeWatchers();
    for (const r of this.roots) {
      try {
        const w = watch(r.dir, { recursive: true }, (_e, name) => {
          if (name?.toString().endsWith('.jsonl'))
            this.flagged.set(resolve(r.dir, name.toString()), r.provider);
          this.wake?.();
        });
        w.on('error', () => {
          w.close();
          this.armedFor = ''; // try again at the next discovery; polling covers the gap
        });
        this.watchers.push(w);
      } catch {
        // No recursive watch here (or no inotify slots): polling alone still finds everything.
      }
    }
  }

  /**
   * The files to read in this pass: all of them on a full pass, else those the watcher reported or read
   * recently. A file created since the last discovery is taken in at once from the watcher's report.
   */
  nextPass(full: boolean, now: number): LogFile[] {
    const known = new Set(this.list.map((f) => f.path));
    const created = [...this.flagged].filter(([p]) => !known.has(p));
    if (created.length) {
      const added = created.map(([path, provider]) => ({ provider, path }));
      this.setList([...this.list, ...added].sort((a, b) => (a.path < b.path ? -1 : 1)));
    }
    const pass = full
      ? this.list
      : this.list.filter(
          (f) => this.flagged.has(f.path) || now - (this.scanner.lastRead.get(f.path) ?? 0) < RECENT_MS,
        );
    this.flagged.clear();
    return pass;
  }

  /** Rests until `sleep` ends or the watcher reports a change. */
  async restUntilChange(sleep: Promise<void>): Promise<void> {
    await Promise.race([new Promise<void>((r) => (this.wake = r)), sleep]);
    this.wake = null;
  }

  close(): void {
    this.closeWatchers();
  }

  private setList(list: LogFile[]): void {
    this.list = list;
    this.scanner.setKnown(list);
  }

  private closeWatchers(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
