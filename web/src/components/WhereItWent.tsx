/**
 * "Where it went": the range's cost per project, person and session, most first, each with its share of the
 * total as a bar (tokens beside it, the four kinds on hover). `(none)` (usage that names no value) and `other`
 * (the groups past the hub's top ones) are shown as what they are; any name but `other` (a fold of many)
 * narrows the whole page to it, `(none)` included (clicking it again widens it back).
 */
import './where-it-went.css';
import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import type { GroupedUsageRow } from '../../../shared/schemas';
import { type GroupEntry, NONE_KEY, OTHER_KEY, summarizeGroups } from '../lib/attribution';
import { FILTER_KEYS, type Filter, type FilterKey, shownValue, withFilter } from '../lib/filter';
import { compact, exact, percent, usdExact, usdPrecise } from '../lib/format';
import { navigateFilter } from '../lib/navigation';
import type { Groups, Loadable } from '../live/state';
import { useStore } from '../live/use-store';
import { FILTER_LABEL } from './FilterChips';
import { Num } from './Num';
import { Panel } from './Panel';

/** Rows shown before "Show all". */
const TOP = 8;

const TITLE: Record<FilterKey, string> = { project: 'Projects', user: 'People', session: 'Sessions' };

const NONE_HINT: Record<FilterKey, string> = {
  project: 'usage whose events name no project (daily totals, older daemons, --project-names off)',
  user: 'usage whose events name no person (daily totals, older daemons, --user-names off)',
  session: 'usage whose events name no session (daily totals, older daemons)',
};

function entryTitle(e: GroupEntry): string {
  const kinds = `input ${exact(e.input_tokens)} · output ${exact(e.output_tokens)} · cache read ${exact(e.cache_read_tokens)} · cache write ${exact(e.cache_write_tokens)}`;
  const price = e.partial ? ' · some tokens have no known price, so the cost is at least this' : '';
  return `${exact(e.tokens)} tokens (${kinds})${price}`;
}

function Name({ dim, entry, filter }: { dim: FilterKey; entry: GroupEntry; filter: Filter }) {
  if (entry.key === OTHER_KEY) {
    return (
      <span
        class="attr-name attr-name-fold"
        title={`every ${FILTER_LABEL[dim].toLowerCase()} past the top ones`}
      >
        {entry.key}
      </span>
    );
  }
  const on = filter[dim] === entry.key;
  const none = entry.key === NONE_KEY;
  return (
    <button
      type="button"
      class={none ? 'attr-name attr-name-none' : 'attr-name'}
      aria-pressed={on}
      title={
        on
          ? `Show every ${FILTER_LABEL[dim].toLowerCase()} again`
          : `Show only ${none ? NONE_HINT[dim] : entry.key}`
      }
      onClick={() => navigateFilter(withFilter(filter, dim, on ? undefined : entry.key))}
    >
      {shownValue(dim, entry.key)}
    </button>
  );
}

function Row({ dim, entry, filter }: { dim: FilterKey; entry: GroupEntry; filter: Filter }) {
  return (
    <li class="attr-row" data-key={entry.key} data-cost={entry.cost} data-tokens={entry.tokens}>
      <Name dim={dim} entry={entry} filter={filter} />
      <span class="attr-tokens" title={entryTitle(entry)}>
        <Num value={entry.tokens} format={compact} />
      </span>
      <span class="attr-cost" title={usdExact(entry.cost)}>
        <Num value={entry.cost} format={(n) => `${usdPrecise(n)}${entry.partial ? '+' : ''}`} />
      </span>
      <span class="attr-share">{percent(entry.share)}</span>
      <span class="attr-bar" aria-hidden="true">
        <span style={{ width: `${Math.max(entry.share * 100, entry.share > 0 ? 0.5 : 0)}%` }} />
      </span>
    </li>
  );
}

function Column({
  dim,
  state,
  filter,
}: {
  dim: FilterKey;
  state: Loadable<GroupedUsageRow[]>;
  filter: Filter;
}) {
  const [all, setAll] = useState(false);
  const summary = useMemo(() => (state.status === 'ready' ? summarizeGroups(state.data) : null), [state]);
  let body: ComponentChildren;
  if (state.status === 'error') {
    body = (
      <p class="attr-state state-error" role="alert">
        Could not load: {state.message}
      </p>
    );
  } else if (!summary) {
    body = <span class="skeleton attr-skeleton" aria-busy="true" />;
  } else if (summary.entries.length === 0) {
    body = <p class="attr-state muted">No usage in this range.</p>;
  } else {
    const named = summary.entries.filter((e) => e.key !== OTHER_KEY);
    const other = summary.entries.find((e) => e.key === OTHER_KEY);
    const shown = all ? named : named.slice(0, TOP);
    body = (
      <>
        <ol class="attr-list">
          {[...shown, ...(other ? [other] : [])].map((e) => (
            <Row key={e.key} dim={dim} entry={e} filter={filter} />
          ))}
        </ol>
        {named.length > TOP ? (
          <button type="button" class="btn btn-small attr-more" onClick={() => setAll(!all)}>
            {all ? 'Show the top 8' : `Show all ${named.length}`}
          </button>
        ) : null}
        {named.length === 1 && named[0]?.key === NONE_KEY ? (
          <p class="attr-hint muted">
            Nothing here names a {FILTER_LABEL[dim].toLowerCase()} yet: {NONE_HINT[dim]}.
          </p>
        ) : null}
      </>
    );
  }
  return (
    <section class="attr-col" data-dim={dim} aria-label={TITLE[dim]}>
      <header class="attr-head">
        <h3>{TITLE[dim]}</h3>
        {summary && summary.entries.length > 0 ? (
          <span class="muted" title={`${exact(summary.tokens)} tokens`}>
            {summary.shareOf === 'cost' ? usdPrecise(summary.cost) : `${compact(summary.tokens)} tokens`}
          </span>
        ) : null}
      </header>
      {body}
    </section>
  );
}

/** The panel over `days` days; `groups` is the page's (overview or runtime) state. */
export function WhereItWent({ groups, days }: { groups: Groups; days: number }) {
  const filter = useStore((s) => s.filter);
  return (
    <Panel title={`Where it went · ${days} days`} wide>
      <div class="attr-cols">
        {FILTER_KEYS.map((k) => (
          <Column key={k} dim={k} state={groups[k]} filter={filter} />
        ))}
      </div>
    </Panel>
  );
}
