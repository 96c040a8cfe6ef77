/**
 * The REST fallback for daemons that cannot hold a socket: the same operations and semantics as the `/daemon`
 * events, plus the older daily-totals route. A daemon on REST is online while it keeps calling.
 */
import { z } from 'zod';
import {
  AcceptedResult,
  DailyTotalsPayload,
  DailyTotalsResult,
  HelloPayload,
  HelloResult,
  RuntimeId,
  TaskPayload,
  UsagePayload,
} from '../../shared';
import type { IngestService } from '../ingest/service';
import type { Publisher } from '../realtime/publisher';
import { type Database, touchRuntime } from '../store';
import { route } from './route';

const REST_OWNER = 'rest';

export function daemonRoutes(db: Database, ingest: IngestService, publisher: Publisher) {
  const seen = async (runtimeId: string) => {
    const revived = await touchRuntime(db, runtimeId);
    if (revived) publisher.runtime(revived);
  };
  // Bodies are parsed by the service (the same code path as the socket events); `bodyDoc` documents them.
  return [
    route({
      method: 'POST',
      url: '/api/daemon/hello',
      summary: 'Register the daemon and its runtimes (socket event `hello`)',
      tag: 'daemon',
      auth: 'daemon',
      bodyDoc: HelloPayload,
      response: HelloResult,
      handler: ({ identity, body }) => ingest.hello({ workspaceId: identity.workspace_id }, body, REST_OWNER),
    }),
    route({
      method: 'POST',
      url: '/api/daemon/usage',
      summary: 'Report usage events (socket event `usage`)',
      tag: 'daemon',
      auth: 'daemon',
      bodyDoc: UsagePayload,
      response: AcceptedResult,
      handler: async ({ identity, body }) => {
        const result = await ingest.usage({ workspaceId: identity.workspace_id }, body);
        await seen((body as UsagePayload).runtime_id);
        return result;
      },
    }),
    route({
      method: 'POST',
      url: '/api/daemon/tasks',
      summary: 'Report tasks (socket event `task`)',
      tag: 'daemon',
      auth: 'daemon',
      bodyDoc: TaskPayload,
      response: AcceptedResult,
      handler: async ({ identity, body }) => {
        const result = await ingest.tasks({ workspaceId: identity.workspace_id }, body);
        await seen((body as TaskPayload).runtime_id);
        return result;
      },
    }),
    route({
      method: 'POST',
      url: '/api/daemon/runtimes/:id/usage',
      summary:
        'Report daily totals (older format): each entry replaces the total of its date × provider × model',
      tag: 'daemon',
      auth: 'daemon',
      params: z.object({ id: RuntimeId }),
      bodyDoc: DailyTotalsPayload,
      response: DailyTotalsResult,
      handler: async ({ identity, params, body }) => {
        const result = await ingest.dailyTotals({ workspaceId: identity.workspace_id }, params.id, body);
        await seen(params.id);
        return result;
      },
    }),
  ];
}
