/**
 * A small TCP load balancer in front of hub nodes, standing in for the compose file's nginx: clients keep one URL
 * while nodes die. Each new connection goes to the next upstream (round-robin, or always the first live one with
 * `policy: 'first'`); an upstream that refuses is skipped and the next one tried. A connection is never moved:
 * when its upstream goes, the client side is closed and the client reconnects through the balancer.
 */
import net from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

export interface Balancer {
  port: number;
  url: string;
  /** Open client connections per upstream port. */
  connections(): Map<number, number>;
  close(): Promise<void>;
}

export async function startBalancer(
  upstreams: Upstream[],
  options: { policy?: 'round-robin' | 'first'; connectTimeoutMs?: number } = {},
): Promise<Balancer> {
  const policy = options.policy ?? 'round-robin';
  const open = new Set<net.Socket>();
  const perUpstream = new Map<number, number>();
  let next = 0;
  let closing = false;

  /** Connects to the upstreams in order from `first`; resolves with the first that accepts, or null. */
  const connectFrom = async (first: number): Promise<{ socket: net.Socket; upstream: Upstream } | null> => {
    for (let i = 0; i < upstreams.length; i++) {
      const upstream = upstreams[(first + i) % upstreams.length]!;
      const socket = await new Promise<net.Socket | null>((resolve) => {
        const s = net.connect(upstream.port, upstream.host);
        const timer = setTimeout(() => {
          s.destroy();
          resolve(null);
        }, options.connectTimeoutMs ?? 2_000);
        s.once('connect', () => {
          clearTimeout(timer);
          resolve(s);
        });
        s.once('error', () => {
          clearTimeout(timer);
          s.destroy();
          resolve(null);
        });
      });
      if (socket) return { socket, upstream };
    }
    return null;
  };

  const server = net.createServer((client) => {
    if (closing) {
      client.destroy();
      return;
    }
    open.add(client);
    // Nothing is read from the client until its upstream is connected; then both directions are piped.
    client.pause();
    client.on('error', () => client.destroy());
    client.on('close', () => open.delete(client));
    const first = policy === 'first' ? 0 : next++ % upstreams.length;
    void connectFrom(first).then((found) => {
      if (!found || client.destroyed || closing) {
        found?.socket.destroy();
        client.destroy();
        return;
      }
      const { socket: upstream, upstream: target } = found;
      open.add(upstream);
      perUpstream.set(target.port, (perUpstream.get(target.port) ?? 0) + 1);
      let done = false;
      const drop = () => {
        if (done) return;
        done = true;
        perUpstream.set(target.port, (perUpstream.get(target.port) ?? 1) - 1);
        client.destroy();
        upstream.destroy();
        open.delete(upstream);
      };
      upstream.on('error', drop).on('close', drop);
      client.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('balancer did not bind');

  return {
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    connections: () => new Map(perUpstream),
    async close() {
      closing = true;
      for (const s of open) s.destroy();
      open.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
