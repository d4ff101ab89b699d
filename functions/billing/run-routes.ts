/**
 * Billing run routes of the billing group: start a run (202, the workflow does the work) and
 * watch it. Merged with the finance routes in functions/billing/handler.ts.
 */
import { route, type RouteSpec } from '../http/group';
import { BILLING_RUN_OPERATIONS as ops } from '../../shared/schemas/api/billing-runs';
import { NotFoundError } from '../../shared/domain/kernel/errors';
import { MAX_FAILURES_SHOWN, type BillingRun, type ContractFailure, type RunInvoice } from '../../shared/domain/billing-runs/run';
import { finalizeRun, type RunFinalization } from '../../shared/domain/billing-runs/finalize-run';
import { billingRunPorts, startPorts } from '../billing-run/ports';
import { retryBillingRun, startBillingRun } from '../billing-run/tasks';

/** How long one finalize request works before answering (API Gateway waits at most 30 s). */
export const FINALIZE_BUDGET_MS = 20_000;

function presentFinalization(f: RunFinalization | null) {
  if (!f) return null;
  const { runId: _runId, ...rest } = f;
  return rest;
}

export function presentRun(run: BillingRun, invoices: readonly RunInvoice[], failures: readonly ContractFailure[], finalization: RunFinalization | null = null) {
  return {
    id: run.id,
    period: run.period,
    runSeq: run.runSeq,
    status: run.status,
    progress: run.progress,
    invoiceIds: invoices.map((i) => i.invoiceId),
    invoices: invoices.map(({ contractId, invoiceId, currency, total }) => ({ contractId, invoiceId, currency, total })),
    totals: run.totals,
    contractIds: run.contractIds,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    failureReason: run.failureReason,
    failures: failures.slice(0, MAX_FAILURES_SHOWN).map(({ contractId, reason }) => ({ contractId, reason })),
    failureCount: failures.length,
    retries: run.retries,
    startedBy: run.actor,
    finalization: presentFinalization(finalization),
  };
}

export const billingRunRoutes: Record<string, RouteSpec> = {
  'POST /v1/billing-runs': route(ops['POST /v1/billing-runs'], async ({ identity, body }) => {
    const run = await startBillingRun(startPorts(), body, identity.sub);
    return {
      status: 202,
      body: { id: run.id, status: 'RUNNING', period: run.period, runSeq: run.runSeq },
      headers: { location: `/v1/billing-runs/${run.id}` },
    };
  }),

  'GET /v1/billing-runs/{id}': route(ops['GET /v1/billing-runs/{id}'], async ({ params }) => {
    const { runs } = billingRunPorts();
    const run = await runs.getRun(params.id);
    if (!run) throw new NotFoundError('billing run', params.id);
    const [invoices, failures, finalization] = await Promise.all([runs.listRunInvoices(run.id), runs.listContractFailures(run.id), runs.getFinalization(run.id)]);
    return { status: 200, body: presentRun(run, invoices, failures, finalization) };
  }),

  'POST /v1/billing-runs/{id}/finalize': route(ops['POST /v1/billing-runs/{id}/finalize'], async ({ identity, params, clock }) => {
    const { runs, invoices } = billingRunPorts();
    const deadline = clock.now().getTime() + FINALIZE_BUDGET_MS;
    const finalization = await finalizeRun(
      { runs, invoices: { store: invoices, clock }, clock },
      { runId: params.id, actor: identity.sub, keepGoing: () => clock.now().getTime() < deadline },
    );
    const [run, runInvoices, failures] = await Promise.all([runs.requireRun(params.id), runs.listRunInvoices(params.id), runs.listContractFailures(params.id)]);
    return { status: 202, body: presentRun(run, runInvoices, failures, finalization), headers: { location: `/v1/billing-runs/${run.id}` } };
  }),

  'POST /v1/billing-runs/{id}/retry': route(ops['POST /v1/billing-runs/{id}/retry'], async ({ identity, params }) => {
    // 404 before anything else: the workflow is resolved only for a run that exists.
    if (!(await billingRunPorts().runs.getRun(params.id))) throw new NotFoundError('billing run', params.id);
    const outcome = await retryBillingRun(startPorts(), params.id, identity.sub);
    const { run } = outcome;
    return {
      status: run.status === 'RUNNING' ? 202 : 200,
      body: { id: run.id, status: run.status, period: run.period, runSeq: run.runSeq, retry: outcome.retry, contractIds: outcome.contractIds },
      ...(run.status === 'RUNNING' ? { headers: { location: `/v1/billing-runs/${run.id}` } } : {}),
    };
  }),
};
