/** The range and time-zone selectors of the history views; native controls, so keyboard use is free. */
import { useEffect, useState } from 'preact/hooks';
import { browserZone, RANGES } from '../live/state';

export function RangeSelect({ days, onChange }: { days: number; onChange: (d: number) => void }) {
  return (
    <fieldset class="segmented">
      <legend class="sr-only">Range</legend>
      {RANGES.map((d) => (
        <button
          key={d}
          type="button"
          class={d === days ? 'seg seg-on' : 'seg'}
          aria-pressed={d === days}
          onClick={() => onChange(d)}
        >
          {d === 365 ? '1y' : `${d}d`}
        </button>
      ))}
    </fieldset>
  );
}

let zones: string[] | null = null;

/** Every zone the browser knows: its own first, then UTC, then the rest by name; the current one included. */
function allZones(current: string): string[] {
  if (!zones) {
    let known: string[];
    try {
      known = Intl.supportedValuesOf('timeZone');
    } catch {
      known = [];
    }
    zones = [...new Set([browserZone(), 'UTC', ...known])];
  }
  return zones.includes(current) ? zones : [current, ...zones];
}

/**
 * True once the browser is idle after the first render, or at once when asked (`now`): the ~400 options of the
 * zone list are not built while the page's first data and charts are on their way.
 */
function useIdleOrFocus(): { ready: boolean; now: () => void } {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    const done = () => setReady(true);
    if (typeof requestIdleCallback === 'function') {
      const id = requestIdleCallback(done, { timeout: 3000 });
      return () => cancelIdleCallback(id);
    }
    const t = window.setTimeout(done, 1000);
    return () => window.clearTimeout(t);
  }, []);
  return { ready, now: () => setReady(true) };
}

/**
 * A labelled, searchable zone picker: typing filters the ~400 zones ("par" finds Europe/Paris); a full zone
 * name, typed or picked, applies at once; anything else is put back on leaving the field.
 */
export function ZoneSelect({ tz, onChange }: { tz: string; onChange: (tz: string) => void }) {
  const [draft, setDraft] = useState(tz);
  useEffect(() => setDraft(tz), [tz]);
  const listed = useIdleOrFocus();
  // Asked of Intl only once the list is wanted: the page's first render makes no Intl call.
  const list = listed.ready ? allZones(tz) : [];
  return (
    <label class="zone">
      <span class="zone-label">Time zone</span>
      <input
        type="text"
        list="zone-list"
        value={draft}
        spellcheck={false}
        autoComplete="off"
        onFocus={(e) => {
          e.currentTarget.select();
          listed.now();
        }}
        onInput={(e) => {
          const v = e.currentTarget.value;
          setDraft(v);
          if (v !== tz && allZones(tz).includes(v)) onChange(v);
        }}
        onBlur={() => setDraft(tz)}
      />
      <datalist id="zone-list">
        {list.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
    </label>
  );
}
