/**
 * Synthetic daemons for demos and load: N runtimes (each its own daemon id and connection) producing usage with
 * a realistic model mix and token sizes (big cache reads, smaller outputs), a day/night rate pattern, and tasks.
 * Everything goes through the same outbox and delivery (acks, retries, REST fallback) as the real daemon.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Task, UsageEvent } from '../../shared/schemas';
import { Delivery } from './delivery';
import { type FleetMember, sessionAttribution } from './demo-history';
import { DAEMON_VERSION, deviceInfo } from './hello';
import type { Logger } from './log';
import { Outbox } from './outbox';

export interface SimulateOptions {
  url: string;
  token: string;
  runtimes: number;
  /** Events per second over all runtimes at the daily peak. */
  rate: number;
  /** Seconds; 0 runs until the signal aborts. */
  durationS: number;
  log: Logger;
  signal?: AbortSignal;
  random?: () => number;
  now?: () => Date;
  /** Speak as these runtimes (the demo's seeded fleet) instead of `runtimes` anonymous ones. */
  fleet?: FleetMember[];
}

export interface SimulateResult {
  ok: boolean;
  runtimes: number;
  generated: { events: number; tasks: number };
  sent: { events: number; tasks: number };
  pending: number;
  duration_s: number;
}

type Weighted = [string, number][];
const MODELS: Record<'claude' | 'codex', Weighted> = {
  claude: [
    ['claude-sonnet-4-5-20250929', 0.55],
    ['claude-opus-4-5-20251101', 0.2],
    ['claude-haiku-4-5-20251001', 0.25],
  ],
  codex: [
    ['gpt-5-codex', 0.45],
    ['gpt-5', 0.35],
    ['gpt-5-mini', 0.2],
  ],
};

function pick(w: Weighted, r: number): string {
  let acc = 0;
  for (const [v, p] of w) {
    acc += p;
    if (r < acc) return v;
  }
  return w[w.length - 1]?.[0] ?? 'unknown';
}

/** A log-uniform integer in [lo, hi]: token sizes spread over orders of magnitude, like real turns. */
function logUniform(rand: () => number, lo: number, hi: number): number {
  return Math.round(Math.exp(Math.log(lo) + rand() * (Math.log(hi) - Math.log(lo))));
}

/** Share of the peak rate at a local hour: quiet at night, rising in the morning, peak mid-afternoon. */
export function dayFactor(hour: number): number {
  const day = Math.sin((Math.PI * (hour - 7)) / 14);
  return 0.1 + 0.9 * Math.max(0, hour >= 7 && hour <= 21 ? day : 0);
}

/** One synthetic turn of a provider. */
export function syntheticEvent(provider: 'claude' | 'codex', rand: () => number, at: Date): UsageEvent {
  const model = pick(MODELS[provider], rand());
  const base = { id: randomUUID(), ts: at.toISOString(), provider, model };
  if (provider === 'claude') {
    return {
      ...base,
      input_tokens: logUniform(rand, 1, 3000),
      output_tokens: logUniform(rand, 20, 6000),
      cache_read_tokens: rand() < 0.9 ? logUniform(rand, 8000, 180_000) : 0,
      cache_write_tokens: rand() < 0.6 ? logUniform(rand, 200, 25_000) : 0,
    };
  }
  return {
    ...base,
    input_tokens: logUniform(rand, 200, 30_000),
    output_tokens: logUniform(rand, 30, 8000),
    cache_read_tokens: rand() < 0.85 ? logUniform(rand, 4000, 150_000) : 0,
    cache_write_tokens: 0,
  };
}

interface SimRuntime {
  provider: 'claude' | 'codex';
  daemonId: string;
  outbox: Outbox;
  delivery: Delivery;
  member: FleetMember;
  /** Sessions started so far (picks each one's project, see sessionAttribution). */
  sessions: number;
  task?: { task: Task; turnsLeft: number };
}

/** Who the anonymous synthetic runtimes are: a few people over a few repositories, for the attribution views. */
const SIM_USERS = ['anna', 'ravi', 'mei', 'jonas', 'ci'];
const SIM_PROJECTS = ['runtime-hub', 'web-app', 'infra', 'mobile', 'data-pipeline'];

export async function runSimulation(o: SimulateOptions): Promise<SimulateResult> {
  const rand = o.random ?? Math.random;
  const now = o.now ?? (() => new Date());
  const started = Date.now();
  let unauthorized = false;
  const host = hostname();
  const fleet: FleetMember[] =
    o.fleet ??
    Array.from({ length: o.runtimes }, (_, i) => {
      const provider = i % 2 === 0 ? 'claude' : 'codex';
      return {
        daemonId: randomUUID(),
        provider,
        name: `sim-${i + 1}-${provider}@${host}`,
        device: `simulated ${deviceInfo()}`.slice(0, 500),
        turnsPerDay: 0,
        user: SIM_USERS[i % SIM_USERS.length],
        projects: SIM_PROJECTS.map((_, k) => SIM_PROJECTS[(i + k) % SIM_PROJECTS.length] ?? ''),
        metadata: { simulated: true, version: DAEMON_VERSION },
      };
    });
  const sims: SimRuntime[] = fleet.map((member) => {
    const { provider, daemonId, name, device, metadata } = member;
    const outbox = new Outbox();
    const delivery = new Delivery({
      url: o.url,
      token: o.token,
      outbox,
      log: o.log,
      hello: () => ({
        daemon_id: daemonId,
        device_info: device,
        runtimes: [{ provider, name, runtime_mode: 'local', metadata }],
      }),
      onUnauthorized: (m) => {
        if (!unauthorized) o.log.error(`the hub refused the daemon token (${m})`);
        unauthorized = true;
      },
    });
    return { provider, daemonId, outbox, delivery, member, sessions: 0 };
  });
  for (const s of sims) s.delivery.start();

  const generated = { events: 0, tasks: 0 };
  const tickMs = 250;
  let carry = 0;
  const end = o.durationS > 0 ? started + o.durationS * 1000 : Number.POSITIVE_INFINITY;
  while (Date.now() < end && !o.signal?.aborted && !unauthorized && sims.length > 0) {
    const at = now();
    carry += o.rate * dayFactor(at.getHours()) * (tickMs / 1000);
    for (; carry >= 1; carry--) {
      const s = sims[Math.floor(rand() * sims.length)] as SimRuntime;
      if (!s.task) {
        const ts = at.toISOString();
        s.task = {
          task: { id: randomUUID(), status: 'running', created_at: ts, started_at: ts },
          turnsLeft: logUniform(rand, 3, 80),
        };
        s.outbox.putTask(s.provider, { ...s.task.task });
        s.sessions++;
        generated.tasks++;
      }
      const who = sessionAttribution(s.member, s.sessions - 1, s.task.task.id);
      s.outbox.putEvent(s.provider, { ...syntheticEvent(s.provider, rand, at), ...who });
      generated.events++;
      if (--s.task.turnsLeft <= 0) {
        s.outbox.putTask(s.provider, { ...s.task.task, status: 'completed', completed_at: at.toISOString() });
        s.task = undefined;
      }
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  // Sessions still open at the end are reported completed, so a demo leaves no task running forever.
  for (const s of sims) {
    if (s.task)
      s.outbox.putTask(s.provider, {
        ...s.task.task,
        status: 'completed',
        completed_at: now().toISOString(),
      });
  }
  const flushed = await Promise.all(sims.map((s) => (unauthorized ? false : s.delivery.flush(30_000))));
  await Promise.all(sims.map((s) => s.delivery.stop()));
  const sent = { events: 0, tasks: 0 };
  for (const s of sims) {
    sent.events += s.delivery.stats.events;
    sent.tasks += s.delivery.stats.tasks;
  }
  const pending = sims.reduce((n, s) => n + s.outbox.size, 0);
  return {
    ok: !unauthorized && flushed.every(Boolean) && pending === 0,
    runtimes: sims.length,
    generated,
    sent,
    pending,
    duration_s: Math.round((Date.now() - started) / 100) / 10,
  };
}
