/** The per-day × model table of a range, with a CSV download of exactly these rows (built in the browser). */

import { usageCsv } from '../../../shared/csv';
import type { RowCostSource, UsageRow } from '../../../shared/schemas';
import { rowTokens } from '../lib/aggregate';
import { dayLabel, exact, usdPrecise } from '../lib/format';
import { modelName } from '../lib/model-name';
import { Table } from './DataTable';

export function downloadCsv(rows: readonly UsageRow[], filename: string): void {
  const url = URL.createObjectURL(new Blob([usageCsv(rows)], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Newest day first, most tokens first within a day. */
export function tableOrder(rows: readonly UsageRow[]): UsageRow[] {
  return [...rows].sort((a, b) =>
    a.date !== b.date ? (a.date < b.date ? 1 : -1) : rowTokens(b) - rowTokens(a),
  );
}

/** What a cost cell says about where its figure came from. */
const COST_SOURCE_TITLE: Record<RowCostSource, string> = {
  agent: 'cost reported by the agent itself',
  table: 'cost from the price table, per request as of its date',
  mixed: 'cost partly reported by the agent, partly from the price table',
  unknown: 'some tokens of this model have no known price',
};

export function UsageTable({ rows, colorOf }: { rows: UsageRow[]; colorOf: (model: string) => string }) {
  return (
    <Table
      rows={rows}
      rowKey={(r) => `${r.date}|${r.provider}|${r.model}`}
      columns={[
        { label: 'Day', cell: (r) => dayLabel(r.date) },
        {
          label: 'Model',
          cell: (r) => (
            <span class="model-cell" title={r.model}>
              <span class="swatch" style={{ background: colorOf(r.model) }} />
              <span class="model-name">{modelName(r.model)}</span>
            </span>
          ),
        },
        { label: 'Input', numeric: true, cell: (r) => exact(r.input_tokens) },
        { label: 'Output', numeric: true, cell: (r) => exact(r.output_tokens) },
        { label: 'Cache read', numeric: true, cell: (r) => exact(r.cache_read_tokens) },
        { label: 'Cache write', numeric: true, cell: (r) => exact(r.cache_write_tokens) },
        { label: 'Total', numeric: true, cell: (r) => exact(rowTokens(r)) },
        {
          label: 'Cost',
          numeric: true,
          cell: (r) =>
            r.cost_usd === null ? (
              <span class="muted" title="some tokens of this model have no known price">
                unknown
              </span>
            ) : (
              <span title={COST_SOURCE_TITLE[r.cost_source ?? 'table']}>
                {usdPrecise(r.cost_usd)}
                {r.cost_source === 'agent' || r.cost_source === 'mixed' ? (
                  <sup class="muted"> agent</sup>
                ) : null}
              </span>
            ),
        },
      ]}
    />
  );
}
