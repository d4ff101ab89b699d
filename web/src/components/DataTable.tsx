/**
 * Lists as tables (TanStack Table): sortable column headers (buttons, so the keyboard reaches
 * them), a row click that opens the row's page, and the first cell a real link for keyboards
 * and screen readers.
 */
import { flexRender, getCoreRowModel, getSortedRowModel, useReactTable, type ColumnDef, type SortingState } from '@tanstack/react-table';
import { useState } from 'react';
import { useNavigate } from 'react-router';

/** A table's columns; each column has its own value type, which TanStack's lists leave open. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Columns<T> = ColumnDef<T, any>[];

export function DataTable<T>({
  data,
  columns,
  caption,
  rowHref,
  rowKey,
}: {
  data: T[];
  columns: Columns<T>;
  caption: string;
  rowHref?: (row: T) => string;
  rowKey?: (row: T) => string;
}) {
  const [sorting, setSorting] = useState<SortingState>([]);
  const navigate = useNavigate();
  const table = useReactTable({
    data,
    columns,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    ...(rowKey ? { getRowId: (row: T) => rowKey(row) } : {}),
  });
  return (
    <div className="table-wrap">
      <table className="data-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                const align = (header.column.columnDef.meta as { align?: string } | undefined)?.align;
                return (
                  <th key={header.id} scope="col" className={align === 'right' ? 'right' : undefined} aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}>
                    {header.isPlaceholder ? null : header.column.getCanSort() ? (
                      <button type="button" className="sort-button" onClick={header.column.getToggleSortingHandler()}>
                        {flexRender(header.column.columnDef.header, header.getContext())}
                        <span aria-hidden="true">{sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ''}</span>
                      </button>
                    ) : (
                      flexRender(header.column.columnDef.header, header.getContext())
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr
              key={row.id}
              className={rowHref ? 'clickable' : undefined}
              onClick={(event) => {
                if (!rowHref || (event.target as HTMLElement).closest('a,button,input,label')) return;
                navigate(rowHref(row.original));
              }}
            >
              {row.getVisibleCells().map((cell) => {
                const align = (cell.column.columnDef.meta as { align?: string } | undefined)?.align;
                return (
                  <td key={cell.id} className={align === 'right' ? 'right' : undefined}>
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
