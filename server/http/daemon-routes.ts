/**
 * The REST fallback for daemons that cannot hold a socket: the same operations and semantics as the `/daemon`
 * events, plus the older daily-totals route. A daemon on REST is online while it keeps calling.
 */
import type { FastifyReply } from 'fastify';
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
import { answerSignal, type Caller } from '../ingest/changes';
import type { IngestService } from '../ingest/service';
import type { TokenIdentity } from '../store';
import { route } from './route';

const REST_OWNER = 'rest';

/** The reported twins: what differs between the usage and task routes. */
const REPORT_ROUTES = [
  {
    url: '/api/daemon/usage',
    summary: 'Report usage events (socket event `usage`)',
    kind: 'usage',
    body: UsagePayload,
  },
  {
    url: '/api/daemon/tasks',
    summary: 'Report tasks (socket event `task`)',
    kind: 'task',
    body: TaskPayload,
  },
] as const;

/**
 * The caller of one request: its changes are reported once the reply has been sent (or the client went away),
 * never before — the REST twin of a socket ack.
 */
function callerOf(identity: TokenIdentity, reply: FastifyReply): Caller {
  const { answered, markAnswered } = answerSignal();
  reply.raw.once('finish', markAnswered).once('close', markAnswered);
  return { workspaceId: identity.workspace_id, answered };
}

export function daemonRoutes(ingest: IngestService) {
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
      handler: ({ identity, body, reply }) => ingest.hello(callerOf(identity, reply), body, REST_OWNER),
    }),
    ...REPORT_ROUTES.map(({ url, summary, kind, body: bodyDoc }) =>
      route({
        method: 'POST',
        url,
        summary,
        tag: 'daemon',
        auth: 'daemon',
        bodyDoc,
        response: AcceptedResult,
        handler: async ({ identity, body, reply }) => {
          const caller = callerOf(identity, reply);
          const result = await ingest.report(kind, caller, body);
          await ingest.seen(caller, (body as { runtime_id: string }).runtime_id);
          return result;
        },
      }),
    ),
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
      handler: async ({ identity, params, body, reply }) => {
        const caller = callerOf(identity, reply);
        const result = await ingest.dailyTotals(caller, params.id, body);
        await ingest.seen(caller, params.id);
        return result;
      },
    }),
  ];
}
