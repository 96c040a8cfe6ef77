/** The range and time-zone selectors of the history views; plain native controls, so keyboard use is free. */
import { RANGES } from '../live/state';

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

function allZones(current: string): string[] {
  if (!zones) {
    try {
      zones = Intl.supportedValuesOf('timeZone');
    } catch {
      zones = ['UTC'];
    }
    if (!zones.includes('UTC')) zones = ['UTC', ...zones];
  }
  return zones.includes(current) ? zones : [current, ...zones];
}

export function ZoneSelect({ tz, onChange }: { tz: string; onChange: (tz: string) => void }) {
  return (
    <label class="zone">
      <span class="sr-only">Time zone</span>
      <select value={tz} onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)}>
        {allZones(tz).map((z) => (
          <option key={z} value={z}>
            {z}
          </option>
        ))}
      </select>
    </label>
  );
}
