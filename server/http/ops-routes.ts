/**
 * Open routes for operators and load balancers: liveness, readiness (Postgres, and Redis when configured),
 * Prometheus metrics and the OpenAPI document.
 */
import { z } from 'zod';
import { RestError } from '../../shared';
import { HubError, toRestError } from '../errors';
import type { Metrics } from '../observability/metrics';
import { type Database, writesUnblocked } from '../store';
import { openApiDocument } from './openapi';
import { type RouteSpec, route } from './route';

const READY_TIMEOUT_MS = 2_000;
/** How long readiness waits for the write locks before calling writes blocked. */
const WRITE_LOCK_PROBE_MS = 500;

function within<T>(ms: number, p: Promise<T>): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms)),
  ]);
}

export function opsRoutes(deps: {
  db: Database;
  metrics: Metrics;
  redisPing?: () => Promise<boolean>;
  routes: () => RouteSpec[];
  version: string;
}) {
  return [
    route({
      method: 'GET',
      url: '/healthz',
      summary: 'Liveness',
      tag: 'operations',
      auth: 'none',
      response: z.object({ status: z.literal('ok') }),
      handler: async () => ({ status: 'ok' }),
    }),
    route({
      method: 'GET',
      url: '/readyz',
      summary:
        'Readiness: 200 when Postgres (and Redis, if configured) answer and no table lock blocks writes, else 503',
      tag: 'operations',
      auth: 'none',
      response: z.union([z.object({ status: z.literal('ready') }), RestError]),
      handler: async ({ reply }) => {
        const postgres = await within(READY_TIMEOUT_MS, deps.db.ping()).then(
          () => true,
          () => false,
        );
        const writable =
          postgres &&
          (await within(READY_TIMEOUT_MS, writesUnblocked(deps.db, WRITE_LOCK_PROBE_MS)).catch(() => false));
        const redis = deps.redisPing
          ? await within(READY_TIMEOUT_MS, deps.redisPing()).catch(() => false)
          : true;
        if (postgres && writable && redis) return { status: 'ready' };
        const down = [postgres ? '' : 'postgres', redis ? '' : 'redis'].filter(Boolean).join(' and ');
        const why = down ? `${down} not answering` : 'postgres writes are blocked by a table lock';
        const { status, body } = toRestError(new HubError('unavailable', why));
        reply.code(status);
        return body;
      },
    }),
    route({
      method: 'GET',
      url: '/metrics',
      summary: 'Prometheus metrics',
      tag: 'operations',
      auth: 'none',
      response: z.string(),
      handler: async ({ reply }) => {
        reply.type(deps.metrics.registry.contentType);
        return reply.send(await deps.metrics.registry.metrics());
      },
    }),
    route({
      method: 'GET',
      url: '/api/openapi.json',
      summary: 'This API as an OpenAPI 3.1 document',
      tag: 'operations',
      auth: 'none',
      response: z.record(z.string(), z.unknown()),
      handler: async () => openApiDocument(deps.routes(), deps.version),
    }),
  ];
}
