/**
 * The ack envelope every socket call is answered with, and the typed event maps of both namespaces and of the
 * hub's nodes among themselves. The hub's `Server` is typed with these maps, so they are the only list of events.
 */
import { z } from 'zod';
import type { BudgetState } from './budgets';
import type { ErrorCode, WireError } from './errors';
import type {
  AcceptedResult,
  HelloPayload,
  HelloResult,
  Runtime,
  TaskPayload,
  TaskPush,
  UsagePayload,
  UsagePush,
} from './schemas';

export type Ack<T> = { ok: true; data: T } | { ok: false; error: WireError };
export type AckCallback<T> = (ack: Ack<T>) => void;

/** @example ackError('not_found', 'runtime not found') */
export function ackError(code: ErrorCode, message: string): Ack<never> {
  return { ok: false, error: { code, message } };
}

/** @example ackOk({ accepted: 3 }) */
export function ackOk<T>(data: T): Ack<T> {
  return { ok: true, data };
}

/** Daemon → hub (`/daemon`). Payloads are `unknown` on the server side until the shared schema parses them. */
export interface DaemonClientEvents {
  hello: (payload: HelloPayload, ack: AckCallback<HelloResult>) => void;
  usage: (payload: UsagePayload, ack: AckCallback<AcceptedResult>) => void;
  task: (payload: TaskPayload, ack: AckCallback<AcceptedResult>) => void;
}

/** The data an event's ack carries when ok. */
export type AckData<E extends keyof DaemonClientEvents> =
  Parameters<DaemonClientEvents[E]>[1] extends AckCallback<infer T> ? T : never;

/** Hub → daemon (`/daemon`): only acks, no events. */
export type DaemonServerEvents = Record<never, never>;

/** Hub → dashboard (`/dashboard`). */
export interface DashboardServerEvents {
  runtime: (runtime: Runtime) => void;
  usage: (push: UsagePush) => void;
  task: (push: TaskPush) => void;
  /** A budget's live state, when its spend changes (at most once a second per budget) or a threshold is crossed. */
  budget: (state: BudgetState) => void;
}

/** Dashboard → hub (`/dashboard`): dashboards only listen. */
export type DashboardClientEvents = Record<never, never>;

/** Everything a client may send the hub, over both namespaces (Socket.IO types one map per server). */
export type ClientToServerEvents = DaemonClientEvents & DashboardClientEvents;
/** Everything the hub may send a client, over both namespaces. */
export type ServerToClientEvents = DaemonServerEvents & DashboardServerEvents;

/** Node → node, through the adapter: make the dashboards of these workspaces refetch. */
export const RESYNC_EVENT = 'runtime-hub:resync';

/** Node ↔ node (`serverSideEmit`). What arrives is parsed with `ResyncRequest` all the same: it crossed Redis. */
export interface InterServerEvents {
  [RESYNC_EVENT]: (workspaceIds: ResyncRequest) => void;
}

/** @example ResyncRequest.parse(['0b6f…']) */
export const ResyncRequest = z.array(z.string());
export type ResyncRequest = z.infer<typeof ResyncRequest>;
