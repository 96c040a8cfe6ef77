/**
 * The demo's past: a small team's fleet (named runtimes on named machines, with scan statistics) and about 90
 * days of their usage and tasks — busy weekdays, quiet weekends, office hours, adoption growing over the
 * quarter — sent through the hub's own daemon socket, so every chart has something true to show at first sight.
 */
import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { Ack, DaemonClientEvents } from '../../shared/ack';
import type { HelloPayload, Task, UsageEvent } from '../../shared/schemas';
import { addCounts } from '../../shared/tokens';
import { dayFactor, syntheticEvent } from './simulate';

/** One runtime of the demo fleet: who it is (the live simulation then speaks as the same daemon). */
export interface FleetMember {
  daemonId: string;
  provider: 'claude' | 'codex';
  name: string;
  device: string;
  /** Agent turns on a busy weekday at the end of the history. */
  turnsPerDay: number;
  /** Who works on this runtime and in which repositories (the first the busiest): the events' attribution. */
  user?: string;
  projects?: string[];
  metadata: NonNullable<HelloPayload['runtimes'][number]['metadata']>;
}

function member(
  provider: FleetMember['provider'],
  name: string,
  device: string,
  turnsPerDay: number,
  files: number,
  user: string,
  projects: string[],
): FleetMember {
  const events = turnsPerDay * 20;
  const scan = {
    files,
    lines: events * 9,
    bytes: events * 9 * 1400,
    events,
    duplicates: Math.round(events * 0.03),
    skipped: Math.round(events * 0.4),
    unparsable: files > 100 ? 2 : 0,
  };
  return {
    daemonId: randomUUID(),
    provider,
    name,
    device,
    turnsPerDay,
    user,
    projects,
    metadata: { scan, version: 'demo' },
  };
}

/** Which of a member's projects its n-th session works in: the first most often, as in a real team. */
const PROJECT_CYCLE = [0, 0, 1, 0, 2, 1, 0, 3, 0, 1] as const;

/**
 * The attribution of a member's n-th session (task): its project, the session id (the task's) and the user,
 * as the daemon would send them. Chosen by position, not by the random source, so seeded histories stay the same.
 */
export function sessionAttribution(
  m: Pick<FleetMember, 'user' | 'projects'>,
  n: number,
  sessionId: string,
): Pick<UsageEvent, 'project' | 'session_id' | 'user'> {
  const projects = m.projects ?? [];
  const project = projects[(PROJECT_CYCLE[n % PROJECT_CYCLE.length] ?? 0) % Math.max(1, projects.length)];
  return { ...(project ? { project } : {}), session_id: sessionId, ...(m.user ? { user: m.user } : {}) };
}

/** The team the demo shows: two laptops and a build box, both providers. */
export function demoFleet(): FleetMember[] {
  return [
    member('claude', 'Claude Code', 'anna-mbp (darwin arm64)', 560, 212, 'anna', [
      'runtime-hub',
      'web-app',
      'infra',
    ]),
    member('codex', 'Codex', 'anna-mbp (darwin arm64)', 240, 48, 'anna', ['web-app', 'runtime-hub']),
    member('claude', 'Claude Code', 'build-box (linux x64)', 360, 131, 'ci', [
      'runtime-hub',
      'web-app',
      'mobile',
      'infra',
    ]),
    member('codex', 'Codex', 'ravi-xps (linux x64)', 180, 37, 'ravi', ['mobile', 'web-app', 'data-pipeline']),
  ];
}

const DAY_MS = 86_400_000;
/** Share of a weekday's work done on Sunday … Saturday. */
const WEEKDAY = [0.08, 1, 1, 0.95, 1, 0.8, 0.15] as const;

/** A local hour weighted by the office-hours curve of the live simulation. */
function workHour(rand: () => number): number {
  for (;;) {
    const hour = Math.floor(rand() * 24);
    if (rand() < dayFactor(hour)) return hour;
  }
}

/**
 * Consecutive turns of a task are folded into one event: the charts read days and hours, not turns, and a
 * few thousand rows instead of tens of thousands keep the demo's start to a few seconds.
 */
const TURNS_PER_EVENT = 24;

function addTurn(a: UsageEvent, b: UsageEvent): UsageEvent {
  return { ...a, ...addCounts(a, b) };
}

export interface History {
  events: UsageEvent[];
  tasks: Task[];
}

/**
 * `days` days of one runtime up to `now`: turns grouped into tasks of a few to a few dozen turns, a minute or
 * two apart, each task started at an office hour. Nothing lies in the future.
 */
export function runtimeHistory(m: FleetMember, days: number, rand: () => number, now: Date): History {
  const events: UsageEvent[] = [];
  const tasks: Task[] = [];
  for (let back = days - 1; back >= 0; back--) {
    const day = new Date(now.getTime() - back * DAY_MS);
    day.setHours(0, 0, 0, 0);
    // Adoption grows from half to full over the period; each day varies by ±30%.
    const ramp = 0.5 + 0.5 * ((days - back) / days);
    let turns = Math.round(m.turnsPerDay * (WEEKDAY[day.getDay()] ?? 1) * ramp * (0.7 + 0.6 * rand()));
    while (turns > 0) {
      const size = Math.min(turns, 6 + Math.floor(rand() * rand() * 120));
      turns -= size;
      let at = day.getTime() + workHour(rand) * 3_600_000 + Math.floor(rand() * 3_600_000);
      if (at > now.getTime()) continue;
      const created = new Date(at).toISOString();
      const task: Task = { id: randomUUID(), status: 'completed', created_at: created, started_at: created };
      const who = sessionAttribution(m, tasks.length, task.id);
      for (let i = 0; i < size && at <= now.getTime(); i += TURNS_PER_EVENT) {
        const turns = Array.from({ length: Math.min(TURNS_PER_EVENT, size - i) }, () =>
          syntheticEvent(m.provider, rand, new Date(at)),
        );
        events.push({ ...turns.reduce(addTurn), ...who });
        at += turns.length * (30_000 + Math.floor(rand() * 150_000));
      }
      tasks.push({ ...task, completed_at: new Date(Math.min(at, now.getTime())).toISOString() });
    }
  }
  return { events, tasks };
}

type DaemonSocket = Socket<Record<string, never>, DaemonClientEvents>;

function data<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

const BATCH = 1000;

function batches<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/** Registers the fleet as daemons and sends their history; returns how many events and tasks were accepted. */
export async function seedHistory(o: {
  url: string;
  token: string;
  fleet: FleetMember[];
  days: number;
  random?: () => number;
  now?: Date;
}): Promise<{ events: number; tasks: number }> {
  const rand = o.random ?? Math.random;
  const now = o.now ?? new Date();
  const sent = { events: 0, tasks: 0 };
  await Promise.all(
    o.fleet.map(async (m) => {
      const socket: DaemonSocket = io(`${o.url}/daemon`, {
        auth: { token: o.token },
        transports: ['websocket'],
        forceNew: true,
      });
      try {
        const hello = data(
          await socket.emitWithAck('hello', {
            daemon_id: m.daemonId,
            device_info: m.device,
            runtimes: [{ provider: m.provider, name: m.name, runtime_mode: 'local', metadata: m.metadata }],
          }),
        );
        const runtimeId = hello.runtimes[0]?.id;
        if (!runtimeId) throw new Error('the hub registered no runtime');
        const history = runtimeHistory(m, o.days, rand, now);
        for (const events of batches(history.events)) {
          const { accepted } = data(await socket.emitWithAck('usage', { runtime_id: runtimeId, events }));
          sent.events += accepted;
        }
        for (const tasks of batches(history.tasks)) {
          const { accepted } = data(await socket.emitWithAck('task', { runtime_id: runtimeId, tasks }));
          sent.tasks += accepted;
        }
      } finally {
        socket.disconnect();
      }
    }),
  );
  return sent;
}
