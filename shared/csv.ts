/**
 * Usage rows as CSV (RFC 4180 quoting, a header line): the hub's `?format=csv` and the dashboard's download.
 */
import type { GroupedUsageRow, UsageRow } from './schemas';

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

const GROUPED_COLUMNS = [
  'date',
  'key',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cost_usd',
] as const satisfies readonly (keyof GroupedUsageRow)[];

function cell(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv<R>(columns: readonly (keyof R)[], rows: readonly R[]): string {
  const lines = [columns.join(',')];
  for (const row of rows) lines.push(columns.map((c) => cell(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** @example usageCsv([]) // 'runtime_id,date,provider,model,…,cost_usd\r\n' */
export function usageCsv(rows: readonly UsageRow[]): string {
  return csv(COLUMNS, rows);
}

/**
 * Grouped usage rows (`group_by`) as CSV.
 * @example groupedUsageCsv([]) // 'date,key,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd\r\n'
 */
export function groupedUsageCsv(rows: readonly GroupedUsageRow[]): string {
  return csv(GROUPED_COLUMNS, rows);
}
