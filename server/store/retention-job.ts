/**
 * The periodic retention job of a hub node: a round soon after start, then one per interval. Every node runs it;
 * the job's advisory lock makes one node delete at a time, and a round a node finds locked is left to the other.
 * Batches are small transactions paced by a duty cycle (retention.ts), so ingest never waits behind the job.
 */
import type { Logger } from 'pino';
import type { Database } from './database';
import { runRetention } from './retention';

export interface RetentionJobOptions {
  days: number;
  intervalMs: number;
  /** Delay of the first round after start (spread so a restarted cluster does not start together). */
  firstDelayMs?: number;
  batchSize?: number;
  pauseMs?: number;
  dutyCycle?: number;
}

export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly db: Database,
    private readonly options: RetentionJobOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.options.days <= 0) return;
    const first = this.options.firstDelayMs ?? 30_000 + Math.floor(Math.random() * 30_000);
    this.schedule(first);
  }

  /** Ends the round in progress after its current batch and waits for it. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One round now (tests, and the timer). */
  async round(): Promise<void> {
    try {
      const r = await runRetention(this.db, {
        days: this.options.days,
        batchSize: this.options.batchSize,
        pauseMs: this.options.pauseMs,
        dutyCycle: this.options.dutyCycle,
        stopped: () => this.stopping,
      });
      if (r.deleted > 0) this.logger.info({ ...r }, 'raw usage events past retention deleted');
    } catch (err) {
      this.logger.warn({ err }, 'raw usage retention round failed; the next round goes on');
    }
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => {
        this.running = undefined;
        this.schedule(this.options.intervalMs);
      });
    }, ms);
    this.timer.unref();
  }
}
