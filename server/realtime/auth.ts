/**
 * Handshake authentication for a namespace: the token in `auth.token` must be live and of the namespace's role.
 * A refusal is a `connect_error` whose message is the contract code "unauthorized".
 */
import type { Namespace } from 'socket.io';
import { type Database, findToken, type TokenIdentity, type TokenRole } from '../store';

export interface SocketData {
  identity: TokenIdentity;
  /** Size of the last packet read from this socket, for per-call payload limits. */
  lastPacketBytes: number;
}

export function requireToken(namespace: Namespace, db: Database, role: TokenRole): void {
  namespace.use(async (socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    try {
      const identity =
        typeof token === 'string' && token.length <= 200 ? await findToken(db, token) : undefined;
      if (!identity || identity.role !== role) return next(new Error('unauthorized'));
      socket.data = { identity, lastPacketBytes: 0 } satisfies SocketData;
      next();
    } catch {
      next(new Error('unavailable'));
    }
  });
}
