/**
 * Usage rows as CSV (RFC 4180 quoting, a header line): the hub's `?format=csv` and the dashboard's download.
 */
import type { UsageRow } from './schemas';

const COLUMNS = [
  'runtime_id',
  'date',
  'provider',
  'model',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cost_usd',
] as const satisfies readonly (keyof UsageRow)[];

function cell(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** @example usageCsv([]) // 'runtime_id,date,provider,model,…,cost_usd\r\n' */
export function usageCsv(rows: readonly UsageRow[]): string {
  const lines = [COLUMNS.join(',')];
  for (const row of rows) lines.push(COLUMNS.map((c) => cell(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
