/**
 * Sends the outbox to the hub: `hello` first on every connection (and when asked), then usage and task batches,
 * each removed from the outbox only once acknowledged. Retryable failures (unavailable, rate_limited, timeouts,
 * disconnects) back off with jitter; a batch refused as invalid or too large is split in halves until the bad
 * item is isolated and dropped, so one bad event never blocks or loses the others. After a few failed socket
 * connections the REST fallback carries the same calls.
 */
import type { Ack } from '../../shared/ack';
import type { WireError } from '../../shared/errors';
import { type HelloPayload, HelloResult, type Task, type UsageEvent } from '../../shared/schemas';
import { Backoff } from './backoff';
import { sendSplitting } from './batch-send';
import type { Logger } from './log';
import type { Outbox } from './outbox';
import { SocketConnection } from './socket-connection';
import { restTransport, type Transport } from './transport';

export interface DeliveryOptions {
  url: string;
  token: string;
  outbox: Outbox;
  log: Logger;
  /** The hello payload to send now, or null while there is no runtime to announce. */
  hello: () => HelloPayload | null;
  /** Called when the hub refuses the token: the daemon cannot go on. */
  onUnauthorized: (message: string) => void;
  timeoutMs?: number;
  batchSize?: number;
  /** Failed socket connection attempts before REST is used. */
  restAfterFailures?: number;
  backoff?: Backoff;
  /** Batches in flight at once (default 4). */
  concurrency?: number;
  /** First socket reconnection delay (doubles up to 30 s, with jitter). */
  reconnectDelayMs?: number;
}

export interface DeliveryStats {
  events: number;
  tasks: number;
  droppedEvents: number;
  droppedTasks: number;
  transport: 'socket' | 'rest' | 'none';
}

type Outcome = 'ok' | 'retry' | 'rehello';
const RETRYABLE_INTERNAL = 5;

export class Delivery {
  readonly stats: DeliveryStats = {
    events: 0,
    tasks: 0,
    droppedEvents: 0,
    droppedTasks: 0,
    transport: 'none',
  };
  /** provider → runtime id, from the last hello ack. */
  readonly runtimeIds = new Map<string, string>();
  private readonly conn: SocketConnection;
  private readonly rest: Transport;
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  private readonly restAfter: number;
  private readonly backoff: Backoff;
  private helloNeeded = true;
  private helloAnnounced = new Set<string>();
  /** Hello generation at the first `not_found` since the last success (drop only after a newer hello). */
  private notFoundSince: number | undefined;
  private helloGeneration = 0;
  private internalStreak = 0;
  private stopped = false;
  private readonly wakers = new Set<() => void>();
  private readonly inflight = new WeakSet<object>();
  private readonly concurrency: number;
  private loop: Promise<void> | null = null;
  /** Last time an ack moved things forward (for --once's idle deadline). */
  lastProgress = Date.now();

  constructor(private readonly o: DeliveryOptions) {
    this.timeoutMs = o.timeoutMs ?? 15_000;
    this.batchSize = o.batchSize ?? 500;
    this.restAfter = o.restAfterFailures ?? 3;
    this.concurrency = Math.max(1, o.concurrency ?? 4);
    this.backoff = o.backoff ?? new Backoff();
    this.rest = restTransport(o.url, o.token, this.timeoutMs);
    this.conn = new SocketConnection(
      o.url,
      o.token,
      this.timeoutMs,
      o.log,
      {
        onConnect: () => {
          this.helloNeeded = true; // the hub marks runtimes online per connection
          this.backoff.reset();
          this.kick();
        },
        onUnauthorized: (m) => this.o.onUnauthorized(m),
      },
      o.reconnectDelayMs,
    );
    o.outbox.onChange(() => this.kick());
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.kick();
    this.conn.close();
    await this.loop;
  }

  /** Wakes the workers (something was queued or changed). */
  kick(): void {
    for (const w of [...this.wakers]) w();
  }

  /** Sends hello again with fresh runtime metadata (scan counters) at the next opportunity. */
  requestHello(): void {
    this.helloNeeded = true;
    this.kick();
  }

  /** Nothing left to send and the last requested hello acknowledged. */
  get idle(): boolean {
    return !this.helloNeeded && this.o.outbox.size === 0;
  }

  get connected(): boolean {
    return this.conn.connected;
  }

  /** Resolves true once idle, or false after `idleMs` without acknowledged progress or `maxMs` in all. */
  async flush(idleMs: number, maxMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const since = Date.now();
    while (!this.idle) {
      const now = Date.now();
      if (now - Math.max(since, this.lastProgress) > idleMs || now - since > maxMs) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  private transport(): Transport | null {
    if (this.conn.connected) return this.conn.transport(this.timeoutMs);
    if (this.conn.failures >= this.restAfter) return this.rest;
    return null;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  /** Several workers keep batches in flight at once; the hub's largest-wins makes their order irrelevant. */
  private async run(): Promise<void> {
    await Promise.all(Array.from({ length: this.concurrency }, (_, i) => this.worker(i)));
  }

  private async worker(index: number): Promise<void> {
    while (!this.stopped) {
      const t = this.transport();
      if (index === 0) this.stats.transport = t?.kind ?? 'none';
      if (!t) {
        await this.sleep(1000);
        continue;
      }
      let outcome: Outcome | 'idle' | 'wait';
      try {
        outcome = await this.step(t, index);
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message, via: t.kind }, 'hub call failed; will retry');
        outcome = 'retry';
      }
      if (outcome === 'idle') await this.sleep(t.kind === 'rest' ? 2000 : 5000);
      else if (outcome === 'wait') await this.sleep(1000);
      else if (outcome === 'retry') await this.sleep(this.backoff.next());
      else if (outcome === 'rehello') this.helloNeeded = true;
    }
  }

  /** One call to the hub: hello when needed (worker 0 only; the others wait for it), else the next batch. */
  private async step(t: Transport, index: number): Promise<Outcome | 'idle' | 'wait'> {
    const providers = this.o.outbox.providers();
    if (this.helloNeeded || providers.some((p) => !this.helloAnnounced.has(p))) {
      if (index !== 0) return 'wait';
      const r = await this.sayHello(t);
      if (r === 'ok') this.kick();
      return r;
    }
    const skip = (item: object) => this.inflight.has(item);
    for (const p of providers) {
      const runtimeId = this.runtimeIds.get(p);
      if (!runtimeId) continue;
      const events = this.o.outbox.eventBatch(p, this.batchSize, skip);
      if (events.length) return this.inFlight(events, () => this.sendEvents(t, p, runtimeId, events));
      const tasks = this.o.outbox.taskBatch(p, this.batchSize, skip);
      if (tasks.length) return this.inFlight(tasks, () => this.sendTasks(t, p, runtimeId, tasks));
    }
    return 'idle';
  }

  private async inFlight<T>(items: object[], send: () => Promise<T>): Promise<T> {
    for (const i of items) this.inflight.add(i);
    try {
      return await send();
    } finally {
      for (const i of items) this.inflight.delete(i);
    }
  }

  private async sayHello(t: Transport): Promise<Outcome | 'idle'> {
    const payload = this.o.hello();
    if (!payload) {
      this.helloNeeded = false;
      return 'idle';
    }
    const ack = await t.hello(payload);
    if (!ack.ok) return this.failure(ack.error, 'hello');
    const parsed = HelloResult.safeParse(ack.data);
    if (!parsed.success) return this.failure({ code: 'internal', message: 'malformed hello ack' }, 'hello');
    for (const r of parsed.data.runtimes) this.runtimeIds.set(r.provider, r.id);
    this.helloAnnounced = new Set(payload.runtimes.map((r) => r.provider));
    this.helloNeeded = false;
    this.helloGeneration++;
    this.progress();
    return 'ok';
  }

  private sendEvents(t: Transport, provider: string, runtimeId: string, events: UsageEvent[]) {
    const send = (batch: UsageEvent[]) => t.usage({ runtime_id: runtimeId, events: batch });
    return this.sendBatch(
      events,
      send,
      (batch, dropped) => {
        this.o.outbox.removeEvents(provider, batch);
        this.stats[dropped ? 'droppedEvents' : 'events'] += batch.length;
      },
      'usage',
    );
  }

  private sendTasks(t: Transport, provider: string, runtimeId: string, tasks: Task[]) {
    const send = (batch: Task[]) => t.task({ runtime_id: runtimeId, tasks: batch });
    return this.sendBatch(
      tasks,
      send,
      (batch, dropped) => {
        this.o.outbox.removeTasks(provider, batch);
        this.stats[dropped ? 'droppedTasks' : 'tasks'] += batch.length;
      },
      'task',
    );
  }

  /** Sends a batch (splitting refused ones); a batch the hub still does not know after a new hello is dropped. */
  private async sendBatch<T>(
    batch: T[],
    send: (batch: T[]) => Promise<Ack<unknown>>,
    done: (batch: T[], dropped: boolean) => void,
    what: string,
  ): Promise<Outcome> {
    const generation = this.helloGeneration;
    const r = await sendSplitting(batch, send, {
      acked: (b) => {
        this.o.log.debug({ what, count: b.length }, 'acknowledged');
        done(b, false);
        this.internalStreak = 0;
        this.progress();
      },
      dropped: (b, error) => {
        this.o.log.warn({ error, item: b[0] }, `hub refused a ${what} item; dropped`);
        done(b, true);
        this.progress();
      },
      poisoned: (e) => {
        if (e.code === 'invalid_payload' || e.code === 'too_large') return true;
        // A persistent internal error on the same data is treated like a refusal, so it cannot block forever.
        if (e.code !== 'internal' || ++this.internalStreak < RETRYABLE_INTERNAL) return false;
        this.internalStreak = 0;
        return true;
      },
    });
    if (r.ok) {
      this.notFoundSince = undefined;
      return 'ok';
    }
    if (r.error.code === 'not_found') {
      if (this.notFoundSince !== undefined && generation > this.notFoundSince) {
        // Unknown even to a hello made after the first refusal: the hub will not take it (log and drop).
        this.o.log.warn(
          { error: r.error, count: batch.length },
          `hub does not know the runtime; ${what} dropped`,
        );
        done(batch, true);
        return 'ok';
      }
      this.notFoundSince ??= generation;
    }
    return this.failure(r.error, what);
  }

  private failure(error: WireError, what: string): Outcome {
    if (error.code === 'unauthorized') {
      this.o.onUnauthorized(error.message);
      return 'retry';
    }
    if (error.code === 'not_found') {
      this.o.log.info({ error }, `${what}: runtime unknown to the hub; announcing again`);
      return 'rehello';
    }
    this.o.log.warn({ error, via: this.stats.transport }, `${what} not accepted; will retry`);
    return 'retry';
  }

  private progress(): void {
    this.lastProgress = Date.now();
    this.backoff.reset();
  }
}
