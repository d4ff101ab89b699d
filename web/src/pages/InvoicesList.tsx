import { Progress } from 'radix-ui';
import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useFinalizeInvoiceMutation, useListInvoicesQuery } from '../app/api';
import { useRoles } from '../app/hooks';
import { mayUse } from '../app/navigation';
import type { InvoiceSummary } from '../app/types';
import { DataTable, type Columns } from '../components/DataTable';
import { SelectField, TextField } from '../components/Field';
import { Money } from '../components/Money';
import { Empty, ErrorView, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { formatPeriod } from '../lib/dates';
import { toShownError } from '../lib/errors';
import { Pager } from './ContractsList';

const STATUSES = ['DRAFT', 'FINALIZED', 'VOID'];

export default function InvoicesList() {
  const [params, setParams] = useSearchParams();
  const roles = useRoles();
  const canFinalize = mayUse('POST /v1/invoices/{id}/finalize', roles);
  const isAdvertiser = roles.every((r) => r === 'advertiser');
  const filters = { advertiserId: params.get('advertiserId') ?? '', period: params.get('period') ?? '', status: params.get('status') ?? '' };
  const cursor = params.get('cursor') ?? undefined;
  const query = useListInvoicesQuery({ ...filters, ...(cursor ? { cursor } : {}) });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [finalize] = useFinalizeInvoiceMutation();
  const [bulk, setBulk] = useState<{ done: number; total: number; failures: { id: string; message: string }[] } | null>(null);
  const [draftFilters, setDraftFilters] = useState(filters);

  const apply = () => {
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries(draftFilters)) if (v.trim()) next.set(k, v.trim());
    setParams(next);
  };

  const columns = useMemo<Columns<InvoiceSummary>>(
    () => [
      ...(canFinalize
        ? [
            {
              id: 'select',
              header: () => <span className="visually-hidden">Select</span>,
              enableSorting: false,
              cell: (c: { row: { original: InvoiceSummary } }) =>
                c.row.original.status === 'DRAFT' ? (
                  <input
                    type="checkbox"
                    aria-label={`Select ${c.row.original.id}`}
                    checked={selected.has(c.row.original.id)}
                    onChange={(e) => {
                      const next = new Set(selected);
                      if (e.target.checked) next.add(c.row.original.id);
                      else next.delete(c.row.original.id);
                      setSelected(next);
                    }}
                  />
                ) : null,
            } satisfies Columns<InvoiceSummary>[number],
          ]
        : []),
      { accessorKey: 'id', header: 'Invoice', cell: (c) => <Link to={`/invoices/${encodeURIComponent(c.row.original.id)}`}>{c.row.original.number ?? c.row.original.id}</Link> },
      { accessorKey: 'kind', header: 'Kind', cell: (c) => c.row.original.kind.replace(/_/g, ' ').toLowerCase() },
      { accessorKey: 'status', header: 'Status', cell: (c) => <StatusBadge status={c.row.original.status} /> },
      { accessorKey: 'period', header: 'Period', cell: (c) => formatPeriod(c.row.original.period) },
      { accessorKey: 'contractId', header: 'Contract' },
      ...(isAdvertiser ? [] : [{ accessorKey: 'advertiserId', header: 'Advertiser' } satisfies Columns<InvoiceSummary>[number]]),
      { accessorKey: 'total', header: 'Total', sortingFn: 'alphanumeric', meta: { align: 'right' }, cell: (c) => <Money amount={c.row.original.total} currency={c.row.original.currency} /> },
    ],
    [canFinalize, isAdvertiser, selected],
  );

  const finalizeSelected = async () => {
    const ids = [...selected];
    let state = { done: 0, total: ids.length, failures: [] as { id: string; message: string }[] };
    setBulk(state);
    for (const id of ids) {
      try {
        await finalize({ id }).unwrap();
      } catch (error) {
        state = { ...state, failures: [...state.failures, { id, message: toShownError(error).message }] };
      }
      state = { ...state, done: state.done + 1 };
      setBulk(state);
    }
    setSelected(new Set());
  };

  return (
    <>
      <h1>Invoices</h1>
      <form
        className="filters"
        aria-label="Filters"
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        {!isAdvertiser ? <TextField label="Advertiser ID" name="advertiserId" value={draftFilters.advertiserId} onChange={(e) => setDraftFilters({ ...draftFilters, advertiserId: e.target.value })} /> : null}
        <TextField label="Period" name="period" placeholder="YYYY-MM" value={draftFilters.period} onChange={(e) => setDraftFilters({ ...draftFilters, period: e.target.value })} />
        <SelectField label="Status" name="status" value={draftFilters.status} onChange={(e) => setDraftFilters({ ...draftFilters, status: e.target.value })}>
          <option value="">Any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </SelectField>
        <button type="submit" className="button">
          Apply
        </button>
      </form>
      {canFinalize ? (
        <div className="bulk">
          <button type="button" className="button button-primary" disabled={selected.size === 0 || (bulk !== null && bulk.done < bulk.total)} onClick={() => void finalizeSelected()} title={selected.size === 0 ? 'Select draft invoices first' : undefined}>
            Finalize selected ({selected.size})
          </button>
          {bulk ? (
            <div role="status" aria-live="polite" className="bulk-progress">
              <Progress.Root className="progress" value={bulk.done} max={Math.max(bulk.total, 1)} aria-label="Finalizing">
                <Progress.Indicator className="progress-bar" style={{ width: `${bulk.total ? (bulk.done * 100) / bulk.total : 100}%` }} />
              </Progress.Root>
              <span>
                {bulk.done} of {bulk.total} finalized{bulk.failures.length ? `, ${bulk.failures.length} failed` : ''}
              </span>
              {bulk.failures.map((f) => (
                <p key={f.id} className="field-error">
                  {f.id}: {f.message}
                </p>
              ))}
            </div>
          ) : null}
        </div>
      ) : null}
      {query.isLoading ? (
        <Loading what="invoices" />
      ) : query.error ? (
        <ErrorView error={query.error} />
      ) : !query.data || query.data.items.length === 0 ? (
        <Empty title="No invoices match">{canFinalize ? 'Invoices appear when a billing run rates a period.' : 'Your invoices appear here once they are issued.'}</Empty>
      ) : (
        <>
          <DataTable caption="Invoices" data={query.data.items} columns={columns} rowKey={(i) => i.id} rowHref={(i) => `/invoices/${encodeURIComponent(i.id)}`} />
          <Pager cursor={cursor} nextCursor={query.data.nextCursor} />
        </>
      )}
    </>
  );
}
