/**
 * The state store: loads over REST, takes live socket events into a queue and merges them once per animation
 * frame, so a burst of deltas costs one redraw. After a reconnect everything is refetched, as the contract asks.
 */
import type { PriceTable } from '../../../shared/pricing';
import type { Runtime, TaskPush, UsagePush } from '../../../shared/schemas';
import { windowDates } from '../../../shared/time';
import { countTask, hourlyFromRows } from '../lib/activity';
import { mergeUsage } from '../lib/merge';
import { type Api, ApiError, createApi } from './api';
import type { DetailState, Loadable, State } from './state';
import { browserZone, detailFetchDays, OVERVIEW_DAYS } from './state';

const TOKEN_KEY = 'runtime-hub.token';
const TZ_KEY = 'runtime-hub.tz';

type Listener = () => void;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function ready<T>(data: T): Loadable<T> {
  return { status: 'ready', data, loadedAt: Date.now() };
}

export class Store {
  private state: State;
  private readonly listeners = new Set<Listener>();
  private api: Api | null = null;
  private pendingUsage: UsagePush[] = [];
  private pendingTasks: TaskPush[] = [];
  private pendingRuntimes = new Map<string, Runtime>();
  private frame: number | null = null;
  private generation = 0;

  constructor(private readonly storage: Storage = localStorage) {
    this.state = {
      token: storage.getItem(TOKEN_KEY),
      signInMessage: null,
      tz: storage.getItem(TZ_KEY) ?? browserZone(),
      me: { status: 'loading' },
      prices: {},
      runtimes: { status: 'loading' },
      connection: 'connecting',
      overview: { status: 'loading' },
      detail: null,
      lastDeltaAt: {},
      watchingSince: Date.now(),
    };
    if (this.state.token) this.api = createApi(this.state.token);
  }

  get = (): State => this.state;

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  private set(patch: Partial<State>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  private setDetail(id: string, patch: Partial<DetailState>): void {
    const d = this.state.detail;
    if (d && d.id === id) this.set({ detail: { ...d, ...patch } });
  }

  signIn(token: string): void {
    this.storage.setItem(TOKEN_KEY, token);
    this.api = createApi(token);
    this.set({ token, signInMessage: null, watchingSince: Date.now(), lastDeltaAt: {} });
  }

  signOut(message: string | null = null): void {
    this.storage.removeItem(TOKEN_KEY);
    this.api = null;
    this.generation++;
    this.set({
      token: null,
      signInMessage: message,
      me: { status: 'loading' },
      runtimes: { status: 'loading' },
      overview: { status: 'loading' },
      detail: null,
      connection: 'connecting',
    });
  }

  setConnection(connection: State['connection']): void {
    if (this.state.connection !== connection) this.set({ connection });
  }

  setTimeZone(tz: string): void {
    this.storage.setItem(TZ_KEY, tz);
    this.set({ tz });
    void this.loadOverview();
    const d = this.state.detail;
    if (d) void this.loadDetail(d.id, d.days);
  }

  /** A 401 anywhere means the token is gone (bad or revoked): back to sign-in with the reason. */
  private fail(err: unknown): string {
    if (err instanceof ApiError && err.status === 401) {
      this.signOut('The hub refused this token (401). It may be mistyped, revoked, or a daemon token.');
    }
    return errorText(err);
  }

  /** Everything the open pages show; called at start and after every reconnect. */
  /**
   * Loads what the pages show. On the first load an open detail page has already started its own fetch
   * (openDetail), so it is not fetched twice; after a reconnect everything is.
   */
  async loadAll(initial = false): Promise<void> {
    const detail = initial && this.state.detail ? Promise.resolve() : this.reloadDetail();
    await Promise.all([this.loadMeta(), this.loadRuntimes(), this.loadOverview(), detail]);
  }

  private async loadMeta(): Promise<void> {
    const api = this.api;
    if (!api) return;
    const [me, prices] = await Promise.allSettled([api.me(), api.pricing()]);
    if (api !== this.api) return;
    this.set({
      me: me.status === 'fulfilled' ? ready(me.value) : { status: 'error', message: errorText(me.reason) },
      prices: prices.status === 'fulfilled' ? (prices.value as PriceTable) : {},
    });
  }

  async loadRuntimes(): Promise<void> {
    const api = this.api;
    if (!api) return;
    try {
      const list = await api.runtimes();
      if (api === this.api) this.set({ runtimes: ready(list) });
    } catch (err) {
      const message = this.fail(err);
      if (api === this.api) this.set({ runtimes: { status: 'error', message } });
    }
  }

  async loadOverview(): Promise<void> {
    const api = this.api;
    if (!api) return;
    const gen = ++this.generation;
    const tz = this.state.tz;
    if (this.state.overview.status !== 'ready') this.set({ overview: { status: 'loading' } });
    try {
      const rows = await api.workspaceUsage(OVERVIEW_DAYS, tz);
      if (api === this.api && gen === this.generation) this.set({ overview: ready(rows) });
    } catch (err) {
      const message = this.fail(err);
      if (api === this.api && gen === this.generation) this.set({ overview: { status: 'error', message } });
    }
  }

  openDetail(id: string, days: number): void {
    const d = this.state.detail;
    if (d && d.id === id && d.days === days) return;
    this.set({ detail: { id, days, usage: { status: 'loading' }, hourly: { status: 'loading' } } });
    void this.loadDetail(id, days);
  }

  closeDetail(): void {
    if (this.state.detail) this.set({ detail: null });
  }

  private reloadDetail(): Promise<void> {
    const d = this.state.detail;
    return d ? this.loadDetail(d.id, d.days) : Promise.resolve();
  }

  private async loadDetail(id: string, days: number): Promise<void> {
    const api = this.api;
    if (!api) return;
    const tz = this.state.tz;
    const stillWanted = () => {
      const d = this.state.detail;
      return api === this.api && d?.id === id && d.days === days && this.state.tz === tz;
    };
    const [usage, activity] = await Promise.allSettled([
      api.runtimeUsage(id, detailFetchDays(days), tz),
      api.activity(id, days, tz),
    ]);
    if (!stillWanted()) return;
    this.setDetail(id, {
      usage:
        usage.status === 'fulfilled'
          ? ready(usage.value)
          : { status: 'error', message: this.fail(usage.reason) },
      hourly:
        activity.status === 'fulfilled'
          ? ready({ counts: hourlyFromRows(activity.value), seen: new Set<string>() })
          : { status: 'error', message: this.fail(activity.reason) },
    });
  }

  // ---- live events: queued, merged once per frame ----

  pushRuntime(r: Runtime): void {
    this.pendingRuntimes.set(r.id, r);
    this.schedule();
  }

  pushUsage(p: UsagePush): void {
    this.pendingUsage.push(p);
    this.schedule();
  }

  pushTask(p: TaskPush): void {
    this.pendingTasks.push(p);
    this.schedule();
  }

  private schedule(): void {
    if (this.frame !== null) return;
    // A hidden tab gets no animation frames; a timer keeps its numbers right for when it is shown again.
    if (typeof document !== 'undefined' && document.hidden) {
      this.frame = window.setTimeout(() => this.flush(), 250) as unknown as number;
    } else {
      this.frame = requestAnimationFrame(() => this.flush());
    }
  }

  /** Applies every queued event; exposed so a test or a hidden tab can force it. */
  flush(): void {
    this.frame = null;
    const usage = this.pendingUsage;
    const tasks = this.pendingTasks;
    const runtimes = this.pendingRuntimes;
    this.pendingUsage = [];
    this.pendingTasks = [];
    this.pendingRuntimes = new Map();
    const s = this.state;
    const patch: Partial<State> = {};
    if (runtimes.size > 0 && s.runtimes.status === 'ready') {
      const list = s.runtimes.data.map((r) => runtimes.get(r.id) ?? r);
      const known = new Set(list.map((r) => r.id));
      for (const r of runtimes.values()) if (!known.has(r.id)) list.push(r);
      patch.runtimes = { ...s.runtimes, data: list };
    }
    if (usage.length > 0) {
      const now = Date.now();
      const lastDeltaAt = { ...s.lastDeltaAt };
      for (const p of usage) lastDeltaAt[p.runtime_id] = now;
      patch.lastDeltaAt = lastDeltaAt;
      if (s.overview.status === 'ready') {
        const since = windowDates(OVERVIEW_DAYS, s.tz).at(-1);
        const data = mergeUsage(s.overview.data, usage, { tz: s.tz, since });
        patch.overview = { ...s.overview, data };
      }
    }
    const d = s.detail;
    if (d && (usage.length > 0 || tasks.length > 0)) {
      const mine = usage.filter((p) => p.runtime_id === d.id);
      let next = d;
      if (mine.length > 0 && d.usage.status === 'ready') {
        const since = windowDates(detailFetchDays(d.days), s.tz).at(-1);
        const data = mergeUsage(d.usage.data, mine, { tz: s.tz, since });
        next = { ...next, usage: { ...d.usage, data } };
      }
      if (d.hourly.status === 'ready') {
        const since = windowDates(d.days, s.tz).at(-1) ?? '';
        let h = d.hourly.data;
        for (const t of tasks) if (t.runtime_id === d.id) h = countTask(h, t.task, s.tz, since);
        if (h !== d.hourly.data) next = { ...next, hourly: { ...d.hourly, data: h } };
      }
      if (next !== d) patch.detail = next;
    }
    if (Object.keys(patch).length > 0) this.set(patch);
  }
}
