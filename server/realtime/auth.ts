/**
 * Handshake authentication for a namespace: the token in `auth.token` must be live and of the namespace's role.
 * A refusal is a `connect_error` whose message is the contract code "unauthorized".
 */
import { type Database, findToken, type TokenRole } from '../store';
import { type HubNamespace, socketData } from './io';
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

export function requireToken(
  namespace: HubNamespace,
  db: Database,
  role: TokenRole,
  limiter: HandshakeLimiter,
): void {
  namespace.use(async (socket, next) => {
    if (!limiter.allow(socket.handshake.address)) return next(new Error('rate_limited'));
    const token: unknown = socket.handshake.auth?.token;
    try {
      const identity =
        typeof token === 'string' && token.length <= 200 ? await findToken(db, token) : undefined;
      if (!identity || identity.role !== role) return next(new Error('unauthorized'));
      socket.data = socketData(identity);
      next();
    } catch {
      next(new Error('unavailable'));
    }
  });
}
