/**
 * The page's filter as chips above the charts: what the page is narrowed to, each with an × that removes it.
 * Removing navigates (the filter lives in the address), so Back brings it back.
 */
import { FILTER_KEYS, type FilterKey, isEmptyFilter, shownValue, withFilter } from '../lib/filter';
import { navigateFilter } from '../lib/navigation';
import { useStore } from '../live/use-store';

/** How a chip names its dimension. */
export const FILTER_LABEL: Record<FilterKey, string> = {
  project: 'Project',
  user: 'Person',
  session: 'Session',
};

export function FilterChips() {
  const filter = useStore((s) => s.filter);
  if (isEmptyFilter(filter)) return null;
  const set = FILTER_KEYS.filter((k) => filter[k]);
  return (
    <fieldset class="chips">
      <legend class="chips-label muted">Only</legend>
      {set.map((k) => (
        <span key={k} class="chip" data-filter={k}>
          <span class="chip-dim">{FILTER_LABEL[k]}</span>
          <span class="chip-value" title={filter[k]}>
            {shownValue(k, filter[k] ?? '')}
          </span>
          <button
            type="button"
            class="chip-x"
            aria-label={`Remove filter ${FILTER_LABEL[k].toLowerCase()} ${filter[k]}`}
            title="Remove this filter"
            onClick={() => navigateFilter(withFilter(filter, k, undefined))}
          >
            ×
          </button>
        </span>
      ))}
      {set.length > 1 ? (
        <button type="button" class="btn btn-ghost btn-small" onClick={() => navigateFilter({})}>
          Clear all
        </button>
      ) : null}
    </fieldset>
  );
}
