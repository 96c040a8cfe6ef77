/**
 * REST access with the member token. Every failure becomes an ApiError carrying the hub's closed error code,
 * so pages can tell "sign in again" (401) from "not found" (404) from "the hub is down" (network, 5xx).
 */
import type { PriceTable } from '../../../shared/pricing';
import type { ActivityRow, Me, Runtime, UsageRow } from '../../../shared/schemas';

export type { Me };

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isErrorBody(v: unknown): v is { error: string; code: string } {
  return typeof v === 'object' && v !== null && typeof (v as { error?: unknown }).error === 'string';
}

export async function apiGet<T>(path: string, token: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      signal,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError('The hub cannot be reached. Check that it is running.', 0, 'unavailable');
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const message = isErrorBody(body) ? body.error : `${res.status} ${res.statusText}`;
    const code = isErrorBody(body) ? body.code : res.status === 401 ? 'unauthorized' : 'internal';
    throw new ApiError(message, res.status, code);
  }
  return body as T;
}

/** The REST calls of the dashboard, bound to one token. */
export function createApi(token: string) {
  const q = (days: number, tz: string) => `days=${days}&tz=${encodeURIComponent(tz)}`;
  return {
    me: (s?: AbortSignal) => apiGet<Me>('/api/me', token, s),
    pricing: (s?: AbortSignal) => apiGet<PriceTable>('/api/pricing', token, s),
    runtimes: (s?: AbortSignal) => apiGet<Runtime[]>('/api/runtimes', token, s),
    workspaceUsage: (days: number, tz: string, s?: AbortSignal) =>
      apiGet<UsageRow[]>(`/api/usage?${q(days, tz)}`, token, s),
    runtimeUsage: (id: string, days: number, tz: string, s?: AbortSignal) =>
      apiGet<UsageRow[]>(`/api/runtimes/${encodeURIComponent(id)}/usage?${q(days, tz)}`, token, s),
    activity: (id: string, days: number, tz: string, s?: AbortSignal) =>
      apiGet<ActivityRow[]>(`/api/runtimes/${encodeURIComponent(id)}/activity?${q(days, tz)}`, token, s),
  };
}

export type Api = ReturnType<typeof createApi>;
