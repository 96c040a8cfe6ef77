/** A KPI card: the compact figure, its exact value on hover, and the change against the previous period. */
import type { Change } from '../lib/kpi';
import { Num } from './Num';

interface Props {
  label: string;
  value: number | null;
  format: (n: number) => string;
  exactText?: string;
  /** Change against the previous period; without it the note is shown instead. */
  change?: Change;
  note?: string;
  color?: string;
}

export function KpiCard({ label, value, format, exactText, change, note, color }: Props) {
  return (
    <div class="kpi" data-kpi={label}>
      <div class="kpi-label">
        {color ? <span class="swatch" style={{ background: color }} /> : null}
        {label}
      </div>
      <div class="kpi-value">
        {value === null ? '—' : <Num value={value} format={format} title={exactText} />}
      </div>
      {change ? (
        <div class={`kpi-change tone-${change.tone}`} title={change.description}>
          {change.arrow ? <span aria-hidden="true">{change.arrow} </span> : null}
          <span>{change.text}</span>
          <span class="kpi-vs"> vs previous</span>
          <span class="sr-only">{change.description}</span>
        </div>
      ) : (
        <div class="kpi-change tone-neutral">{note}</div>
      )}
    </div>
  );
}
