/**
 * The billing run's steps, one function per workflow state. Each one is the body of a task
 * Lambda (functions/billing-run/<step>/handler.ts) and is safe to run again: Step Functions
 * retries steps, and a Distributed Map may run an item twice.
 *
 * The steps orchestrate only: the rules live in the domain (plan, rating, totals) and the
 * writes in the repositories (idempotent invoice per contract/period/run, idempotent progress).
 */
import type { Clock } from '../../shared/domain/kernel/clock';
import { NotFoundError } from '../../shared/domain/kernel/errors';
import type { ContractAggregate, Contract } from '../../shared/domain/contracts/model';
import type { AdvertiserLookup } from '../../shared/domain/contracts/store';
import { advertiserForRun } from './run-advertisers';
import { toContractTerms } from '../../shared/domain/contracts/terms';
import { ratePeriodFromPages, type UsagePage } from '../../shared/domain/billing/rate';
import type { PriorRuns } from '../../shared/domain/billing/types';
import { BILLABLE_CONTRACT_STATUSES, buildPlan, type PlannableContract } from '../../shared/domain/billing-runs/plan';
import {
  decideRetry,
  executionInputOf,
  executionNameOf,
  failureReasonOf,
  runIdOfExecution,
  withContractFailures,
  MAX_FAILURES_IN_REASON,
  RunStatus,
  summarizeRun,
  validateStartRequest,
  ConflictingProgressError,
  type BillingRun,
  type RunExecutionInput,
  type RunTotal,
} from '../../shared/domain/billing-runs/run';
import { ConflictError } from '../../shared/domain/kernel/errors';
import type { BillingRunRepository } from '../../shared/adapters/dynamodb/billing-run-repository';
import type { InvoiceStore, RunRecord } from '../../shared/domain/invoices/store';
import { replayedRunInvoice, writeRunInvoice } from '../../shared/domain/invoices/write-run-invoice';
import type { RunPlanStore } from '../../shared/adapters/s3/run-plans';
import type { BillingWorkflowStarter } from '../../shared/adapters/workflow/billing-workflow';

/**
 * What the steps need, as narrow ports: the repositories implement them. Each step takes only
 * the ports it uses, so its Lambda builds (and bundles) no other store.
 */
export interface BillingRunPorts {
  runs: BillingRunRepository;
  plans: Pick<RunPlanStore, 'write' | 'read'>;
  contracts: {
    get(contractId: string): Promise<ContractAggregate | null>;
    list(query: { status?: Contract['status']; limit: number; cursor?: string }): Promise<{ items: Contract[]; nextCursor: string | null }>;
  };
  /** Usage page by page (the period of the largest contract does not fit in a Lambda's memory at once). */
  usage: { streamPeriodUsage(contractId: string, period: string): AsyncGenerator<UsagePage> };
  invoices: InvoiceStore & { loadRunHistory(contractId: string, period: string, runSeq: number): Promise<{ prior: PriorRuns; recorded: RunRecord | undefined }> };
  /** The advertiser's billing profile (bill-to, tax treatment) is fixed on each draft the run writes. */
  advertisers: AdvertiserLookup;
  exports: { writePeriodExport(period: string): Promise<unknown> };
  clock: Clock;
}

// --- Starting --------------------------------------------------------------------------------

export interface StartPorts {
  runs: BillingRunRepository;
  workflow: BillingWorkflowStarter;
}

/**
 * Takes the period (409 while another run of it is RUNNING) and starts the run's execution. If
 * the execution cannot be started the run is failed at once, so the period is not left locked.
 */
export async function startBillingRun(ports: StartPorts, request: { period: string; contractIds?: string[] | null }, actor: string): Promise<BillingRun> {
  const { period, contractIds } = validateStartRequest(request);
  const run = await ports.runs.startRun(period, contractIds, actor);
  try {
    await ports.workflow.start(executionInputOf(run));
  } catch (error) {
    await ports.runs.failRun(run.id, `the workflow could not be started: ${(error as Error).message}`);
    throw error;
  }
  return run;
}

// --- Plan ------------------------------------------------------------------------------------

const LIST_PAGE = 200;
const GET_CONCURRENCY = 16;

async function candidatesOf(ports: Pick<BillingRunPorts, 'contracts'>, input: RunExecutionInput): Promise<PlannableContract[]> {
  if (input.contractIds) {
    const found: PlannableContract[] = [];
    // Up to 1,000 named contracts: read them a bounded number at a time.
    for (let i = 0; i < input.contractIds.length; i += GET_CONCURRENCY) {
      const aggregates = await Promise.all(input.contractIds.slice(i, i + GET_CONCURRENCY).map((id) => ports.contracts.get(id)));
      for (const aggregate of aggregates) if (aggregate) found.push(aggregate.contract);
    }
    return found;
  }
  const contracts: PlannableContract[] = [];
  for (const status of BILLABLE_CONTRACT_STATUSES) {
    let cursor: string | undefined;
    do {
      const page = await ports.contracts.list({ status, limit: LIST_PAGE, cursor });
      contracts.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return contracts;
}

export async function plan(ports: Pick<BillingRunPorts, 'runs' | 'contracts' | 'plans'>, input: RunExecutionInput): Promise<{ total: number; planKey: string }> {
  if (input.retry > 0) {
    // A retry rates only the contracts whose latest attempt failed; the run's total stays.
    const failed = await ports.runs.listContractFailures(input.runId);
    const items = failed.map((f) => ({ contractId: f.contractId }));
    return { total: items.length, planKey: await ports.plans.write(executionNameOf(input), items) };
  }
  const items = buildPlan(await candidatesOf(ports, input), input.period);
  const planKey = await ports.plans.write(input.runId, items);
  await ports.runs.setPlanned(input.runId, items.length);
  return { total: items.length, planKey };
}

// --- Rate one contract -----------------------------------------------------------------------

/** Rating reads and writes the table only. */
export type RatePorts = Pick<BillingRunPorts, 'runs' | 'contracts' | 'usage' | 'invoices' | 'advertisers' | 'clock'>;

export interface RateContractInput {
  runId: string;
  period: string;
  runSeq: number;
  asOf: string;
  actor: string;
  contractId: string;
}

export async function rateContract(ports: RatePorts, input: RateContractInput): Promise<{ invoiceId: string; total: string; currency: string }> {
  try {
    return await rateOneContract(ports, input);
  } catch (error) {
    // Best effort: the failure itself is what Step Functions acts on; the record only explains it.
    // A run that already failed is a consequence of another contract's failure, not a cause.
    if ((error as { code?: unknown }).code !== 'billing_run_not_running') {
      const reason = `${(error as Error).name}: ${(error as Error).message}`;
      await ports.runs.recordContractFailure(input.runId, input.contractId, reason).catch(() => undefined);
    }
    throw error;
  }
}

/** The pages of a stream whose first page was asked for already. */
async function* resumed<T>(first: Promise<IteratorResult<T>>, rest: AsyncGenerator<T>): AsyncGenerator<T> {
  const head = await first;
  if (head.done) return;
  yield head.value;
  yield* rest;
}

async function rateOneContract(ports: RatePorts, input: RateContractInput): Promise<{ invoiceId: string; total: string; currency: string }> {
  // The usage is rated page by page as it is read (the largest contract's period does not fit
  // in memory at once). Everything the rating and the write need first goes out together: the
  // usage's first page, the contract, and its runs: the earlier ones and this run's record of
  // the contract (present only when an earlier attempt of the step got as far as writing).
  const pages = ports.usage.streamPeriodUsage(input.contractId, input.period);
  const firstPage = pages.next();
  // Its failure is reported where the page is awaited (while rating), not as an unhandled rejection before.
  firstPage.catch(() => undefined);
  const [aggregate, { prior, recorded }] = await Promise.all([ports.contracts.get(input.contractId), ports.invoices.loadRunHistory(input.contractId, input.period, input.runSeq)]);
  if (!aggregate) throw new NotFoundError('contract', input.contractId);
  const { contract } = aggregate;
  const written = recorded
    ? replayedRunInvoice(recorded, { runId: input.runId, runSeq: input.runSeq, period: input.period, contractId: contract.id })
    : await rateAndWrite(ports, input, aggregate, prior, resumed(firstPage, pages));
  await ports.runs.recordContractDone(input.runId, { contractId: contract.id, invoiceId: written.invoiceId, currency: written.currency, total: written.total });
  return { invoiceId: written.invoiceId, total: written.total, currency: written.currency };
}

async function rateAndWrite(ports: RatePorts, input: RateContractInput, aggregate: ContractAggregate, prior: PriorRuns, pages: AsyncIterable<UsagePage>) {
  const { contract } = aggregate;
  // The bill-to is only needed for the draft: looked up while the usage is rated.
  const advertiser = advertiserForRun(ports.advertisers, input.runId, contract.advertiserId, ports.clock.now().getTime());
  advertiser.catch(() => undefined);
  // asOf is the run's start: every contract of the run, and every retry, sees the same world.
  const request = { contract: toContractTerms(contract, aggregate.versions, aggregate.credits), termsCheckedOnWrite: true, period: input.period, asOf: input.asOf, prior };
  const rated = await ratePeriodFromPages(request, pages);
  return writeRunInvoice(
    { store: ports.invoices },
    { runId: input.runId, runSeq: input.runSeq, contract, rated, billTo: (await advertiser)?.billingProfile ?? null, actor: input.actor, at: ports.clock.now().toISOString() },
    { checked: true },
  );
}

// --- Summarize, export, complete, fail -------------------------------------------------------

/** Recorded for a planned contract whose step ended with neither an invoice nor a recorded error. */
export const NO_RESULT_REASON = 'NoResult: the contract\'s step ended without recording an invoice or an error (a timeout or crash of the rating function); see the execution history';

/**
 * The run's totals, once every planned contract has a result: its invoice, or its failure. The
 * Map tolerates failed items; a planned contract with neither record (its function timed out or
 * crashed before recording anything) is recorded as failed here, so the retry picks it up.
 */
export async function summarize(ports: Pick<BillingRunPorts, 'runs' | 'plans'>, input: RunExecutionInput & { plan?: { planKey: string } }): Promise<{ totals: RunTotal[]; failed: number }> {
  const [run, invoices, failures, planned] = await Promise.all([
    ports.runs.requireRun(input.runId),
    ports.runs.listRunInvoices(input.runId),
    ports.runs.listContractFailures(input.runId),
    input.plan ? ports.plans.read(input.plan.planKey) : Promise.resolve([]),
  ]);
  const done = new Set(invoices.map((i) => i.contractId));
  const failed = new Set(failures.map((f) => f.contractId).filter((id) => !done.has(id)));
  for (const { contractId } of planned) {
    if (done.has(contractId) || failed.has(contractId)) continue;
    await ports.runs.recordContractFailure(input.runId, contractId, NO_RESULT_REASON);
    failed.add(contractId);
  }
  // A gap here means a record was lost: the run must not complete on it.
  if (done.size + failed.size !== run.progress.total) throw new ConflictingProgressError(run.id, done.size + failed.size, run.progress.total);
  const totals = summarizeRun(invoices);
  await ports.runs.recordTotals(input.runId, totals, done.size);
  return { totals, failed: failed.size };
}

export async function exportPeriod(ports: Pick<BillingRunPorts, 'exports'>, input: RunExecutionInput): Promise<{ period: string }> {
  await ports.exports.writePeriodExport(input.period);
  return { period: input.period };
}

/** SUCCEEDED, or COMPLETED_WITH_ERRORS when contracts are recorded as failed; the period released. */
export async function complete(ports: Pick<BillingRunPorts, 'runs'>, input: RunExecutionInput): Promise<{ status: string }> {
  const failures = await ports.runs.listContractFailures(input.runId);
  const run = await ports.runs.completeRun(input.runId, failures.length);
  return { status: run.status };
}

export async function markFailed(
  ports: Pick<BillingRunPorts, 'runs'>,
  input: { runId: string; error?: { Error?: string; Cause?: string } | null },
): Promise<{ status: string; reason: string }> {
  // The ExecutionEnded rule passes the execution's name: a retry's names its run with a suffix.
  const runId = runIdOfExecution(input.runId);
  const failures = await ports.runs.listContractFailures(runId, MAX_FAILURES_IN_REASON + 1);
  const reason = withContractFailures(failureReasonOf(input.error), failures);
  const run = await ports.runs.failRun(runId, reason);
  return { status: run.status, reason };
}

// --- Retry -----------------------------------------------------------------------------------

export interface RetryOutcome {
  run: BillingRun;
  retry: number;
  /** False when the request started nothing: a retry already running, or nothing left to retry. */
  started: boolean;
  contractIds: string[];
}

/**
 * Starts the next retry of a run's failed contracts: the run RUNNING again (same run, same
 * asOf, its period taken), then the retry's execution, named after the run and the retry so a
 * repeated start cannot rate twice. Repeating the request while that retry runs starts the same
 * execution name again (a no-op, and it heals a start lost after the run was marked RUNNING).
 */
export async function retryBillingRun(ports: StartPorts, runId: string, actor: string): Promise<RetryOutcome> {
  for (let attempt = 1; ; attempt++) {
    const run = await ports.runs.requireRun(runId);
    const [lock, failures] = await Promise.all([ports.runs.readLock(run.period), ports.runs.listContractFailures(run.id)]);
    // The lock was read after the run: a retry of this very run begun in between holds it, and
    // the run read before it is stale. Read both again to join that retry.
    if (lock.runningRunId === run.id && run.status !== RunStatus.RUNNING && attempt < 3) continue;
    const decision = decideRetry(run, lock, failures.length);
    const contractIds = failures.map((f) => f.contractId);
    if (!decision.start) {
      if (run.status === RunStatus.RUNNING) await ports.workflow.start(executionInputOf(run));
      return { run, retry: decision.retry, started: false, contractIds: run.status === RunStatus.RUNNING ? contractIds : [] };
    }
    let running: BillingRun;
    try {
      running = await ports.runs.beginRetry(run, decision.retry, actor);
    } catch (error) {
      // Another request started this retry (or the period) first: decide again on what is there now.
      if (error instanceof ConflictError && error.code === 'concurrent_update' && attempt < 3) continue;
      throw error;
    }
    try {
      await ports.workflow.start(executionInputOf(running));
    } catch (error) {
      // Nothing was rated: the run goes back to what it was, its period released.
      await ports.runs.completeRun(run.id, failures.length);
      throw error;
    }
    return { run: running, retry: decision.retry, started: true, contractIds };
  }
}
