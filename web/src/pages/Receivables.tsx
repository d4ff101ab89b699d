import { lazy, Suspense, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { useGetReceivablesQuery } from '../app/api';
import type { Receivables } from '../app/types';
import { TextField } from '../components/Field';
import { Money } from '../components/Money';
import { Empty, ErrorView, Loading } from '../components/States';
import { formatDay } from '../lib/dates';

const AgingChart = lazy(() => import('../components/AgingChart'));

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const BUCKET_COLUMNS = [
  ['current', 'Current'],
  ['d1_30', '1–30 days'],
  ['d31_60', '31–60 days'],
  ['d61_90', '61–90 days'],
  ['over90', 'Over 90 days'],
  ['total', 'Total'],
] as const;

/** Open balances by advertiser and currency in aging buckets, as of a day kept in the URL. */
export default function ReceivablesPage() {
  const [params, setParams] = useSearchParams();
  const asOf = params.get('asOf') ?? new Date().toISOString().slice(0, 10);
  const [draft, setDraft] = useState(asOf);
  const error = DAY.test(draft) ? undefined : 'must be a day YYYY-MM-DD';
  const query = useGetReceivablesQuery(asOf, { skip: !DAY.test(asOf) });
  const show = (event: FormEvent) => {
    event.preventDefault();
    if (!error) setParams({ asOf: draft });
  };
  return (
    <>
      <h1>Receivables</h1>
      <form className="filters" onSubmit={show} noValidate aria-label="Receivables as of">
        <TextField label="As of" name="asOf" placeholder="YYYY-MM-DD" value={draft} onChange={(e) => setDraft(e.target.value)} error={error} />
        <button type="submit" className="button button-primary">
          Show receivables
        </button>
      </form>
      {query.isLoading || query.isFetching ? (
        <Loading what="receivables" />
      ) : query.error || !query.data ? (
        <ErrorView error={query.error} what="Receivables" />
      ) : query.data.items.length === 0 ? (
        <Empty title={`Nothing open on ${formatDay(asOf)}`}>Finalized invoices with a balance due show here.</Empty>
      ) : (
        <ReceivablesView receivables={query.data} />
      )}
    </>
  );
}

function ReceivablesView({ receivables }: { receivables: Receivables }) {
  return (
    <>
      <Suspense fallback={<Loading what="the chart" />}>
        <AgingChart receivables={receivables} label={`Open balances by aging bucket on ${formatDay(receivables.asOf)}; the figures are in the table below.`} />
      </Suspense>
      <table className="data-table" aria-label="Receivables by advertiser">
        <thead>
          <tr>
            <th scope="col">Advertiser</th>
            <th scope="col">Currency</th>
            {BUCKET_COLUMNS.map(([key, label]) => (
              <th key={key} scope="col" className="right">
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {receivables.items.map((item) => (
            <tr key={`${item.advertiserId}-${item.currency}`}>
              <td>{item.advertiserId}</td>
              <td>{item.currency}</td>
              {BUCKET_COLUMNS.map(([key]) => (
                <td key={key} className="right">
                  <Money amount={item[key]} currency={item.currency} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
