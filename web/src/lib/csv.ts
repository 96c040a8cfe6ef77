/** Usage rows as CSV (the same columns as the hub's `?format=csv`), generated in the browser. */
import type { UsageRow } from '../../../shared/schemas';

const columns = [
  'runtime_id',
  'date',
  'provider',
  'model',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cost_usd',
] as const;

/** Quotes a field only when it needs it (RFC 4180). */
function field(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** @example rowsToCsv([]) // 'runtime_id,date,...,cost_usd\r\n' */
export function rowsToCsv(rows: readonly UsageRow[]): string {
  const lines = [columns.join(',')];
  for (const r of rows) lines.push(columns.map((c) => field(r[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
