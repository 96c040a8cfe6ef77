/**
 * Namespace `/daemon`: `hello`, `usage` and `task` calls, each answered with the contract's ack envelope.
 * Limits per connection: payload size (`too_large`, the socket stays open) and a call rate (`rate_limited`).
 * The events are the keys of one typed table of handlers, so the shared event map is the only list of them.
 */
import type { EventEmitter } from 'node:events';
import {
  type AcceptedResult,
  type Ack,
  type AckData,
  ackError,
  ackOk,
  type DaemonClientEvents,
  type HelloResult,
} from '../../shared';
import { toWireError } from '../errors';
import { answerSignal, type Caller } from '../ingest/changes';
import type { Metrics } from '../observability/metrics';
import type { HubNamespace, HubSocket } from './io';
import type { PresenceTracker } from './presence';
import { TokenBucket } from './rate-limit';

export interface DaemonNamespaceOptions {
  nodeId: string;
  maxPayloadBytes: number;
  callsPerSecond: number;
}

/** What the namespace needs of ingest (the ingest service provides it). */
export interface DaemonOperations {
  hello(caller: Caller, payload: unknown, presenceOwner: string): Promise<HelloResult>;
  report(kind: 'usage' | 'task', caller: Caller, payload: unknown): Promise<AcceptedResult>;
}

type DaemonEvent = keyof DaemonClientEvents;

/** One call on one socket: who makes it, and who holds its runtimes' presence. */
interface DaemonCall {
  caller: Caller;
  owner: string;
  socket: HubSocket;
}

type DaemonHandlers = { [E in DaemonEvent]: (call: DaemonCall, payload: unknown) => Promise<AckData<E>> };

function daemonHandlers(ingest: DaemonOperations, presence: PresenceTracker) {
  return {
    hello: async ({ caller, owner, socket }, payload) => {
      const result = await ingest.hello(caller, payload, owner);
      presence.hold(
        result.runtimes.map((r) => r.id),
        owner,
      );
      // The socket may have gone while the hello was being written; its disconnect found nothing to release.
      // Released once answered, so that the offline status is reported after the registration, not before.
      if (socket.disconnected) void caller.answered.then(() => presence.release(owner));
      return result;
    },
    usage: ({ caller }, payload) => ingest.report('usage', caller, payload),
    task: ({ caller }, payload) => ingest.report('task', caller, payload),
  } satisfies DaemonHandlers;
}

export function attachDaemonNamespace(
  namespace: HubNamespace,
  deps: {
    ingest: DaemonOperations;
    presence: PresenceTracker;
    metrics: Metrics;
    options: DaemonNamespaceOptions;
  },
): void {
  const { ingest, presence, metrics, options } = deps;
  const handlers: DaemonHandlers = daemonHandlers(ingest, presence);
  const isDaemonEvent = (event: unknown): event is DaemonEvent =>
    typeof event === 'string' && Object.hasOwn(handlers, event);

  namespace.on('connection', (socket) => {
    const { data } = socket;
    const workspaceId = data.identity.workspace_id;
    const owner = `${options.nodeId}:${socket.id}`;
    const bucket = new TokenBucket(options.callsPerSecond);
    metrics.connections.inc({ namespace: '/daemon' });

    const refuser = (event: string, ack: (a: Ack<unknown>) => void) => (a: Ack<never>) => {
      if (!a.ok) metrics.events.inc({ kind: event, code: a.error.code });
      ack(a);
    };
    const ackOf = (args: unknown[]) =>
      (typeof args.at(-1) === 'function' ? args.pop() : () => {}) as (a: Ack<unknown>) => void;

    // A call is one text packet followed by its binary attachments, if any: their sizes add up.
    socket.conn.on('packet', (packet: { data?: unknown }) => {
      const raw = packet.data;
      if (typeof raw === 'string') data.lastPacketBytes = Buffer.byteLength(raw);
      else if (raw instanceof Buffer || raw instanceof ArrayBuffer) data.lastPacketBytes += raw.byteLength;
    });
    // Socket.IO hands a decoded packet to the socket a tick later, when the engine may already have read the
    // next packets of the same chunk (a check of lastPacketBytes there saw a later, smaller call and let an
    // oversized one through). So each call's size is tied to its argument array as soon as it is decoded.
    const sizes = new WeakMap<object, number>();
    const decoder = (socket.client as unknown as { decoder?: EventEmitter }).decoder;
    const onDecoded = (packet: { nsp?: string; data?: unknown }) => {
      if (packet.nsp === namespace.name && typeof packet.data === 'object' && packet.data !== null)
        sizes.set(packet.data, data.lastPacketBytes);
    };
    decoder?.on('decoded', onDecoded);
    socket.on('disconnect', () => decoder?.off('decoded', onDecoded));
    // Oversized calls and unknown events never reach a handler; both are still answered, so no call hangs.
    socket.use((args, next) => {
      const [event, ...rest] = args;
      const oversized = (sizes.get(args) ?? data.lastPacketBytes) > options.maxPayloadBytes;
      if (!oversized && isDaemonEvent(event)) return next();
      // Metric labels stay a closed set whatever event name a client sends.
      const kind = isDaemonEvent(event) ? event : 'unknown';
      const refuse = refuser(kind, ackOf(rest));
      if (!bucket.take())
        return refuse(ackError('rate_limited', 'too many calls on this connection; slow down'));
      if (oversized) return refuse(ackError('too_large', `payload exceeds ${options.maxPayloadBytes} bytes`));
      refuse(
        ackError('invalid_payload', `unknown event; expected one of ${Object.keys(handlers).join(', ')}`),
      );
    });

    const on = (event: DaemonEvent) => {
      socket.on(event, (...args: unknown[]) => {
        const ack = ackOf(args);
        if (!bucket.take())
          return refuser(
            event,
            ack,
          )(ackError('rate_limited', 'too many calls on this connection; slow down'));
        if (args.length !== 1)
          return refuser(event, ack)(ackError('invalid_payload', 'expected exactly one payload argument'));
        const { answered, markAnswered } = answerSignal();
        // Answered right after the ack was handed over, whichever way it went (a `finally` was one promise more
        // per call).
        handlers[event]({ caller: { workspaceId, answered }, owner, socket }, args[0]).then(
          (result) => {
            try {
              ack(ackOk(result));
            } finally {
              markAnswered();
            }
          },
          (err) => {
            try {
              ack({ ok: false, error: toWireError(err) });
            } finally {
              markAnswered();
            }
          },
        );
      });
    };
    for (const event of Object.keys(handlers) as DaemonEvent[]) on(event);

    socket.on('disconnect', () => {
      metrics.connections.dec({ namespace: '/daemon' });
      void presence.release(owner);
    });
  });
}
