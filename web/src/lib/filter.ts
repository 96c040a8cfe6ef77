/**
 * The attribution filter of a page: a project, a person and a session, each optional, that narrow every view
 * (REST asks with `&project=&user=&session=`, live deltas not matching it are ignored). It lives in the address
 * (`?project=api&user=ana`), written and read here so the route and the API spell it the same way.
 */
import { NO_ATTRIBUTION } from '../../../shared/attribution';
import type { UsageDelta } from '../../../shared/schemas';

/** The dimensions a viewer can narrow by, in the order the chips and the panel show them. */
export const FILTER_KEYS = ['project', 'user', 'session'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export type Filter = Partial<Record<FilterKey, string>>;

/** The hub's labels are 1–200 characters; anything else in an address is not a filter it would accept. */
const MAX_LABEL = 200;

/** The filter named by query parameters; empty or over-long values are left out. */
export function readFilter(params: URLSearchParams): Filter {
  const f: Filter = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v && v.length <= MAX_LABEL) f[k] = v;
  }
  return f;
}

/** Writes the filter's values into `params`, in FILTER_KEYS order. */
export function writeFilter(params: URLSearchParams, f: Filter | undefined): void {
  for (const k of FILTER_KEYS) {
    const v = f?.[k];
    if (v) params.set(k, v);
  }
}

export function isEmptyFilter(f: Filter | undefined): boolean {
  return !f || FILTER_KEYS.every((k) => !f[k]);
}

/**
 * The filter with one dimension set to `value`, or cleared when `value` is undefined.
 * @example withFilter({ project: 'api' }, 'user', 'ana') // { project: 'api', user: 'ana' }
 */
export function withFilter(f: Filter, key: FilterKey, value: string | undefined): Filter {
  const next: Filter = {};
  for (const k of FILTER_KEYS) {
    const v = k === key ? value : f[k];
    if (v) next[k] = v;
  }
  return next;
}

/** A stable text of the filter, for comparisons and effect dependencies. @example filterKey({ user: 'a' }) // 'user=a' */
export function filterKey(f: Filter | undefined): string {
  const p = new URLSearchParams();
  writeFilter(p, f);
  return p.toString();
}

/** The query suffix for the hub (`&project=…`), empty when nothing is filtered. */
export function filterQuery(f: Filter | undefined): string {
  const text = filterKey(f);
  return text ? `&${text}` : '';
}

/** The delta field that carries each dimension (the session is `session_id` on the wire). */
export function deltaAttribution(delta: UsageDelta, key: FilterKey): string | undefined {
  if (!('hour' in delta)) return undefined;
  return key === 'session' ? delta.session_id : delta[key];
}

/** The filter value (and grouped key) of usage that names no value of a dimension, as the hub spells it. */
export const NONE_VALUE = NO_ATTRIBUTION;

/**
 * True when the usage a delta adds belongs to the filtered view, as the hub narrows its rows: a value matches
 * exactly, and `(none)` matches usage that names none. A daily-totals delta names nothing, so it stays only
 * while every filtered dimension is `(none)`.
 */
export function matchesFilter(delta: UsageDelta, f: Filter | undefined): boolean {
  if (!f) return true;
  return FILTER_KEYS.every((k) => {
    const want = f[k];
    if (!want) return true;
    const have = deltaAttribution(delta, k);
    return want === NONE_VALUE ? !have : have === want;
  });
}

const UUID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * How a value of `key` is shown in a list or chip: agents name sessions by UUID, which a narrow column cuts
 * to an unreadable prefix, so a session UUID shows its first 8 characters (as git shows a commit); the whole
 * value stays in the title and the filter.
 */
export function shownValue(key: FilterKey, value: string): string {
  return key === 'session' && UUID_LIKE.test(value) ? value.slice(0, 8) : value;
}
