/**
 * The messages between the harness and its own child processes (servers and load generators): each child gets
 * its configuration as one JSON argument, writes JSON lines with a `type` on stdout and reads JSON commands on
 * stdin. A child exits when its stdin closes, so it never outlives the harness.
 */
import { createInterface } from 'node:readline';
import type { SerializedHistogram } from './histogram';

export interface ErrorMessage {
  type: 'error';
  message: string;
}
export interface ListeningMessage {
  type: 'listening';
  port: number;
}
export interface ReadyMessage {
  type: 'ready';
  connected: number;
  failed: number;
  errors: Record<string, number>;
}
export interface HeldMessage {
  type: 'held';
  held: number;
  failed: number;
  errors: Record<string, number>;
}

/** What one load-daemons process measured. */
export interface DaemonResult {
  type: 'daemon-result';
  sockets: number;
  /** Every call of the run, warm-up included, each settled (acked or timed out). */
  calls: number;
  okCalls: number;
  events: number;
  okEvents: number;
  /** Refused or failed calls by error code (`timeout` when no ack came). */
  errors: Record<string, number>;
  /** The measured window (after the warm-up). */
  measured: { seconds: number; okEvents: number; okCalls: number };
  /** Calls a paced run could not start on time because every socket had its maximum in flight. */
  lagged: number;
  ackUs: SerializedHistogram;
}

/** What one load-dashboards process received. */
export interface DashboardResult {
  type: 'dashboard-result';
  sockets: number;
  /** `usage` messages received, over all sockets. */
  messages: number;
  /** Deltas of benchmark events received, over all sockets. */
  deltas: number;
  minPerSocket: number;
  maxPerSocket: number;
  complete: boolean;
  /** Epoch microseconds of the first and last benchmark delta received. */
  firstUs: number;
  lastUs: number;
  latencyUs: SerializedHistogram;
}

export type ChildMessage =
  | ErrorMessage
  | ListeningMessage
  | ReadyMessage
  | HeldMessage
  | DaemonResult
  | DashboardResult;

/** Epoch microseconds, comparable between processes of one machine. */
export const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

/** Child side: the configuration passed as the first argument. */
export function childConfig<T>(): T {
  const raw = process.argv[2];
  if (!raw) throw new Error('expected the configuration as a JSON argument');
  return JSON.parse(raw) as T;
}

/** Child side: one message to the harness. */
export function say(msg: ChildMessage): void {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
}

/**
 * Child side: runs `main`, reports a failure as an `error` message, exits when stdin closes (the harness is
 * gone or is stopping us) or after `maxSeconds` whatever happens.
 */
export function runChild(
  main: (commands: AsyncIterable<Record<string, unknown>>) => Promise<void>,
  maxSeconds: number,
) {
  setTimeout(() => {
    say({ type: 'error', message: `gave up after ${maxSeconds} s` });
    process.exit(3);
  }, maxSeconds * 1000).unref();
  const queue: Record<string, unknown>[] = [];
  let wake: (() => void) | null = null;
  createInterface({ input: process.stdin })
    .on('line', (line) => {
      try {
        queue.push(JSON.parse(line) as Record<string, unknown>);
        wake?.();
      } catch {
        // Ignore what is not a command.
      }
    })
    .on('close', () => process.exit(0));
  const commands: AsyncIterable<Record<string, unknown>> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = null;
      }
    },
  };
  main(commands).catch((err: unknown) => {
    say({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  });
}
