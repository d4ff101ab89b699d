import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useListContractsQuery } from '../app/api';
import { useRoles } from '../app/hooks';
import { mayUse } from '../app/navigation';
import type { ContractSummaryT } from '../app/types';
import { DataTable, type Columns } from '../components/DataTable';
import { SelectField, TextField } from '../components/Field';
import { Empty, ErrorView, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { formatDay } from '../lib/dates';

const STATUSES = ['DRAFT', 'PENDING_APPROVAL', 'ACTIVE', 'EXPIRED', 'TERMINATED'];

const columns: Columns<ContractSummaryT> = [
  { accessorKey: 'name', header: 'Name', cell: (c) => <Link to={`/contracts/${encodeURIComponent(c.row.original.id)}`}>{c.row.original.name}</Link> },
  { accessorKey: 'advertiserId', header: 'Advertiser' },
  { accessorKey: 'status', header: 'Status', cell: (c) => <StatusBadge status={c.row.original.status} /> },
  { accessorKey: 'currency', header: 'Currency' },
  { accessorKey: 'startDate', header: 'Starts', cell: (c) => formatDay(c.row.original.startDate) },
  { accessorKey: 'endDate', header: 'Ends', cell: (c) => formatDay(c.row.original.endDate) },
  { accessorKey: 'timezone', header: 'Time zone' },
];

/** Contracts with their filters in the URL, so a link reproduces the view. */
export function ContractsTable({ title, fixedStatus }: { title: string; fixedStatus?: string }) {
  const [params, setParams] = useSearchParams();
  const roles = useRoles();
  const isAdvertiser = roles.length === 1 && roles[0] === 'advertiser';
  const advertiserId = params.get('advertiserId') ?? '';
  const status = fixedStatus ?? params.get('status') ?? '';
  const cursor = params.get('cursor') ?? undefined;
  const [draftAdvertiser, setDraftAdvertiser] = useState(advertiserId);
  const query = useListContractsQuery({ advertiserId, status, ...(cursor ? { cursor } : {}) });

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    next.delete('cursor');
    setParams(next);
  };
  const applyAdvertiser = (event: FormEvent) => {
    event.preventDefault();
    setFilter('advertiserId', draftAdvertiser.trim());
  };

  return (
    <>
      <div className="page-header">
        <h1>{title}</h1>
        {mayUse('POST /v1/contracts', roles) && !fixedStatus ? (
          <Link className="button button-primary" to="/contracts/new">
            New contract
          </Link>
        ) : null}
      </div>
      {!isAdvertiser ? (
        <form className="filters" onSubmit={applyAdvertiser} aria-label="Filters">
          <TextField label="Advertiser ID" name="advertiserId" value={draftAdvertiser} onChange={(e) => setDraftAdvertiser(e.target.value)} onBlur={() => setFilter('advertiserId', draftAdvertiser.trim())} />
          {!fixedStatus ? (
            <SelectField label="Status" name="status" value={status} onChange={(e) => setFilter('status', e.target.value)}>
              <option value="">Any</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s.replace(/_/g, ' ')}
                </option>
              ))}
            </SelectField>
          ) : null}
          <button type="submit" className="button">
            Apply
          </button>
        </form>
      ) : null}
      {query.isLoading ? (
        <Loading what="contracts" />
      ) : query.error ? (
        <ErrorView error={query.error} onReload={() => void query.refetch()} />
      ) : !query.data || query.data.items.length === 0 ? (
        <Empty title={fixedStatus ? 'Nothing waits for approval' : 'No contracts match'}>
          {fixedStatus ? 'Versions submitted by ops show here.' : mayUse('POST /v1/contracts', roles) ? 'Create one with “New contract”, or clear the filters.' : 'Clear the filters, or ask ops to set one up.'}
        </Empty>
      ) : (
        <>
          <DataTable caption={title} data={query.data.items} columns={columns} rowKey={(c) => c.id} rowHref={(c) => `/contracts/${encodeURIComponent(c.id)}`} />
          <Pager cursor={cursor} nextCursor={query.data.nextCursor} />
        </>
      )}
    </>
  );
}

export function Pager({ cursor, nextCursor }: { cursor: string | undefined; nextCursor: string | null }) {
  const [params] = useSearchParams();
  const withCursor = (value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set('cursor', value);
    else next.delete('cursor');
    return `?${next.toString()}`;
  };
  if (!cursor && !nextCursor) return null;
  return (
    <nav className="pager" aria-label="Pages">
      {cursor ? <Link to={withCursor(null)}>First page</Link> : null}
      {nextCursor ? <Link to={withCursor(nextCursor)}>Next page</Link> : null}
    </nav>
  );
}

export default function ContractsList() {
  return <ContractsTable title="Contracts" />;
}
