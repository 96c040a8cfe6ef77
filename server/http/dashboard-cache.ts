/**
 * Caching of the dashboard's files. Vite names every built asset after a hash of its content, so a name never
 * changes meaning: browsers keep them a year without asking again (and keep their compiled code), and a reopened
 * dashboard starts without a round trip per script. The page itself is revalidated on every load, so a rebuilt
 * dashboard is picked up at once.
 */
import type { FastifyReply } from 'fastify';

export const IMMUTABLE = 'public, max-age=31536000, immutable';

export function dashboardCacheHeaders(reply: FastifyReply, path: string): void {
  reply.header('cache-control', /[\\/]assets[\\/][^\\/]+$/.test(path) ? IMMUTABLE : 'no-cache');
}
