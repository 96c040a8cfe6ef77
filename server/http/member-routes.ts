/**
 * Member-token routes: runtimes, their usage and activity history, workspace usage, who am I, prices.
 */
import { z } from 'zod';
import {
  ActivityRow,
  HistoryQuery,
  Me,
  PriceTable,
  Runtime,
  RuntimeId,
  rowCostSource,
  totalOf,
  UsageRow,
  usageCsv,
} from '../../shared';
import { HubError } from '../errors';
import type { HubPricer } from '../pricing';
import {
  activityByHour,
  type DailyUsage,
  type Database,
  FOLDED,
  FOLDED_RUNTIME_ID,
  getRuntime,
  getWorkspace,
  HISTORY_MAX_ROWS,
  HISTORY_TOP_MODELS,
  type HistoryWindow,
  listRuntimes,
  StoreError,
  usageByDay,
  usageVersion,
} from '../store';
import { HistoryCache } from './history-cache';
import { historyWindow } from './history-window';
import { type RouteContext, route } from './route';

const RuntimeParams = z.object({ id: RuntimeId });

const BOUNDED =
  `At most ${HISTORY_MAX_ROWS} rows: per runtime and day, models past the top ${HISTORY_TOP_MODELS} by tokens fold ` +
  `into one row of model "${FOLDED}"; a day past its share of rows folds its smallest into one ` +
  `row of runtime_id ${FOLDED_RUNTIME_ID}. Token sums are unchanged.`;

/** Intl and Postgres do not know the same zones: one Postgres does not know is the caller's input. */
async function inZone<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof StoreError && err.kind === 'unknown_zone')
      throw new HubError('invalid_payload', 'tz: unknown time zone');
    throw err;
  }
}

/** A view row on the wire: its stored cost, and where that cost came from. */
const usageRow = ({ agent_tokens, unpriced_tokens, ...r }: DailyUsage): UsageRow => ({
  ...r,
  cost_source: rowCostSource(totalOf(r), agent_tokens, unpriced_tokens),
  unpriced_tokens,
});

export function memberRoutes(db: Database, pricer: HubPricer) {
  const priced = (rows: DailyUsage[]): UsageRow[] => rows.map(usageRow);
  const cache = new HistoryCache<UsageRow[]>();

  const answerUsage = async (
    { identity, query, reply }: RouteContext<unknown, HistoryQuery, unknown>,
    runtimeId: string | null,
  ) => {
    const window: HistoryWindow = historyWindow(query.days, query.tz);
    const version = await usageVersion(db, identity.workspace_id, runtimeId);
    if (version === undefined) throw new HubError('not_found', 'runtime not found');
    const key = [
      runtimeId ?? `ws:${identity.workspace_id}`,
      version,
      window.startDate,
      window.endDate,
      window.tz,
    ];
    const rows = await cache.getOrCompute(key.join('|'), async () =>
      priced(await inZone(() => usageByDay(db, identity.workspace_id, runtimeId, window))),
    );
    if (query.format === 'csv') {
      reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="usage.csv"');
      return reply.send(usageCsv(rows));
    }
    return rows;
  };

  const ownRuntime = async (workspaceId: string, id: string) => {
    const rt = await getRuntime(db, workspaceId, id);
    if (!rt) throw new HubError('not_found', 'runtime not found');
    return rt;
  };

  return [
    route({
      method: 'GET',
      url: '/api/runtimes',
      summary: 'Runtimes of the workspace',
      tag: 'dashboard',
      auth: 'member',
      response: z.array(Runtime),
      handler: ({ identity }) => listRuntimes(db, identity.workspace_id),
    }),
    route({
      method: 'GET',
      url: '/api/runtimes/:id',
      summary: 'One runtime',
      tag: 'dashboard',
      auth: 'member',
      params: RuntimeParams,
      response: Runtime,
      handler: ({ identity, params }) => ownRuntime(identity.workspace_id, params.id),
    }),
    route({
      method: 'GET',
      url: '/api/runtimes/:id/usage',
      summary: `Usage per local day × provider × model, newest day first (format=csv for CSV). ${BOUNDED}`,
      tag: 'dashboard',
      auth: 'member',
      params: RuntimeParams,
      query: HistoryQuery,
      response: z.array(UsageRow),
      alsoProduces: ['text/csv'],
      handler: (ctx) => answerUsage(ctx, ctx.params.id),
    }),
    route({
      method: 'GET',
      url: '/api/runtimes/:id/activity',
      summary: 'Tasks by local hour of the day (exactly 24 rows)',
      tag: 'dashboard',
      auth: 'member',
      params: RuntimeParams,
      query: HistoryQuery,
      response: z.array(ActivityRow),
      handler: async ({ identity, params, query }) => {
        await ownRuntime(identity.workspace_id, params.id);
        const window = historyWindow(query.days, query.tz);
        return inZone(() => activityByHour(db, params.id, window));
      },
    }),
    route({
      method: 'GET',
      url: '/api/usage',
      summary: `Usage of every runtime of the workspace per local day × provider × model. ${BOUNDED}`,
      tag: 'dashboard',
      auth: 'member',
      query: HistoryQuery,
      response: z.array(UsageRow),
      alsoProduces: ['text/csv'],
      handler: (ctx) => answerUsage(ctx, null),
    }),
    route({
      method: 'GET',
      url: '/api/me',
      summary: 'The workspace and token of the caller',
      tag: 'dashboard',
      auth: 'member',
      response: Me,
      handler: async ({ identity }) => {
        const workspace = await getWorkspace(db, identity.workspace_id);
        if (!workspace) throw new HubError('not_found', 'workspace not found');
        return { workspace, token: { id: identity.id, role: identity.role, name: identity.name } };
      },
    }),
    route({
      method: 'GET',
      url: '/api/pricing',
      summary: "Today's prices of the current models and the overrides, USD per million tokens",
      tag: 'dashboard',
      auth: 'member',
      response: PriceTable,
      handler: async () => pricer.currentTable(),
    }),
  ];
}
