import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { useGetExportsQuery } from '../app/api';
import { TextField } from '../components/Field';
import { Empty, ErrorView, Loading } from '../components/States';
import { currentPeriod, formatPeriod, previousPeriod } from '../lib/dates';

/** A period's finance export files, each a presigned download. */
export default function Exports() {
  const [params, setParams] = useSearchParams();
  const period = params.get('period') ?? previousPeriod(currentPeriod(new Date()));
  const [draft, setDraft] = useState(period);
  const valid = /^\d{4}-(0[1-9]|1[0-2])$/.test(period);
  const query = useGetExportsQuery(period, { skip: !valid });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setParams({ period: draft.trim() });
  };
  return (
    <>
      <h1>Exports</h1>
      <form className="filters" onSubmit={submit} aria-label="Choose a period">
        <TextField label="Period" name="period" placeholder="YYYY-MM" value={draft} onChange={(e) => setDraft(e.target.value)} error={valid ? undefined : 'must be a period YYYY-MM'} />
        <button type="submit" className="button">
          Show
        </button>
      </form>
      {!valid ? null : query.isLoading ? (
        <Loading what="the export files" />
      ) : query.error ? (
        <ErrorView error={query.error} />
      ) : !query.data || query.data.items.length === 0 ? (
        <Empty title={`No export files for ${formatPeriod(period)}`}>They are written when a billing run of the period completes.</Empty>
      ) : (
        <table className="data-table">
          <caption>Export files of {formatPeriod(period)}</caption>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Format</th>
            </tr>
          </thead>
          <tbody>
            {query.data.items.map((item) => (
              <tr key={item.key}>
                <td>
                  <a href={item.url} download>
                    {item.key.split('/').pop()}
                  </a>
                </td>
                <td>{item.format}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
