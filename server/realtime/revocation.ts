/**
 * Closes the live sockets of revoked tokens. `token revoke` writes only the database (it may run on any machine),
 * so every node polls for revocations among the tokens its sockets use: one indexed query per interval.
 */
import type { Logger } from 'pino';
import { type Database, revokedAmong } from '../store';
import type { HubServer } from './io';

export function watchRevocations(
  io: HubServer,
  db: Database,
  intervalMs: number,
  logger: Logger,
): () => void {
  const namespaces = ['/daemon', '/dashboard'].map((n) => io.of(n));
  const timer = setInterval(async () => {
    const sockets = namespaces.flatMap((ns) => [...ns.sockets.values()]);
    const ids = [...new Set(sockets.map((s) => s.data.identity.id))];
    try {
      const revoked = new Set(await revokedAmong(db, ids));
      for (const s of sockets) if (revoked.has(s.data.identity.id)) s.disconnect(true);
    } catch (err) {
      logger.warn({ err }, 'revocation check failed');
    }
  }, intervalMs).unref();
  return () => clearInterval(timer);
}
