import { lazy, Suspense, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useGetSpendQuery, useListContractsQuery } from '../app/api';
import type { Spend } from '../app/types';
import { SelectField, TextField } from '../components/Field';
import { Money, Quantity } from '../components/Money';
import { Empty, ErrorView, Loading } from '../components/States';
import { currentPeriod, formatDay, formatInstant, formatPeriod } from '../lib/dates';
import { cumulativeDecimals } from '../lib/money';
import { Figures } from '../components/Figures';

// The chart library comes with this page only, and after the figures are on screen.
const SpendChart = lazy(() => import('../components/SpendChart'));

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

/**
 * Spend to date of one contract in a period: per charge and per day, against the budget cap
 * and the minimum commitment, with the pacing projection. The contract and period live in the
 * URL, so a link reproduces the view.
 */
export default function SpendPage() {
  const [params, setParams] = useSearchParams();
  const contractId = params.get('contract') ?? '';
  const period = params.get('period') ?? currentPeriod(new Date());
  const contracts = useListContractsQuery({ limit: 200 });
  const [draftPeriod, setDraftPeriod] = useState(period);
  const [draftContract, setDraftContract] = useState(contractId);
  const chosen = contractId || draftContract || contracts.data?.items[0]?.id || '';
  const periodError = PERIOD.test(draftPeriod) ? undefined : 'must be a period YYYY-MM';

  const show = (event: FormEvent) => {
    event.preventDefault();
    if (periodError) return;
    setParams({ contract: draftContract || chosen, period: draftPeriod });
  };

  return (
    <>
      <h1>Spend</h1>
      {contracts.isLoading ? (
        <Loading what="the contracts" />
      ) : contracts.error ? (
        <ErrorView error={contracts.error} what="Contracts" />
      ) : (contracts.data?.items.length ?? 0) === 0 ? (
        <Empty title="No contracts yet">Spend shows here once a contract has usage.</Empty>
      ) : (
        <form className="filters" onSubmit={show} noValidate aria-label="Choose the contract and period">
          <SelectField label="Contract" name="contract" value={draftContract || chosen} onChange={(e) => setDraftContract(e.target.value)}>
            {contracts.data!.items.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </SelectField>
          <TextField label="Period" name="period" placeholder="YYYY-MM" value={draftPeriod} onChange={(e) => setDraftPeriod(e.target.value)} error={periodError} />
          <button type="submit" className="button button-primary">
            Show spend
          </button>
        </form>
      )}
      {contractId && PERIOD.test(period) ? <SpendReport contractId={contractId} period={period} name={contracts.data?.items.find((c) => c.id === contractId)?.name} /> : null}
    </>
  );
}

function SpendReport({ contractId, period, name }: { contractId: string; period: string; name: string | undefined }) {
  const query = useGetSpendQuery({ id: contractId, period });
  if (query.isLoading || query.isFetching) return <Loading what="spend to date" />;
  if (query.error || !query.data) return <ErrorView error={query.error} what="Contract" />;
  return <SpendView spend={query.data} name={name ?? contractId} />;
}

function SpendView({ spend, name }: { spend: Spend; name: string }) {
  const c = spend.currency;
  const running = cumulativeDecimals(spend.days.map((d) => d.amount));
  return (
    <section aria-labelledby="spend-title">
      <h2 id="spend-title">
        <Link to={`/contracts/${encodeURIComponent(spend.contractId)}`}>{name}</Link>: {formatPeriod(spend.period)}
      </h2>
      <p className="muted">Rated from the usage received by {formatInstant(spend.asOf)}; nothing is invoiced until the billing run.</p>
      <Figures
        label="Spend figures"
        items={[
          { label: 'Spend to date', value: <Money amount={spend.total} currency={c} />, strong: true },
          spend.guaranteeCredit !== null && { label: 'Guarantee credit (in spend)', value: <Money amount={spend.guaranteeCredit} currency={c} /> },
          { label: 'Credits of the period', value: <Money amount={spend.creditTotal} currency={c} /> },
          { label: 'Budget cap', value: spend.budgetCap === null ? 'no cap' : <Money amount={spend.budgetCap} currency={c} /> },
          { label: 'Remaining', value: spend.remaining === null ? '—' : <Money amount={spend.remaining} currency={c} /> },
          { label: 'Minimum commitment', value: spend.minimum === null ? 'none' : <Money amount={spend.minimum} currency={c} /> },
          { label: 'Shortfall', value: spend.shortfall === null ? '—' : <Money amount={spend.shortfall} currency={c} /> },
          { label: 'Projected for the period', value: <Money amount={spend.projectedTotal} currency={c} /> },
          { label: 'Cap reached on', value: spend.capReachedOn ? formatDay(spend.capReachedOn) : spend.budgetCap === null ? '—' : 'not within the period' },
        ]}
      />

      {spend.credits.length > 0 ? (
        <table className="data-table">
          <caption>Approved credits of {formatPeriod(spend.period)}</caption>
          <thead>
            <tr>
              <th scope="col">Credit</th>
              <th scope="col">Reason</th>
              <th scope="col" className="right">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {spend.credits.map((credit) => (
              <tr key={credit.id}>
                <td>{credit.id}</td>
                <td>{credit.reason.replace(/_/g, ' ').toLowerCase()}</td>
                <td className="right">
                  <Money amount={credit.amount} currency={c} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {spend.days.length === 0 ? (
        <Empty title={`No usage in ${formatPeriod(spend.period)} yet`}>Spend appears here as impressions and conversions arrive.</Empty>
      ) : (
        <>
          <h3>Daily spend</h3>
          <Suspense fallback={<Loading what="the chart" />}>
            <SpendChart spend={spend} label={`Daily and cumulative spend in ${formatPeriod(spend.period)}; the figures are in the table below.`} />
          </Suspense>
          <h3>By charge</h3>
          <table className="data-table">
            <caption className="visually-hidden">Spend by charge</caption>
            <thead>
              <tr>
                <th scope="col">Charge</th>
                <th scope="col" className="right">
                  Quantity
                </th>
                <th scope="col" className="right">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {spend.charges.map((charge) => (
                <tr key={charge.chargeId}>
                  <td>{charge.chargeId}</td>
                  <td className="right">
                    <Quantity value={charge.quantity} />
                  </td>
                  <td className="right">
                    <Money amount={charge.amount} currency={c} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>By day</h3>
          <table className="data-table" aria-label="Spend by day">
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col" className="right">
                  Quantity
                </th>
                <th scope="col" className="right">
                  Amount
                </th>
                <th scope="col" className="right">
                  To date
                </th>
              </tr>
            </thead>
            <tbody>
              {spend.days.map((day, i) => (
                <tr key={day.date}>
                  <td>{formatDay(day.date)}</td>
                  <td className="right">
                    <Quantity value={day.quantity} />
                  </td>
                  <td className="right">
                    <Money amount={day.amount} currency={c} />
                  </td>
                  <td className="right">
                    <Money amount={running[i]} currency={c} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
