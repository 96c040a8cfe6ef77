/**
 * Sends the outbox to the hub: `hello` first on every connection (and when asked), then usage and task batches,
 * each removed from the outbox only once acknowledged. Retryable failures (unavailable, rate_limited, timeouts,
 * disconnects) back off with jitter; a batch refused as invalid or too large is split in halves until the bad
 * item is isolated and dropped, so one bad event never blocks or loses the others. After a few failed socket
 * connections the REST fallback carries the same calls.
 *
 * The parts: Announcer (hello and runtime ids), ItemSender (batches, in flight, acks, refusals), Workers (the
 * loop and its rests) and, here, one worker's turn: the choice of transport and what each outcome costs (go
 * on, back off, hello again, rest).
 */
import type { WireError } from '../../shared/errors';
import type { HelloPayload } from '../../shared/schemas';
import { Announcer } from './announcer';
import { Backoff } from './backoff';
import { type DeliveryStats, ItemSender } from './item-sender';
import type { Logger } from './log';
import type { Outbox } from './outbox';
import { SocketConnection } from './socket-connection';
import { restTransport, type Transport } from './transport';
import { Workers } from './workers';

export type { DeliveryStats } from './item-sender';

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

/** What a worker does after one call: go on at once, back off, hello again, or rest a while. */
type Outcome = 'ok' | 'retry' | 'rehello' | 'idle' | 'wait';

export class Delivery {
  readonly stats: DeliveryStats = {
    events: 0,
    tasks: 0,
    droppedEvents: 0,
    droppedTasks: 0,
    transport: 'none',
  };
  /** Last time an ack moved things forward (for --once's idle deadline). */
  lastProgress = Date.now();
  private readonly announcer: Announcer;
  private readonly sender: ItemSender;
  private readonly conn: SocketConnection;
  private readonly rest: Transport;
  private readonly timeoutMs: number;
  private readonly restAfter: number;
  private readonly backoff: Backoff;
  private readonly workers: Workers;

  constructor(private readonly o: DeliveryOptions) {
    this.timeoutMs = o.timeoutMs ?? 15_000;
    this.restAfter = o.restAfterFailures ?? 3;
    // Several workers keep batches in flight at once; the hub's largest-wins makes their order irrelevant.
    this.workers = new Workers(Math.max(1, o.concurrency ?? 4), (i) => this.turn(i));
    this.backoff = o.backoff ?? new Backoff();
    this.announcer = new Announcer(o.hello);
    this.sender = new ItemSender({
      outbox: o.outbox,
      log: o.log,
      stats: this.stats,
      batchSize: o.batchSize ?? 500,
      announcer: this.announcer,
      onProgress: () => this.progress(),
    });
    this.rest = restTransport(o.url, o.token, this.timeoutMs);
    const onConnect = () => {
      this.announcer.request(); // the hub marks runtimes online per connection
      this.backoff.reset();
      this.kick();
    };
    const events = { onConnect, onUnauthorized: (m: string) => this.o.onUnauthorized(m) };
    this.conn = new SocketConnection(o.url, o.token, this.timeoutMs, o.log, events, o.reconnectDelayMs);
    o.outbox.onChange(() => this.kick());
  }

  /** provider → runtime id, from the last hello ack. */
  get runtimeIds(): ReadonlyMap<string, string> {
    return this.announcer.runtimeIds;
  }

  start(): void {
    this.workers.start();
  }

  async stop(): Promise<void> {
    const stopped = this.workers.stop();
    // Closed after the workers are told to stop and before waiting for them: a call awaiting its ack fails now.
    this.conn.close();
    await stopped;
  }

  /** Wakes the workers (something was queued or changed). */
  kick(): void {
    this.workers.kick();
  }

  /** Sends hello again with fresh runtime metadata (scan counters) at the next opportunity. */
  requestHello(): void {
    this.announcer.request();
    this.kick();
  }

  /** Nothing left to send and the last requested hello acknowledged. */
  get idle(): boolean {
    return !this.announcer.pending && this.o.outbox.size === 0;
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

  /** One turn of a worker: a call to the hub if there is a way to it; answers how long to rest after it. */
  private async turn(index: number): Promise<number> {
    const t = this.transport();
    if (index === 0) this.stats.transport = t?.kind ?? 'none';
    if (!t) return 1000;
    let outcome: Outcome;
    try {
      outcome = await this.step(t, index);
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message, via: t.kind }, 'hub call failed; will retry');
      outcome = 'retry';
    }
    if (outcome === 'idle') return t.kind === 'rest' ? 2000 : 5000;
    if (outcome === 'wait') return 1000;
    if (outcome === 'retry') return this.backoff.next();
    if (outcome === 'rehello') this.announcer.request();
    return 0;
  }

  /** One call to the hub: hello when needed (worker 0 only; the others wait for it), else the next batch. */
  private async step(t: Transport, index: number): Promise<Outcome> {
    const providers = this.o.outbox.providers();
    if (this.announcer.due(providers)) {
      if (index !== 0) return 'wait';
      const hello = await this.announcer.announce(t);
      if (hello === 'nothing to announce') return 'idle';
      if (hello !== 'announced') return this.failure(hello.error, 'hello');
      this.progress();
      this.kick();
      return 'ok';
    }
    const sent = await this.sender.sendNext(t, providers);
    if (sent === 'nothing to send') return 'idle';
    if (sent === 'sent') return 'ok';
    return this.failure(sent.error, sent.what);
  }

  /** The socket while connected; REST after a few failed connection attempts; else none yet. */
  private transport(): Transport | null {
    if (this.conn.connected) return this.conn.transport(this.timeoutMs);
    if (this.conn.failures >= this.restAfter) return this.rest;
    return null;
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
