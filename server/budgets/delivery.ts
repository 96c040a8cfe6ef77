/**
 * Delivers threshold alerts from their rows (the outbox written in the usage commit that crossed the threshold).
 * Every node polls; a claim leases a row for longer than a send may take (timeout + margin) and a send is started
 * only while enough of the lease is left, so two nodes never send one alert while its lease is held. A node killed
 * mid-send leaves its lease to expire and another node sends again: on the wire that is at-least-once, and the
 * alert id (`Idempotency-Key` header and `alert_id` in the body) lets a receiver make it exactly-once. A failed
 * send is retried with exponential backoff (5 s doubling, capped at an hour, with jitter) up to MAX_ATTEMPTS.
 */
import type { Logger } from 'pino';
import type { AlertWebhookBody } from '../../shared';
import type { Metrics } from '../observability/metrics';
import {
  budgetById,
  type ClaimedAlert,
  claimDueAlerts,
  type Database,
  type DeliveryOutcome,
  publicBudget,
  recordDelivery,
} from '../store';
import { budgetState } from './state';
import { bodyFor, postWebhook } from './webhook';

export const MAX_ATTEMPTS = 10;
const BATCH = 10;

export interface DeliveryOptions {
  nodeId: string;
  timeoutMs: number;
  pollMs: number;
  version: string;
}

/** The lease of a claim: a send's timeout twice over plus five seconds for building the body and recording. */
export const leaseFor = (timeoutMs: number) => 2 * timeoutMs + 5_000;

/** Backoff before attempt `attempts + 1`: 5 s, 10 s, 20 s … capped at an hour, ±20% jitter. */
export function backoffMs(attempts: number): number {
  const base = Math.min(3_600_000, 5_000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** A send's failure in a line for the delivery log (the network cause, not fetch's generic message). */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `${err.message} (${code})` : err.message;
}

const money = (v: number) => `$${v.toFixed(2)}`;

export class AlertDelivery {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly options: DeliveryOptions,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
  }

  /** Looks for due alerts now (a crossing was just committed). */
  wake(): void {
    if (this.stopped || this.running) return;
    this.running = this.drain()
      .catch((err: unknown) => this.logger.warn({ err }, 'alert delivery round failed'))
      .finally(() => {
        this.running = null;
      });
  }

  /** Stops claiming; a send in flight finishes (its lease protects it either way). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async drain(): Promise<void> {
    const leaseMs = leaseFor(this.options.timeoutMs);
    while (!this.stopped) {
      const claimedAt = Date.now();
      const claimed = await claimDueAlerts(this.db, this.options.nodeId, leaseMs, BATCH);
      await Promise.all(claimed.map((a) => this.deliver(a, claimedAt + leaseMs)));
      if (claimed.length < BATCH) return;
    }
  }

  private async deliver(alert: ClaimedAlert, leaseEnds: number): Promise<void> {
    const budget = await budgetById(this.db, alert.budget_id);
    if (!budget?.webhook_url || budget.deleted) {
      await recordDelivery(this.db, alert, this.options.nodeId, {
        ok: false,
        status: null,
        error: budget?.deleted ? 'budget deleted' : 'budget has no webhook_url',
        retryInMs: null,
      });
      return;
    }
    const state = await budgetState(this.db, budget, alert.period_start);
    // Started only with a whole timeout (and a margin) left on the lease: a send never outlives its lease.
    if (Date.now() + this.options.timeoutMs + 2_000 > leaseEnds) return;
    const generic: AlertWebhookBody = {
      alert_id: alert.id,
      budget: publicBudget(budget),
      state,
      threshold: alert.threshold,
    };
    const text =
      `Budget "${budget.name}" crossed ${alert.threshold}% of ${money(budget.amount_usd)} ` +
      `(${budget.period} from ${alert.period_start}, ${budget.tz}): ${money(state.spent_usd)} spent, ` +
      `${money(state.projected_usd)} projected.`;
    let outcome: DeliveryOutcome;
    try {
      const { status } = await postWebhook(
        budget.webhook_url,
        bodyFor(budget.webhook_url, generic, text),
        {
          'idempotency-key': alert.id,
          'user-agent': `runtime-hub/${this.options.version}`,
        },
        this.options.timeoutMs,
      );
      outcome =
        status >= 200 && status < 300
          ? { ok: true, status }
          : { ok: false, status, error: `HTTP ${status}`, retryInMs: this.retryAfter(alert) };
    } catch (err) {
      const error = describe(err);
      outcome = { ok: false, status: null, error, retryInMs: this.retryAfter(alert) };
    }
    const recorded = await recordDelivery(this.db, alert, this.options.nodeId, outcome);
    const result = outcome.ok ? 'sent' : outcome.retryInMs === null ? 'failed' : 'retry';
    this.metrics.budgetAlerts.inc({ result });
    if (!recorded) this.logger.warn({ alert: alert.id }, 'an alert lease expired during its send');
  }

  private retryAfter(alert: ClaimedAlert): number | null {
    return alert.attempts >= MAX_ATTEMPTS ? null : backoffMs(alert.attempts);
  }
}
