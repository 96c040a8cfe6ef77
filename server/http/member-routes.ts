/**
 * Member-token routes: runtimes, their usage and activity history, workspace usage, who am I, prices.
 */
import { z } from 'zod';
import {
  ActivityRow,
  FOLDED_GROUP,
  GroupedUsageRow,
  groupedUsageCsv,
  HistoryQuery,
  Me,
  NO_ATTRIBUTION,
  PriceTable,
  Runtime,
  RuntimeId,
  USAGE_SNAPSHOT_HEADER,
  UsageRow,
  usageCsv,
} from '../../shared';
import { HubError } from '../errors';
import type { HubPricer } from '../pricing';
import {
  type DailyUsage,
  type Database,
  FOLDED,
  FOLDED_RUNTIME_ID,
  GROUPS_TOP_KEYS,
  getRuntime,
  getWorkspace,
  HISTORY_MAX_ROWS,
  HISTORY_TOP_MODELS,
  type HistoryWindow,
  listRuntimes,
  readAtSnapshot,
  USAGE_PAGE_ROWS,
  type UsageFilter,
  usageByGroup,
  usagePage,
  usageVersionAt,
} from '../store';
import { activityAnswers } from './activity-answer';
import { sendCachedAnswer } from './answer-body';
import { HistoryCache } from './history-cache';
import { historyWindow, inZone } from './history-window';
import { nextPageLink } from './page-link';
import { type RouteContext, route } from './route';
import { usageRow } from './usage-rows';

const RuntimeParams = z.object({ id: RuntimeId });

const PAGED =
  `Paged by whole local days, newest first: a page holds the newest days of the window (before \`before\`, when ` +
  `given) that fit in ${USAGE_PAGE_ROWS} rows, at least one day (a day of more rows is a page of its own, whole up ` +
  `to ${HISTORY_MAX_ROWS} rows); while older days remain, a Link header ` +
  `<same path and query with before=YYYY-MM-DD>; rel="next" names the next page (none on the last). Per runtime ` +
  `and day, models past the top ${HISTORY_TOP_MODELS} by tokens fold into one row of model "${FOLDED}"; only a ` +
  `single day of more than ${HISTORY_MAX_ROWS} rows folds its smallest into one row of runtime_id ` +
  `${FOLDED_RUNTIME_ID}. Token sums are unchanged.`;

const GROUPED =
  'With group_by=project|user|session|model|runtime: rows {date, key, tokens, cost_usd} per local day × value ' +
  `of that dimension instead (key "${NO_ATTRIBUTION}" for usage without it; model: the model id; runtime: the ` +
  `runtime id); the top ${GROUPS_TOP_KEYS} keys of the window by cost (unknown cost as 0), then tokens, keep their ` +
  `rows and the rest fold into key "${FOLDED_GROUP}" (at most ${GROUPS_TOP_KEYS + 1} rows a day); runtimes keep ` +
  `the top max(${GROUPS_TOP_KEYS}, floor(${HISTORY_MAX_ROWS} / days) - 1), so each has its own row. project, user and ` +
  `session narrow the rows to that exact value ("${NO_ATTRIBUTION}": usage without one); daily totals carry no ` +
  'attribution, so only "(none)" keeps them. CSV: header date,key,input_tokens,…,cost_usd.';

/** The headers of the usage routes (documented in OpenAPI). */
const USAGE_HEADERS = {
  [USAGE_SNAPSHOT_HEADER]:
    'The Postgres snapshot the rows were read at (pg_current_snapshot(), "xmin:xmax:xip,…"). A live usage push ' +
    'whose commit is visible in it (below xmin, or below xmax and not listed) is already in the rows.',
  Link: 'Default rows: <same path and query with before=YYYY-MM-DD>; rel="next" while older days of the window remain.',
};

/** The header of the activity route (documented in OpenAPI). */
const ACTIVITY_SNAPSHOT_HEADERS = {
  [USAGE_SNAPSHOT_HEADER]:
    'The Postgres snapshot the rows were read at (pg_current_snapshot(), "xmin:xmax:xip,…"). A live task push ' +
    'whose commit is visible in it (below xmin, or below xmax and not listed) is already counted in the rows.',
};

/** The usage routes answer either kind of row. */
const UsageAnswer = z.union([z.array(UsageRow), z.array(GroupedUsageRow)]);
type UsageAnswer = UsageRow[] | GroupedUsageRow[];

export function memberRoutes(db: Database, pricer: HubPricer) {
  const priced = (rows: DailyUsage[]): UsageRow[] => rows.map(usageRow);
  const cache = new HistoryCache<UsageAnswer>();
  const activity = activityAnswers(db);

  const answerUsage = async (
    { identity, query, request, reply }: RouteContext<unknown, HistoryQuery, unknown>,
    runtimeId: string | null,
  ) => {
    const window: HistoryWindow = historyWindow(query.days, query.tz);
    const at = await usageVersionAt(db, identity.workspace_id, runtimeId);
    if (at === undefined) throw new HubError('not_found', 'runtime not found');
    const filter: UsageFilter = { project: query.project, user: query.user, session: query.session };
    const groupBy = query.group_by;
    if (groupBy && query.before !== undefined)
      throw new HubError('invalid_payload', 'before: pages only the default rows, not group_by answers');
    // JSON, not a join: filter values are free text and may hold any separator.
    const keyAt = (version: string) =>
      JSON.stringify([
        runtimeId ?? `ws:${identity.workspace_id}`,
        version,
        window.startDate,
        window.endDate,
        window.tz,
        groupBy ?? null,
        filter.project ?? null,
        filter.user ?? null,
        filter.session ?? null,
        query.before ?? null,
      ]);
    // Only a view's first page (and grouped answers, which are one page) is kept. Later pages are read once, by a
    // walk (an export, an API client): a year's walk is 183 pages, about 100 MB of rows, three times the cache, so
    // the LRU never hit them, each evicted the first pages that screens poll, and each lived long enough to be
    // promoted into V8's old space and leave garbage there — two walks left the hub at 290–325 MB of RSS against
    // 150–215 MB without them (BENCHMARKS.md, Session 7, hR).
    const cached = query.before === undefined;
    let answer = cached ? cache.get(keyAt(at.version)) : undefined;
    if (!answer) {
      // Rows, version and snapshot of one moment: a commit between the version above and the rows would otherwise
      // be cached under a version that does not hold it, and its push would be counted twice or never.
      const read = await inZone(() =>
        readAtSnapshot(
          db,
          identity.workspace_id,
          runtimeId,
          async (tx): Promise<{ rows: UsageAnswer; next?: string }> => {
            if (groupBy)
              return {
                rows: await usageByGroup(tx, identity.workspace_id, runtimeId, window, groupBy, filter),
              };
            const page = await usagePage(tx, identity.workspace_id, runtimeId, window, query.before, filter);
            return { rows: priced(page.rows), next: page.next };
          },
        ),
      );
      if (read === undefined) throw new HubError('not_found', 'runtime not found');
      const { rows, next } = read.value;
      if (cached) cache.set(keyAt(read.version), rows, read.snapshot, next);
      answer = { value: rows, snapshot: read.snapshot, next };
    }
    const rows = answer.value;
    // Which commits the rows hold, so the dashboard merges each later push once (the body stays the contract's).
    if (answer.snapshot) reply.header(USAGE_SNAPSHOT_HEADER, answer.snapshot);
    if (answer.next) reply.header('link', nextPageLink(request.url, answer.next));
    if (query.format === 'csv') {
      reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="usage.csv"');
      return reply.send(groupBy ? groupedUsageCsv(rows as GroupedUsageRow[]) : usageCsv(rows as UsageRow[]));
    }
    // A cached answer is sent from its kept bytes, compressed once (answer-body.ts); a later page is read once.
    return cached ? sendCachedAnswer(request, reply, rows) : rows;
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
      summary: `Usage per local day × provider × model, newest day first (format=csv for CSV). ${PAGED} ${GROUPED}`,
      tag: 'dashboard',
      auth: 'member',
      params: RuntimeParams,
      query: HistoryQuery,
      response: UsageAnswer,
      alsoProduces: ['text/csv'],
      responseHeaders: USAGE_HEADERS,
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
      responseHeaders: ACTIVITY_SNAPSHOT_HEADERS,
      handler: async ({ identity, params, query, reply }) => {
        const answer = await activity(identity.workspace_id, params.id, query);
        reply.header(USAGE_SNAPSHOT_HEADER, answer.snapshot);
        return answer.value;
      },
    }),
    route({
      method: 'GET',
      url: '/api/usage',
      summary: `Usage of every runtime of the workspace per local day × provider × model. ${PAGED} ${GROUPED}`,
      tag: 'dashboard',
      auth: 'member',
      query: HistoryQuery,
      response: UsageAnswer,
      alsoProduces: ['text/csv'],
      responseHeaders: USAGE_HEADERS,
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
