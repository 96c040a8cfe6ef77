/**
 * Simulated daemons built on the real daemon delivery code (Outbox + Delivery: acks, retries with backoff,
 * reconnects, REST fallback), fed by a generator that records everything it queues in a Ledger. Load comes in
 * bursts (one per tick) so that dashboards see quiet gaps in which a refetch is unambiguous.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Backoff } from '../../server/daemon/backoff';
import { Delivery } from '../../server/daemon/delivery';
import { Outbox } from '../../server/daemon/outbox';
import type { Task, UsageEvent } from '../../shared/schemas';
import { Ledger } from './chaos-ledger';

const PROVIDERS = ['claude', 'codex'] as const;
type Provider = (typeof PROVIDERS)[number];
const MODELS: Record<Provider, string[]> = {
  claude: ['claude-sonnet-4-5', 'claude-haiku-4-5'],
  codex: ['gpt-5-codex', 'gpt-5-mini'],
};

/** An outbox that tells the ledger what the delivery loop takes out and what the hub acknowledged. */
class TrackedOutbox extends Outbox {
  constructor(private readonly ledger: Ledger) {
    super();
  }

  override eventBatch(...args: Parameters<Outbox['eventBatch']>): UsageEvent[] {
    const batch = super.eventBatch(...args);
    this.ledger.handedOut(batch);
    return batch;
  }

  /** Delivery removes a batch once acknowledged ok:true (or dropped, which `stats.droppedEvents` counts). */
  override removeEvents(provider: string, sent: UsageEvent[]): void {
    this.ledger.acked(sent);
    super.removeEvents(provider, sent);
  }
}

/** Counts the daemons' log messages (retries, disconnects) and keeps the last few for failure reports. */
function countingLogger() {
  const counts = new Map<string, number>();
  const recent: string[] = [];
  const logger = pino(
    { level: 'info', base: undefined, timestamp: false },
    {
      write(line: string) {
        let msg = line;
        try {
          msg = (JSON.parse(line) as { msg?: string }).msg ?? line;
        } catch {}
        counts.set(msg, (counts.get(msg) ?? 0) + 1);
        recent.push(line.trim());
        if (recent.length > 40) recent.shift();
      },
    },
  );
  return { logger, counts, recent };
}

export interface SimDaemon {
  index: number;
  daemonId: string;
  outbox: Outbox;
  delivery: Delivery;
  /** The task each provider is working on. */
  current: Partial<Record<Provider, Task>>;
}

export interface FleetOptions {
  url: string;
  token: string;
  daemons: number;
  /** New events per tick over the whole fleet. */
  eventsPerTick: number;
  tickMs: number;
  /** Share of new events first queued as a smaller streaming snapshot (final counts one tick later). */
  snapshotShare?: number;
  /** Already-queued events queued again unchanged per tick (re-sends must never double count). */
  resendsPerTick?: number;
}

export class DaemonFleet {
  readonly ledger = new Ledger();
  readonly daemons: SimDaemon[];
  readonly log = countingLogger();
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  private snapshots: { d: SimDaemon; provider: Provider; final: UsageEvent }[] = [];
  private readonly ids: string[] = [];
  private tickWaiters: (() => void)[] = [];

  constructor(private readonly o: FleetOptions) {
    this.daemons = Array.from({ length: o.daemons }, (_, index) => {
      const daemonId = randomUUID();
      const outbox = new TrackedOutbox(this.ledger);
      const delivery = new Delivery({
        url: o.url,
        token: o.token,
        outbox,
        log: this.log.logger,
        hello: () => ({
          daemon_id: daemonId,
          device_info: `chaos daemon ${index}`,
          runtimes: PROVIDERS.map((provider) => ({
            provider,
            name: `chaos-${index}-${provider}`,
            runtime_mode: 'local' as const,
          })),
        }),
        onUnauthorized: (m) => this.log.logger.error({ m }, 'unauthorized'),
        reconnectDelayMs: 300,
        backoff: new Backoff(300, 4_000),
        timeoutMs: 10_000,
      });
      return { index, daemonId, outbox, delivery, current: {} };
    });
  }

  /** Starts delivery and the generator (one burst per tick until stopGenerating). */
  start(): void {
    for (const d of this.daemons) {
      d.delivery.start();
      // Every daemon announces both runtimes at once, before any usage.
      for (const p of PROVIDERS) this.startTask(d, p);
    }
    this.timer = setInterval(() => this.tick(), this.o.tickMs);
  }

  /** Stops producing; open snapshots get their final counts and open tasks are completed. */
  stopGenerating(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.finishSnapshots();
    const at = new Date().toISOString();
    for (const d of this.daemons)
      for (const p of PROVIDERS) {
        const t = d.current[p];
        if (t) this.putTask(d, p, { ...t, status: 'completed', completed_at: at });
        d.current[p] = undefined;
      }
  }

  /** Resolves `delayMs` after the next burst was queued: a fault then hits calls in flight. */
  async midBurst(delayMs = 30): Promise<void> {
    await new Promise<void>((resolve) => this.tickWaiters.push(resolve));
    await new Promise((r) => setTimeout(r, delayMs));
  }

  /** Resolves once every outbox is empty, or throws after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending() > 0 || this.daemons.some((d) => !d.delivery.idle)) {
      if (Date.now() > deadline)
        throw new Error(
          `daemons still hold ${this.pending()} items after ${timeoutMs} ms\n${this.log.recent.join('\n')}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.daemons.map((d) => d.delivery.stop()));
  }

  pending(): number {
    return this.daemons.reduce((n, d) => n + d.outbox.size, 0);
  }

  connected(): number {
    return this.daemons.filter((d) => d.delivery.connected).length;
  }

  dropped(): number {
    return this.daemons.reduce(
      (n, d) => n + d.delivery.stats.droppedEvents + d.delivery.stats.droppedTasks,
      0,
    );
  }

  /** `<daemon index>/<provider>` → runtime id, from the hello acks. */
  runtimeIds(): Map<string, string> {
    const m = new Map<string, string>();
    for (const d of this.daemons)
      for (const [provider, id] of d.delivery.runtimeIds) m.set(`${d.index}/${provider}`, id);
    return m;
  }

  private tick(): void {
    this.finishSnapshots();
    const at = new Date();
    for (let i = 0; i < this.o.eventsPerTick; i++) {
      const d = this.daemons[Math.floor(Math.random() * this.daemons.length)]!;
      const provider = PROVIDERS[Math.floor(Math.random() * PROVIDERS.length)]!;
      const final = this.newEvent(d, provider, at);
      if (Math.random() < (this.o.snapshotShare ?? 0.2)) {
        const snapshot = { ...final };
        for (const k of ['output_tokens', 'cache_write_tokens'] as const)
          snapshot[k] = Math.floor(final[k] / 2);
        this.put(d, provider, snapshot, false);
        this.snapshots.push({ d, provider, final });
      } else this.put(d, provider, final, true);
      // Now and then a task ends and the next one starts.
      if (Math.random() < 0.05) {
        const t = d.current[provider];
        if (t) this.putTask(d, provider, { ...t, status: 'completed', completed_at: at.toISOString() });
        this.startTask(d, provider);
      }
    }
    for (let i = 0; i < (this.o.resendsPerTick ?? 2) && this.ids.length > 0; i++) {
      const rec = this.ledger.events.get(this.ids[Math.floor(Math.random() * this.ids.length)]!);
      if (!rec || rec.ackedTotal === 0) continue;
      const [index, provider] = rec.runtime.split('/');
      // An unchanged copy of an acknowledged version, as a rescan would send it.
      const d = this.daemons[Number(index)]!;
      if (rec.ackedTotal >= totalCounts(rec.final)) this.put(d, provider as Provider, { ...rec.final }, true);
    }
    const waiters = this.tickWaiters;
    this.tickWaiters = [];
    for (const w of waiters) w();
  }

  private finishSnapshots(): void {
    for (const { d, provider, final } of this.snapshots) this.put(d, provider, final, true);
    this.snapshots = [];
  }

  private newEvent(d: SimDaemon, provider: Provider, at: Date): UsageEvent {
    const n = ++this.seq;
    const r = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
    const models = MODELS[provider];
    return {
      id: `chaos-${d.index}-${provider}-${n}`,
      ts: at.toISOString(),
      provider,
      model: models[n % models.length]!,
      input_tokens: r(1, 5_000),
      output_tokens: r(2, 3_000),
      cache_read_tokens: r(0, 100_000),
      cache_write_tokens: r(0, 20_000),
      ...(d.current[provider] ? { task_id: d.current[provider]!.id } : {}),
    };
  }

  private put(d: SimDaemon, provider: Provider, event: UsageEvent, final: boolean): void {
    if (!this.ledger.events.has(event.id)) this.ids.push(event.id);
    this.ledger.queued(`${d.index}/${provider}`, event, final);
    d.outbox.putEvent(provider, event);
  }

  private startTask(d: SimDaemon, provider: Provider): void {
    const ts = new Date().toISOString();
    const task: Task = { id: randomUUID(), status: 'running', created_at: ts, started_at: ts };
    d.current[provider] = task;
    this.putTask(d, provider, task);
  }

  private putTask(d: SimDaemon, provider: Provider, task: Task): void {
    this.ledger.queuedTask(`${d.index}/${provider}`, task);
    d.outbox.putTask(provider, task);
  }
}

const totalCounts = (e: UsageEvent) =>
  e.input_tokens + e.output_tokens + e.cache_read_tokens + e.cache_write_tokens;
