/**
 * The ack envelope every socket call is answered with, and the typed event maps of both namespaces.
 */
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

/** Hub → dashboard (`/dashboard`). */
export interface DashboardServerEvents {
  runtime: (runtime: Runtime) => void;
  usage: (push: UsagePush) => void;
  task: (push: TaskPush) => void;
}
