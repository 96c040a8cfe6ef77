/**
 * Cross-node fan-out through the official Socket.IO Redis adapter on ioredis. Redis trouble is logged and
 * counted, never fatal: ingest goes on (it only needs Postgres) and local rooms still get their events.
 * When the subscriber comes back after an outage, this node's dashboards are made to reconnect, because a
 * reconnecting dashboard refetches over REST and so ends equal to the database despite deltas it missed.
 */
import type { Writable } from 'node:stream';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics';
import type { HubServer } from './io';

export interface RedisFanout {
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Corks the publisher's connection until the end of the current tick. A commit publishes one message per runtime
 * it touched, all in one tick; ioredis writes each command on its own, so they reached Redis, and from Redis the
 * other nodes, as separate segments, and each node then pushed them in as many ticks: one `writev` per dashboard
 * per runtime instead of per commit. Corked, a tick's publishes leave in one write and arrive together.
 */
function tickCorker(client: Redis): () => void {
  let corked: Writable | null = null;
  const uncork = () => {
    const stream = corked;
    corked = null;
    stream?.uncork();
  };
  return () => {
    if (corked) return;
    // ioredis' socket: untyped, and absent or closed while disconnected (then the publish fails at once anyway).
    const stream = (client as unknown as { stream?: Writable }).stream;
    if (!stream || typeof stream.cork !== 'function' || !stream.writable) return;
    corked = stream;
    stream.cork();
    process.nextTick(uncork);
  };
}

export function useRedisAdapter(
  io: HubServer,
  url: string,
  logger: Logger,
  metrics: Metrics,
  channelPrefix: string,
  /** This node's dashboards may have missed what other nodes published meanwhile. */
  onRecovered: () => void,
): RedisFanout {
  const onError = (role: string) => (err: Error) => {
    metrics.redisErrors.inc();
    logger.warn({ err: err.message, role }, 'redis error');
  };
  // No offline queue on the publisher: while Redis is away a publish fails at once instead of piling up.
  const pub = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const sub = new Redis(url, { maxRetriesPerRequest: null });
  pub.on('error', onError('pub'));
  sub.on('error', onError('sub'));

  // The adapter does not await its publishes; a failed one must not become an unhandled rejection.
  const publish = pub.publish.bind(pub);
  const corkTick = tickCorker(pub);
  pub.publish = ((...args: Parameters<typeof publish>) => {
    corkTick();
    const result = publish(...args);
    result.catch(onError('publish'));
    return result;
  }) as typeof pub.publish;

  let wasDown = false;
  sub.on('close', () => {
    wasDown = true;
  });
  sub.on('ready', () => {
    if (!wasDown) return;
    wasDown = false;
    logger.info('redis is back: asking local dashboards to resync');
    onRecovered();
  });

  io.adapter(createAdapter(pub, sub, { key: channelPrefix }));
  return {
    async ping() {
      try {
        return (await pub.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      pub.disconnect();
      sub.disconnect();
    },
  };
}
