import { Progress } from 'radix-ui';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useFinalizeBillingRunMutation, useGetBillingRunQuery, useRetryBillingRunMutation } from '../app/api';
import { useAppDispatch, useRoles } from '../app/hooks';
import { mayUse } from '../app/navigation';
import type { BillingRun } from '../app/types';
import { runSeen } from '../app/runsSlice';
import { Money } from '../components/Money';
import { Empty, ErrorView, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { formatInstant, formatPeriod } from '../lib/dates';
import { Figures } from '../components/Figures';

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
      <Figures
        items={[
          { label: 'Run', value: `#${run.runSeq} ${run.runSeq > 1 ? '(re-run: adjustments only)' : ''}` },
          { label: 'Started', value: `${formatInstant(run.startedAt)} by ${run.startedBy}` },
          run.endedAt ? { label: 'Ended', value: formatInstant(run.endedAt) } : null,
        ]}
      />
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
      <Failures run={run} />
      <FinalizeAll run={run} />
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

/** Contracts the run could not invoice, with the reason of their latest attempt, and the retry. */
function Failures({ run }: { run: BillingRun }) {
  const roles = useRoles();
  const [retry, retryState] = useRetryBillingRunMutation();
  if (run.failures.length === 0 && run.failureCount === 0) return null;
  const retryable = run.status === 'COMPLETED_WITH_ERRORS';
  const why = run.status === 'RUNNING' ? 'the run is still working' : run.status === 'FAILED' ? 'the run failed as a whole' : undefined;
  return (
    <section aria-labelledby="failures" className="panel">
      <h2 id="failures">
        Failed contracts ({run.failureCount})
      </h2>
      <p>
        {run.failureCount === 1 ? 'One contract was' : `${run.failureCount} contracts were`} not invoiced. Fix the cause, then retry: only these contracts are rated again, in this
        run and as of its instant.{run.retries > 0 ? ` Retries so far: ${run.retries}.` : ''}
      </p>
      <table className="data-table">
        <caption className="visually-hidden">Failed contracts</caption>
        <thead>
          <tr>
            <th scope="col">Contract</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {run.failures.map((f) => (
            <tr key={f.contractId}>
              <td>
                <Link to={`/contracts/${encodeURIComponent(f.contractId)}`}>{f.contractId}</Link>
              </td>
              <td>{f.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {run.failures.length < run.failureCount ? <p className="muted">Showing {run.failures.length} of {run.failureCount}.</p> : null}
      {mayUse('POST /v1/billing-runs/{id}/retry', roles) ? (
        <div className="actions">
          <button type="button" className="button button-primary" disabled={!retryable || retryState.isLoading} aria-describedby={why ? 'retry-why' : undefined} onClick={() => void retry(run.id)}>
            Retry failed contracts
          </button>
          {why ? (
            <span id="retry-why" className="muted">
              Retry is unavailable: {why}.
            </span>
          ) : null}
        </div>
      ) : null}
      {retryState.error ? <ErrorView error={retryState.error} /> : null}
    </section>
  );
}

/**
 * Finalize every draft of the run (POST .../finalize): each request works for a bounded time, so
 * the page asks again while the finalization is RUNNING; progress comes from the run itself.
 */
function FinalizeAll({ run }: { run: BillingRun }) {
  const roles = useRoles();
  const [finalizeAll, state] = useFinalizeBillingRunMutation();
  const finalization = run.finalization;
  const busy = state.isLoading || finalization?.status === 'RUNNING';
  useEffect(() => {
    // Another pass while drafts remain (the same request carries on where the last stopped).
    if (finalization?.status === 'RUNNING' && !state.isLoading && !state.isError) void finalizeAll(run.id);
  }, [finalization?.status, finalization?.updatedAt, finalizeAll, run.id, state.isLoading, state.isError]);
  if (!mayUse('POST /v1/billing-runs/{id}/finalize', roles) || run.invoices.length === 0) return null;
  const why = run.status === 'RUNNING' ? 'the run is still working' : run.status === 'FAILED' ? 'the run failed' : finalization?.status === 'SUCCEEDED' ? 'every invoice of the run is final' : undefined;
  const percent = finalization && finalization.progress.total > 0 ? Math.round((finalization.progress.done * 100) / finalization.progress.total) : 0;
  return (
    <section aria-labelledby="finalize-all" className="panel">
      <h2 id="finalize-all">Finalize the run's drafts</h2>
      <div className="actions">
        <button type="button" className="button button-primary" disabled={!!why || busy} aria-describedby={why ? 'finalize-why' : undefined} onClick={() => void finalizeAll(run.id)}>
          Finalize all drafts
        </button>
        {why ? (
          <span id="finalize-why" className="muted">
            Unavailable: {why}.
          </span>
        ) : null}
      </div>
      {finalization ? (
        <div className="bulk-progress">
          <Progress.Root className="progress" value={finalization.progress.done} max={Math.max(finalization.progress.total, 1)} aria-label="Invoices finalized">
            <Progress.Indicator className="progress-bar" style={{ width: `${percent}%` }} />
          </Progress.Root>
          <p role="status" aria-live="polite">
            {finalization.progress.done} of {finalization.progress.total} invoices final · {finalization.finalized} finalized here · {finalization.status.replace(/_/g, ' ')}
          </p>
        </div>
      ) : null}
      {finalization && finalization.failures.length > 0 ? (
        <ul className="error-details">
          {finalization.failures.map((f) => (
            <li key={f.invoiceId}>
              <Link to={`/invoices/${encodeURIComponent(f.invoiceId)}`}>{f.invoiceId}</Link> ({f.contractId}): {f.reason}
            </li>
          ))}
        </ul>
      ) : null}
      {state.error ? <ErrorView error={state.error} /> : null}
    </section>
  );
}
