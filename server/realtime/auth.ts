/**
 * Handshake authentication for a namespace: the token in `auth.token` must be live and of the namespace's role.
 * A refusal is a `connect_error` whose message is the contract code "unauthorized". Around it, the guard that
 * keeps any one client from holding the hub's descriptors: connections per address and per token are capped,
 * and the default namespace `/` (which would accept anyone) refuses and closes every connection.
 */
import type { IncomingMessage } from 'node:http';
import { clientAddress, type IsTrustedProxy } from '../client-address';
import { type Database, findToken, type TokenRole } from '../store';
import { type HubNamespace, type HubServer, socketData } from './io';
import { TokenBucket } from './rate-limit';

/** Handshakes per client address: a token bucket each, forgotten once full again. */
export class HandshakeLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly perSecond: number) {}

  allow(address: string): boolean {
    if (this.buckets.size > 10_000) this.buckets.clear();
    let bucket = this.buckets.get(address);
    if (!bucket) {
      bucket = new TokenBucket(this.perSecond);
      this.buckets.set(address, bucket);
    }
    return bucket.take();
  }
}

/** Open connections per key (an address, a token); a key is forgotten when its last connection closes. */
class OpenCounts {
  private readonly counts = new Map<string, number>();

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  open(key: string): void {
    this.counts.set(key, this.count(key) + 1);
  }

  close(key: string): void {
    const n = this.count(key) - 1;
    if (n > 0) this.counts.set(key, n);
    else this.counts.delete(key);
  }
}

export interface HandshakeGuardOptions {
  handshakesPerSecond: number;
  maxConnectionsPerAddress: number;
  maxConnectionsPerToken: number;
  isTrustedProxy: IsTrustedProxy;
}

export class HandshakeGuard {
  readonly handshakes: HandshakeLimiter;
  private readonly byAddress = new OpenCounts();
  readonly byToken = new OpenCounts();

  constructor(readonly options: HandshakeGuardOptions) {
    this.handshakes = new HandshakeLimiter(options.handshakesPerSecond);
  }

  addressOf(request: IncomingMessage): string {
    const peer = request.socket.remoteAddress ?? '';
    return clientAddress(peer, request.headers['x-forwarded-for'], this.options.isTrustedProxy);
  }

  /** Counts engine connections per address, refuses handshakes past the cap, and closes the namespace `/`. */
  attach(io: HubServer): void {
    const previous = io.engine.opts.allowRequest;
    io.engine.opts.allowRequest = (request, callback) => {
      if (this.byAddress.count(this.addressOf(request)) >= this.options.maxConnectionsPerAddress)
        return callback('too many connections from this address', false);
      if (previous) previous(request, callback);
      else callback(null, true);
    };
    io.engine.on(
      'connection',
      (conn: { request: IncomingMessage; once(e: 'close', f: () => void): void }) => {
        const address = this.addressOf(conn.request);
        this.byAddress.open(address);
        conn.once('close', () => this.byAddress.close(address));
      },
    );
    io.of('/').use((socket, next) => {
      next(new Error('unauthorized'));
      // Refused is not enough: a connection that joined no namespace would hold its descriptor until the
      // connect timeout. Socket.IO sends the refusal on the next tick; the transport closes after it is flushed.
      setTimeout(() => socket.conn.close(), 0);
    });
  }
}

export function requireToken(
  namespace: HubNamespace,
  db: Database,
  role: TokenRole,
  guard: HandshakeGuard,
): void {
  namespace.use(async (socket, next) => {
    if (!guard.handshakes.allow(guard.addressOf(socket.request))) return next(new Error('rate_limited'));
    const token: unknown = socket.handshake.auth?.token;
    try {
      const identity =
        typeof token === 'string' && token.length <= 200 ? await findToken(db, token) : undefined;
      if (!identity || identity.role !== role) return next(new Error('unauthorized'));
      if (guard.byToken.count(identity.id) >= guard.options.maxConnectionsPerToken)
        return next(new Error('rate_limited'));
      guard.byToken.open(identity.id);
      socket.once('disconnect', () => guard.byToken.close(identity.id));
      socket.data = socketData(identity);
      next();
    } catch {
      next(new Error('unavailable'));
    }
  });
}
