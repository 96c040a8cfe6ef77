/**
 * Namespace `/daemon`: `hello`, `usage` and `task` calls, each answered with the contract's ack envelope.
 * Limits per connection: payload size (`too_large`, the socket stays open) and a call rate (`rate_limited`).
 */
import type { EventEmitter } from 'node:events';
import type { Namespace, Socket } from 'socket.io';
import { type Ack, ackError, ackOk } from '../../shared';
import { toWireError } from '../errors';
import type { IngestService } from '../ingest/service';
import type { Metrics } from '../observability/metrics';
import type { SocketData } from './auth';
import type { PresenceTracker } from './presence';
import { TokenBucket } from './rate-limit';

export interface DaemonNamespaceOptions {
  nodeId: string;
  maxPayloadBytes: number;
  callsPerSecond: number;
}

type Handler = (payload: unknown) => Promise<unknown>;

const EVENTS = ['hello', 'usage', 'task'];

export function attachDaemonNamespace(
  namespace: Namespace,
  deps: {
    ingest: IngestService;
    presence: PresenceTracker;
    metrics: Metrics;
    options: DaemonNamespaceOptions;
  },
): void {
  const { ingest, presence, metrics, options } = deps;
  namespace.on('connection', (socket: Socket) => {
    const data = socket.data as SocketData;
    const caller = { workspaceId: data.identity.workspace_id };
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
    socket.use((args, next) => {
      if ((sizes.get(args) ?? data.lastPacketBytes) <= options.maxPayloadBytes) return next();
      const [event, ...rest] = args;
      // Metric labels stay a closed set whatever event name a client sends.
      const kind = typeof event === 'string' && EVENTS.includes(event) ? event : 'unknown';
      const refuse = refuser(kind, ackOf(rest));
      if (!bucket.take())
        return refuse(ackError('rate_limited', 'too many calls on this connection; slow down'));
      refuse(ackError('too_large', `payload exceeds ${options.maxPayloadBytes} bytes`));
    });

    const on = (event: string, handler: Handler) => {
      socket.on(event, (...args: unknown[]) => {
        const ack = ackOf(args);
        const refuse = refuser(event, ack);
        if (!bucket.take())
          return refuse(ackError('rate_limited', 'too many calls on this connection; slow down'));
        if (args.length !== 1)
          return refuse(ackError('invalid_payload', 'expected exactly one payload argument'));
        handler(args[0]).then(
          (result) => ack(ackOk(result)),
          (err) => ack({ ok: false, error: toWireError(err) }),
        );
      });
    };

    on('hello', async (payload) => {
      const result = await ingest.hello(caller, payload, owner);
      presence.hold(
        result.runtimes.map((r) => r.id),
        owner,
      );
      // The socket may have gone while the hello was being written; its disconnect found nothing to release.
      if (socket.disconnected) await presence.release(owner);
      return result;
    });
    on('usage', (payload) => ingest.usage(caller, payload));
    on('task', (payload) => ingest.tasks(caller, payload));

    socket.on('disconnect', () => {
      metrics.connections.dec({ namespace: '/daemon' });
      void presence.release(owner);
    });
  });
}
