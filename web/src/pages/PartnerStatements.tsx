import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useGetPartnerStatementQuery } from '../app/api';
import { TextField } from '../components/Field';
import { Money } from '../components/Money';
import { Empty, ErrorView, Loading } from '../components/States';
import { currentPeriod, formatPeriod, previousPeriod } from '../lib/dates';

/** A partner's statement of a period: payouts per contract and charge, net of re-runs. */
export default function PartnerStatements() {
  const [params, setParams] = useSearchParams();
  const partnerId = params.get('partnerId') ?? '';
  const period = params.get('period') ?? previousPeriod(currentPeriod(new Date()));
  const [draft, setDraft] = useState({ partnerId, period });
  const ready = partnerId !== '' && /^\d{4}-(0[1-9]|1[0-2])$/.test(period);
  const query = useGetPartnerStatementQuery({ id: partnerId, period }, { skip: !ready });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setParams({ partnerId: draft.partnerId.trim(), period: draft.period.trim() });
  };
  return (
    <>
      <h1>Partner statements</h1>
      <form className="filters" onSubmit={submit} aria-label="Statement">
        <TextField label="Partner ID" name="partnerId" value={draft.partnerId} onChange={(e) => setDraft({ ...draft, partnerId: e.target.value })} />
        <TextField label="Period" name="period" placeholder="YYYY-MM" value={draft.period} onChange={(e) => setDraft({ ...draft, period: e.target.value })} />
        <button type="submit" className="button">
          Show
        </button>
      </form>
      {!ready ? (
        <Empty title="Choose a partner and a period" />
      ) : query.isLoading ? (
        <Loading what="the statement" />
      ) : query.error || !query.data ? (
        <ErrorView error={query.error} what="Statement" />
      ) : query.data.lines.length === 0 ? (
        <Empty title={`No payouts for ${formatPeriod(period)}`} />
      ) : (
        <>
          <ul className="totals">
            {query.data.totals.map((t) => (
              <li key={t.currency}>
                Total <Money amount={t.amount} currency={t.currency} />
              </li>
            ))}
          </ul>
          <table className="data-table">
            <caption>Payouts of {formatPeriod(period)}</caption>
            <thead>
              <tr>
                <th scope="col">Contract</th>
                <th scope="col">Advertiser</th>
                <th scope="col">Charge</th>
                <th scope="col" className="right">
                  Payout
                </th>
              </tr>
            </thead>
            <tbody>
              {query.data.lines.map((line) => (
                <tr key={`${line.contractId}-${line.chargeId}`}>
                  <td>
                    <Link to={`/contracts/${encodeURIComponent(line.contractId)}`}>{line.contractId}</Link>
                  </td>
                  <td>{line.advertiserId}</td>
                  <td>{line.chargeId}</td>
                  <td className="right">
                    <Money amount={line.amount} currency={line.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
