/**
 * The REST paths of the runtime page's history, built in one place: the boot module prefetches exactly the
 * paths the store later asks for, and a prefetched answer is found by its path.
 */

import type { GroupBy } from '../../../shared/schemas';
import { type Filter, filterQuery } from '../lib/filter';

const view = (days: number, tz: string, f?: Filter) =>
  `days=${days}&tz=${encodeURIComponent(tz)}${filterQuery(f)}`;
const runtime = (id: string) => `/api/runtimes/${encodeURIComponent(id)}`;

/** @example usagePath('abc', 182, 'UTC') // '/api/runtimes/abc/usage?days=182&tz=UTC' */
export function usagePath(id: string, days: number, tz: string, f?: Filter): string {
  return `${runtime(id)}/usage?${view(days, tz, f)}`;
}

/** A runtime's usage summed per day (`group_by=runtime`: its only key is the runtime itself). */
export function dailyPath(id: string, days: number, tz: string, f?: Filter): string {
  return groupsPath(id, 'runtime', days, tz, f);
}

/** Tasks carry no attribution: activity is never filtered. */
export function activityPath(id: string, days: number, tz: string): string {
  return `${runtime(id)}/activity?${view(days, tz)}`;
}

/** Usage per day × value of `by`, of the workspace or (with `id`) one runtime. */
export function groupsPath(id: string | null, by: GroupBy, days: number, tz: string, f?: Filter): string {
  return `${id ? runtime(id) : '/api'}/usage?${view(days, tz, f)}&group_by=${by}`;
}
