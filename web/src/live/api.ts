/**
 * REST access with the member token. Every body is parsed with the shared schema of its route (the history rows
 * with rows.ts, held to those schemas by its test), so the dashboard
 * works on the contract's types, not on whatever arrived. Every failure becomes an ApiError carrying the hub's
 * closed error code, so pages can tell "sign in again" (401) from "not found" (404) from "the hub is down"
 * (network, 5xx).
 */
import type { ErrorCode } from '../../../shared/errors';
import type { GroupBy, Me } from '../../../shared/schemas';
import { parseSnapshot, type Snapshot, USAGE_SNAPSHOT_HEADER } from '../../../shared/snapshot';
import type { Filter } from '../lib/filter';
import { allPages, nextLink } from './pages';
import { activityPath, groupsPath, usagePath } from './paths';
import { takePrefetched } from './prefetch';
import { ActivityRows, GroupedRows, type Parsed, type Parser, UsageRows } from './rows';

export type { Me };

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: ErrorCode,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Where and why a body does not match its schema, short enough to show on a page. */
function firstIssue(error: Extract<Parsed<unknown>, { success: false }>['error']): string {
  const issue = error.issues[0];
  if (!issue) return 'unexpected body';
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}

/**
 * The hub's error body, or (a proxy's page, an empty body) an error named after the status. Its schema (and zod)
 * is loaded only when an answer fails, not with the first scripts.
 */
async function errorOf(res: Response, body: unknown): Promise<ApiError> {
  const { RestError } = await import('../../../shared/errors');
  const parsed = RestError.safeParse(body);
  if (parsed.success) return new ApiError(parsed.data.error, res.status, parsed.data.code);
  const code = res.status === 401 ? 'unauthorized' : 'internal';
  return new ApiError(`${res.status} ${res.statusText}`, res.status, code);
}

/** A history answer and the snapshot the hub read it at (null when it sent none: an older hub). */
export interface Answer<T> {
  data: T;
  snapshot: Snapshot | null;
  /** The next page of a paged answer (Link rel="next"), when there is one. */
  next?: string | null;
}

/**
 * GET `path` and parse its JSON body with `schema`; a body that does not parse is an `internal` ApiError. The
 * schema may still be loading (its module is fetched beside the request).
 */
export async function apiGet<T>(
  path: string,
  token: string,
  schema: Parser<T> | Promise<Parser<T>>,
  signal?: AbortSignal,
): Promise<T> {
  return (await apiGetAt(path, token, schema, signal)).data;
}

/** apiGet, with the snapshot of a usage answer (its X-Usage-Snapshot header). */
export async function apiGetAt<T>(
  path: string,
  token: string,
  schema: Parser<T> | Promise<Parser<T>>,
  signal?: AbortSignal,
): Promise<Answer<T>> {
  // boot.ts (inlined in the page) may have asked already, before this code had loaded.
  const early = takePrefetched(path, token);
  let res: Response;
  try {
    res = await (early?.response ??
      fetch(path, {
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
        signal,
      }));
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError('The hub cannot be reached. Check that it is running.', 0, 'unavailable');
  }
  const body: unknown = await (early ? early.body : res.json().catch(() => undefined));
  if (!res.ok) throw await errorOf(res, body);
  const parsed = (await schema).safeParse(body);
  if (!parsed.success) {
    throw new ApiError(
      `The hub answered ${path} with a body this dashboard does not understand (${firstIssue(parsed.error)}).`,
      res.status,
      'internal',
    );
  }
  const snapshot = parseSnapshot(res.headers.get(USAGE_SNAPSHOT_HEADER));
  return { data: parsed.data, snapshot, next: nextLink(res.headers.get('link')) };
}

const lateSchemas = () => import('./late-schemas');

/** The REST calls of the dashboard, bound to one token. Usage calls take the page's filter. */
export function createApi(token: string) {
  return {
    // These three are asked for once the socket is up: their schemas (the price table's about thirty zod
    // objects, the runtime's and the identity's about twenty-five) are built then, not by the first scripts.
    me: (s?: AbortSignal) =>
      apiGet(
        '/api/me',
        token,
        lateSchemas().then((m) => m.Me),
        s,
      ),
    pricing: (s?: AbortSignal) =>
      apiGet(
        '/api/pricing',
        token,
        import('../../../shared/pricing').then((m) => m.PriceTable),
        s,
      ),
    runtimes: (s?: AbortSignal) =>
      apiGet(
        '/api/runtimes',
        token,
        lateSchemas().then((m) => m.Runtimes),
        s,
      ),
    /** Every page of the runtime's default rows (in practice one). */
    runtimeUsage: (id: string, days: number, tz: string, f?: Filter, s?: AbortSignal) =>
      allPages(apiGetAt(usagePath(id, days, tz, f), token, UsageRows, s), (p) =>
        apiGetAt(p, token, UsageRows, s),
      ),
    /** Usage per day × value of `by` (top groups plus `other`), of the workspace or (with `id`) one runtime. */
    groups: (id: string | null, by: GroupBy, days: number, tz: string, f?: Filter, s?: AbortSignal) =>
      apiGetAt(groupsPath(id, by, days, tz, f), token, GroupedRows, s),
    activity: (id: string, days: number, tz: string, s?: AbortSignal) =>
      apiGetAt(activityPath(id, days, tz), token, ActivityRows, s),
  };
}

export type Api = ReturnType<typeof createApi>;
