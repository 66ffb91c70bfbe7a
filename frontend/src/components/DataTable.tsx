/** A table that scrolls inside itself (never the page) with right-aligned numeric columns. */
import type { ReactNode } from 'react';

export interface Column<R> {
  key: string;
  label: string;
  render: (row: R) => ReactNode;
  numeric?: boolean;
}

export function DataTable<R>({ rows, columns, caption, rowKey }: { rows: R[]; columns: Column<R>[]; caption: string; rowKey: (row: R, index: number) => string | number }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.key} scope="col" className={column.numeric ? 'num' : undefined}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={rowKey(row, index)}>
              {columns.map((column) => (
                <td key={column.key} className={column.numeric ? 'num' : undefined}>
                  {column.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
