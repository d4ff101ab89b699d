import { Progress } from 'radix-ui';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useGetBillingRunQuery } from '../app/api';
import { useAppDispatch } from '../app/hooks';
import { runSeen } from '../app/runsSlice';
import { Money } from '../components/Money';
import { Empty, ErrorView, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { formatInstant, formatPeriod } from '../lib/dates';

/** A run's live progress (polled while RUNNING), its totals per currency and its invoices. */
export default function BillingRunPage() {
  const { id = '' } = useParams();
  const dispatch = useAppDispatch();
  // Polls every second until the run is over (a reload picks the progress up again).
  const [pollingInterval, setPollingInterval] = useState(1000);
  const query = useGetBillingRunQuery(id, { pollingInterval, skipPollingIfUnfocused: false });
  const run = query.data;
  const running = run?.status === 'RUNNING';
  const [runId, runPeriod, runStartedAt] = [run?.id, run?.period, run?.startedAt];
  useEffect(() => {
    setPollingInterval(run && !running ? 0 : 1000);
  }, [run, running]);
  useEffect(() => {
    if (runId) dispatch(runSeen({ id: runId, period: runPeriod!, startedAt: runStartedAt! }));
  }, [dispatch, runId, runPeriod, runStartedAt]);
  if (query.isLoading) return <Loading what="the billing run" />;
  if (query.error || !run) return <ErrorView error={query.error} what="Billing run" />;
  const percent = run.progress.total === 0 ? (running ? 0 : 100) : Math.round((run.progress.done * 100) / run.progress.total);
  return (
    <>
      <p className="breadcrumb">
        <Link to="/billing-runs">Billing runs</Link> / {run.id}
      </p>
      <div className="page-header">
        <h1>Billing run {formatPeriod(run.period)}</h1>
        <StatusBadge status={run.status} />
      </div>
      <dl className="figures">
        <div>
          <dt>Run</dt>
          <dd>
            #{run.runSeq} {run.runSeq > 1 ? '(re-run: adjustments only)' : ''}
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>
            {formatInstant(run.startedAt)} by {run.startedBy}
          </dd>
        </div>
        {run.endedAt ? (
          <div>
            <dt>Ended</dt>
            <dd>{formatInstant(run.endedAt)}</dd>
          </div>
        ) : null}
      </dl>
      <div className="run-progress">
        <Progress.Root className="progress" value={run.progress.done} max={Math.max(run.progress.total, 1)} aria-label="Contracts rated">
          <Progress.Indicator className="progress-bar" style={{ width: `${percent}%` }} />
        </Progress.Root>
        <p role="status" aria-live="polite">
          {run.progress.done} of {run.progress.total} contracts rated{running ? '…' : ''}
        </p>
      </div>
      {run.failureReason ? (
        <p className="field-error" role="alert">
          The run failed: {run.failureReason}
        </p>
      ) : null}
      {run.totals.length > 0 ? (
        <>
          <h2>Totals</h2>
          <ul className="totals">
            {run.totals.map((t) => (
              <li key={t.currency}>
                <Money amount={t.total} currency={t.currency} /> over {t.invoices} invoice{t.invoices === 1 ? '' : 's'}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h2>Invoices</h2>
      {run.invoices.length === 0 ? (
        <Empty title={running ? 'Invoices appear as contracts are rated' : 'This run made no invoices'} />
      ) : (
        <table className="data-table">
          <caption className="visually-hidden">Invoices of the run</caption>
          <thead>
            <tr>
              <th scope="col">Invoice</th>
              <th scope="col">Contract</th>
              <th scope="col" className="right">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {run.invoices.map((inv) => (
              <tr key={inv.invoiceId}>
                <td>
                  <Link to={`/invoices/${encodeURIComponent(inv.invoiceId)}`}>{inv.invoiceId}</Link>
                </td>
                <td>
                  <Link to={`/contracts/${encodeURIComponent(inv.contractId)}`}>{inv.contractId}</Link>
                </td>
                <td className="right">
                  <Money amount={inv.total} currency={inv.currency} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
