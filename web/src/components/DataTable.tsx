/** A table in a <details>: the text alternative of a chart, and the exact numbers behind it. */
import type { ComponentChildren } from 'preact';
import { useAfterPaint } from './after-paint';

export interface Column<T> {
  label: string;
  cell: (row: T) => ComponentChildren;
  numeric?: boolean;
}

interface Props<T> {
  summary: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  open?: boolean;
}

export function DataTable<T>({ summary, columns, rows, rowKey, open }: Props<T>) {
  return (
    <details class="data-table" open={open}>
      <summary>{summary}</summary>
      <Table columns={columns} rows={rows} rowKey={rowKey} />
    </details>
  );
}

export function Table<T>({ columns, rows, rowKey }: Pick<Props<T>, 'columns' | 'rows' | 'rowKey'>) {
  const painted = useAfterPaint();
  return (
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col" class={c.numeric ? 'n' : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {(painted ? rows : []).map((r) => (
            <tr key={rowKey(r)}>
              {columns.map((c) => (
                <td key={c.label} class={c.numeric ? 'n' : undefined}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
