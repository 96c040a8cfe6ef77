/**
 * The activity heatmap (GitHub style, 26 weeks on a wide card, 13 on a narrow one): weeks as columns, weekdays as rows, month labels on top,
 * five levels with a less…more key, today outlined, a tooltip per day. Days are in the viewer's zone.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { compact, dayLabel, exact, usdExact, usdPrecise } from '../lib/format';
import { type HeatCell, heatGrid, WEEKS, WIDE_WEEKS } from '../lib/heatmap';
import { DataTable } from './DataTable';

export interface DayAmount {
  tokens: number;
  cost: number;
}

interface Props {
  today: string;
  days: ReadonlyMap<string, DayAmount>;
}

const weekdayLabels = ['', 'Mon', '', 'Wed', '', 'Fri', ''];

export function heatTooltip(date: string, a: DayAmount | undefined): string {
  return `${dayLabel(date)}: ${compact(a?.tokens ?? 0)} tokens · ${usdExact(a?.cost ?? 0)}`;
}

const GAP = 3;
const LABELS = 34;
const MIN_CELL = 11;
const MAX_CELL = 26;

/**
 * Weeks and cell size that fill a card `width` px wide: half a year when cells of the minimum size fit,
 * else 13 weeks; cells grow to use the width, up to a size that still reads as a grid.
 */
export function heatFit(width: number): { weeks: number; cell: number } {
  const cellFor = (weeks: number) => Math.floor((width - LABELS - weeks * GAP) / weeks);
  const weeks = cellFor(WIDE_WEEKS) >= MIN_CELL + 2 ? WIDE_WEEKS : WEEKS;
  return { weeks, cell: Math.max(MIN_CELL, Math.min(MAX_CELL, cellFor(weeks))) };
}

/** Follows the card's width, so the grid fills it on a wall screen and fits on a phone. */
function useHeatFit() {
  const wrap = useRef<HTMLDivElement>(null);
  const [fit, setFit] = useState({ weeks: WEEKS, cell: 17 });
  useLayoutEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const measure = () => {
      const next = heatFit(el.clientWidth);
      setFit((f) => (f.weeks === next.weeks && f.cell === next.cell ? f : next));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return { wrap, ...fit };
}

export function Heatmap({ today, days }: Props) {
  const tokens = new Map([...days].map(([d, a]) => [d, a.tokens]));
  const { wrap, weeks, cell } = useHeatFit();
  const grid = heatGrid(today, tokens, weeks);
  const [active, setActive] = useState<HeatCell | null>(null);
  const gridRef = useRef<HTMLDivElement>(null);
  // One delegated handler instead of 91: the cell under the pointer names itself by data-i.
  const over = (e: MouseEvent) => {
    const i = (e.target as HTMLElement).dataset.i;
    setActive(i === undefined ? null : (grid.cells[Number(i)] ?? null));
  };
  // Keyboard: focus shows today, arrows walk days (left/right a week, up/down a day).
  const key = (e: KeyboardEvent) => {
    const step = { ArrowLeft: -7, ArrowRight: 7, ArrowUp: -1, ArrowDown: 1 }[e.key];
    if (step === undefined) return;
    e.preventDefault();
    const at = active ? grid.cells.indexOf(active) : grid.cells.length - 1;
    setActive(grid.cells[Math.min(grid.cells.length - 1, Math.max(0, at + step))] ?? null);
  };
  const withUsage = grid.cells.filter((c) => c.value > 0).reverse();
  return (
    <div class="heatmap-wrap" ref={wrap} style={{ '--cell': `${cell}px` }} data-weeks={weeks}>
      <div
        class="heatmap"
        ref={gridRef}
        style={{ gridTemplateColumns: `auto repeat(${weeks}, var(--cell))` }}
        // A slider over the days: arrows move it and a screen reader reads each day's tooltip text.
        role="slider"
        aria-label={`Daily tokens over the last ${weeks} weeks; busiest day ${compact(grid.max)} tokens`}
        aria-valuemin={0}
        aria-valuemax={grid.cells.length - 1}
        aria-valuenow={active ? grid.cells.indexOf(active) : grid.cells.length - 1}
        aria-valuetext={heatTooltip(active?.date ?? today, days.get(active?.date ?? today))}
        tabIndex={0}
        onMouseOver={over}
        onFocus={() => setActive(grid.cells.at(-1) ?? null)}
        onKeyDown={key}
        onBlur={() => setActive(null)}
        onMouseLeave={() => setActive(null)}
      >
        {grid.months.map((m) => (
          <span key={`m${m.col}`} class="hm-month" style={{ gridColumn: m.col + 2, gridRow: 1 }}>
            {m.label}
          </span>
        ))}
        {weekdayLabels.map((l, row) => (
          <span key={`w${row}`} class="hm-weekday" style={{ gridColumn: 1, gridRow: row + 2 }}>
            {l}
          </span>
        ))}
        {grid.cells.map((c, i) => (
          <span
            key={c.date}
            class={`hm-cell lvl-${c.level}${c.isToday ? ' hm-today' : ''}`}
            style={{ gridColumn: c.col + 2, gridRow: c.row + 2 }}
            data-i={i}
            data-date={c.date}
            data-level={c.level}
          />
        ))}
      </div>
      {active ? (
        <HeatTip
          grid={gridRef.current}
          cell={active}
          weeks={weeks}
          text={heatTooltip(active.date, days.get(active.date))}
        />
      ) : null}
      <div class="hm-key" aria-hidden="true">
        <span>Less</span>
        {[0, 1, 2, 3, 4].map((l) => (
          <span key={l} class={`hm-cell lvl-${l}`} />
        ))}
        <span>More</span>
      </div>
      <DataTable
        summary="Data table"
        rows={withUsage}
        rowKey={(c) => c.date}
        columns={[
          { label: 'Day', cell: (c) => dayLabel(c.date) },
          { label: 'Tokens', numeric: true, cell: (c) => exact(days.get(c.date)?.tokens ?? 0) },
          { label: 'Cost', numeric: true, cell: (c) => usdPrecise(days.get(c.date)?.cost ?? 0) },
        ]}
      />
    </div>
  );
}

/** Placed beside the cell it describes (read from the layout, so the CSS cell size can change freely). */
function HeatTip({
  grid,
  cell,
  weeks,
  text,
}: {
  grid: HTMLDivElement | null;
  cell: HeatCell;
  weeks: number;
  text: string;
}) {
  const el = grid?.querySelector<HTMLElement>(`[data-date="${cell.date}"]`);
  if (!el) return null;
  const right = cell.col > weeks / 2;
  return (
    <div
      class="hm-tip"
      role="tooltip"
      style={{
        left: `${right ? el.offsetLeft - 6 : el.offsetLeft + el.offsetWidth + 6}px`,
        top: `${el.offsetTop + el.offsetHeight / 2}px`,
        transform: `translate(${right ? '-100%' : '0'}, -50%)`,
      }}
    >
      {text}
    </div>
  );
}
