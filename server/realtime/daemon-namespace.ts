/**
 * Namespace `/daemon`: `hello`, `usage` and `task` calls, each answered with the contract's ack envelope.
 * Limits per connection: payload size (`too_large`, the socket stays open) and a call rate (`rate_limited`).
 */
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

    // The engine reads a whole packet before the event handler runs, so this is the size of the call at hand.
    socket.conn.on('packet', (packet: { data?: unknown }) => {
      const raw = packet.data;
      data.lastPacketBytes =
        typeof raw === 'string' ? Buffer.byteLength(raw) : raw instanceof Buffer ? raw.length : 0;
    });

    const on = (event: string, handler: Handler) => {
      socket.on(event, (...args: unknown[]) => {
        const ack = (typeof args.at(-1) === 'function' ? args.pop() : () => {}) as (a: Ack<unknown>) => void;
        const refuse = (a: Ack<never>) => {
          if (!a.ok) metrics.events.inc({ kind: event, code: a.error.code });
          ack(a);
        };
        if (!bucket.take())
          return refuse(ackError('rate_limited', 'too many calls on this connection; slow down'));
        if (data.lastPacketBytes > options.maxPayloadBytes) {
          return refuse(ackError('too_large', `payload exceeds ${options.maxPayloadBytes} bytes`));
        }
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
