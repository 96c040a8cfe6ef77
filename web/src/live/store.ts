/**
 * The state store: loads over REST, takes live socket events into a queue and merges them once per animation
 * frame, so a burst of deltas costs one redraw. After a reconnect everything is refetched, as the contract asks.
 *
 * The parts: Sessions (token and REST client), Loads (what each page shows, latest answer wins), LiveQueue and
 * mergeLive (socket events into the state). This class holds the state and is the one face the pages use.
 */
import type { Runtime, TaskPush, UsagePush } from '../../../shared/schemas';
import { type Filter, filterKey } from '../lib/filter';
import { ApiError } from './api';
import { type LiveBatch, LiveQueue, mergeLive } from './live-merge';
import { errorText, Loads } from './loads';
import { PushLog } from './seen';
import { Sessions } from './session';
import type { State } from './state';
import { hubLost, initialState, loadingGroups, movedBrowserZone, startZone } from './state';
import { TZ_KEY } from './storage-keys';

type Listener = () => void;

export class Store {
  private state: State;
  private readonly listeners = new Set<Listener>();
  private readonly sessions: Sessions;
  private readonly loads: Loads;
  private readonly live = new LiveQueue((batch) => this.applyLive(batch));
  /** Usage pushes merged while a fetch is in flight: replayed onto its answer where it lacks them. */
  private readonly log = new PushLog();
  /** Task pushes likewise, replayed onto the hourly activity. */
  private readonly taskLog = new PushLog<TaskPush>();
  /** Set by the first loadAll: before it, a filter change only sets what the first overview load asks for. */
  private started = false;

  /** `routeTz`: the zone the opening address names, so the first loads already ask in it (and it is kept). */
  constructor(
    private readonly storage: Storage = localStorage,
    private readonly routeTz?: string,
  ) {
    this.sessions = new Sessions(storage);
    const token = this.sessions.current?.token ?? null;
    if (routeTz) storage.setItem(TZ_KEY, routeTz);
    this.state = initialState(token, startZone(storage, routeTz));
    const access = { get: this.get, set: (patch: Partial<State>) => this.set(patch) };
    this.loads = new Loads(access, this.sessions, (err) => this.fail(err), this.log, this.taskLog);
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

  // ---- session ----

  signIn(token: string): void {
    this.sessions.signIn(token);
    this.set({ token, signInMessage: null, watchingSince: Date.now(), lastDeltaAt: {} });
  }

  signOut(message: string | null = null): void {
    this.sessions.signOut();
    this.set({
      token: null,
      signInMessage: message,
      me: { status: 'loading' },
      runtimes: { status: 'loading' },
      overview: { status: 'loading' },
      overviewGroups: loadingGroups(),
      detail: null,
      connection: 'connecting',
      lostSince: null,
    });
  }

  /** A 401 anywhere means the token is gone (bad or revoked): back to sign-in with the reason. */
  private fail(err: unknown): string {
    if (err instanceof ApiError && err.status === 401) {
      this.signOut('The hub refused this token (401). It may be mistyped, revoked, or a daemon token.');
    }
    return errorText(err);
  }

  setConnection(connection: State['connection']): void {
    if (this.state.connection === connection) return;
    const lostSince = hubLost(connection) ? (this.state.lostSince ?? Date.now()) : null;
    this.set({ connection, lostSince });
  }

  /**
   * Confirms the zone the page opened in when it was the browser's as last seen (startZone): if the browser's
   * has changed since, the page moves to it and asks again. Called once the first charts are drawn.
   */
  checkBrowserZone(): void {
    const own = movedBrowserZone(this.storage, this.routeTz);
    if (own && own !== this.state.tz) this.changeZone(own);
  }

  setTimeZone(tz: string): void {
    this.storage.setItem(TZ_KEY, tz);
    this.changeZone(tz);
  }

  private changeZone(tz: string): void {
    this.set({ tz });
    void this.loads.overview();
    const d = this.state.detail;
    if (d) void this.loads.detail(d.id, d.days);
  }

  /**
   * The page's filter changed (the address did): what is shown answered another question, so it goes back to
   * loading and is asked again with the filter. The hourly tasks are refetched too (one call path), unfiltered.
   */
  setFilter(filter: Filter): void {
    if (filterKey(filter) === filterKey(this.state.filter)) return;
    const d = this.state.detail;
    this.set({
      filter,
      overview: { status: 'loading' },
      overviewGroups: loadingGroups(),
      detail: d && { ...d, usage: { status: 'loading' }, groups: loadingGroups() },
    });
    // An open detail page fetches on its own from the start (openDetail), so it is asked again in any case.
    if (d) void this.loads.detail(d.id, d.days);
    if (this.started) void this.loads.overview();
  }

  // ---- REST loads ----

  /**
   * Loads what the pages show; called at start and after every reconnect. An open detail page is fetched again
   * even on the first connect: its first fetch (openDetail, started before the bundle ran) answered before the
   * socket joined the workspace's room, and a usage committed in between reached the page by neither. The charts
   * are drawn from the first answer; this one replaces it quietly.
   */
  async loadAll(): Promise<void> {
    this.started = true;
    const d = this.state.detail;
    const detail = d ? this.loads.detail(d.id, d.days) : Promise.resolve();
    await Promise.all([this.loads.meta(), this.loads.runtimes(), this.loads.overview(), detail]);
  }

  loadRuntimes(): Promise<void> {
    return this.loads.runtimes();
  }

  loadOverview(): Promise<void> {
    return this.loads.overview();
  }

  openDetail(id: string, days: number): void {
    const d = this.state.detail;
    if (d && d.id === id && d.days === days) return;
    this.set({
      detail: {
        id,
        days,
        usage: { status: 'loading' },
        hourly: { status: 'loading' },
        groups: loadingGroups(),
      },
    });
    void this.loads.detail(id, days);
  }

  closeDetail(): void {
    if (!this.state.detail) return;
    this.set({ detail: null });
    // The overview's panel is not asked for while a runtime page is open (see Loads.overviewGroups).
    if (this.started && this.state.overviewGroups.project.status === 'loading')
      void this.loads.overviewGroups();
  }

  // ---- live events: queued, merged once per frame ----

  pushRuntime(r: Runtime): void {
    this.live.runtime(r);
  }

  pushUsage(p: UsagePush): void {
    this.live.usage(p);
  }

  pushTask(p: TaskPush): void {
    this.live.task(p);
  }

  /** Applies every queued event; exposed so a test or a hidden tab can force it. */
  flush(): void {
    this.live.flush();
  }

  private applyLive(batch: LiveBatch): void {
    this.log.record(batch.usage);
    this.taskLog.record(batch.tasks);
    const patch = mergeLive(this.state, batch);
    if (Object.keys(patch).length > 0) this.set(patch);
  }
}
