/**
 * One row of the summary: a value, what it is compared with (if anything), the ratio, the target and whether
 * it is met; and the summary printed as a Markdown table (readable on a terminal, pasted as is into
 * BENCHMARKS.md).
 */

export interface Target {
  /** The value or the ratio is compared. */
  on: 'value' | 'ratio';
  op: '>=' | '<=';
  limit: number;
  text: string;
}

export interface Row {
  id: string;
  metric: string;
  /** null: not measured ("n/a"), the note says why. */
  value: number | null;
  unit: string;
  baseline: number | null;
  baselineLabel: string | null;
  ratio: number | null;
  target: string | null;
  met: boolean | null;
  note: string | null;
}

export function makeRow(o: {
  id: string;
  metric: string;
  value: number | null | undefined;
  unit: string;
  baseline?: number | null;
  baselineLabel?: string;
  target?: Target;
  note?: string | null;
}): Row {
  const value = o.value ?? null;
  const baseline = o.baseline ?? null;
  const ratio = value !== null && baseline ? value / baseline : null;
  const compared = o.target ? (o.target.on === 'value' ? value : ratio) : null;
  const met =
    o.target && compared !== null
      ? o.target.op === '>='
        ? compared >= o.target.limit
        : compared <= o.target.limit
      : null;
  return {
    id: o.id,
    metric: o.metric,
    value,
    unit: o.unit,
    baseline,
    baselineLabel: baseline === null ? null : (o.baselineLabel ?? null),
    ratio,
    target: o.target?.text ?? null,
    met,
    note: o.note ?? null,
  };
}

export function formatNumber(v: number, unit: string): string {
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  const n = v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${n} ${unit}` : n;
}

const cells = (r: Row): string[] => [
  r.metric,
  r.value === null ? 'n/a' : formatNumber(r.value, r.unit),
  r.baseline === null
    ? ''
    : `${formatNumber(r.baseline, r.unit)}${r.baselineLabel ? ` (${r.baselineLabel})` : ''}`,
  r.ratio === null ? '' : `${r.ratio.toFixed(2)}×`,
  r.target ?? '',
  r.met === null ? (r.target ? 'n/a' : '') : r.met ? 'yes' : 'no',
  r.note ?? '',
];

const HEAD = ['Metric', 'Value', 'Baseline', 'Ratio', 'Target', 'Met', 'Note'];

export function markdownTable(rows: Row[]): string {
  const table = [HEAD, ...rows.map(cells)].map((r) => r.map((c) => c.replaceAll('|', '\\|')));
  const widths = HEAD.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(table[0]!), line(widths.map((w) => '-'.repeat(w))), ...table.slice(1).map(line)].join('\n');
}
