/**
 * The REST paths of the runtime page's history, built in one place: the boot module prefetches exactly the
 * paths the store later asks for, and a prefetched answer is found by its path.
 */

const view = (days: number, tz: string) => `days=${days}&tz=${encodeURIComponent(tz)}`;
const runtime = (id: string) => `/api/runtimes/${encodeURIComponent(id)}`;

/** @example usagePath('abc', 182, 'UTC') // '/api/runtimes/abc/usage?days=182&tz=UTC' */
export function usagePath(id: string, days: number, tz: string): string {
  return `${runtime(id)}/usage?${view(days, tz)}`;
}

export function activityPath(id: string, days: number, tz: string): string {
  return `${runtime(id)}/activity?${view(days, tz)}`;
}

export function workspaceUsagePath(days: number, tz: string): string {
  return `/api/usage?${view(days, tz)}`;
}
