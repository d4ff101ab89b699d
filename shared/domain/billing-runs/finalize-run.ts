/**
 * Finalizing a billing run: every DRAFT invoice the run wrote becomes FINALIZED, each in its own
 * commit taking its own gapless number (finalize-invoice.ts), in the run's contract order.
 *
 * Rules kept here:
 * - idempotent: an invoice that is no longer a DRAFT (finalized, voided or discarded, by this
 *   pass, an earlier one or by hand) counts as done and is left alone; a repeated request
 *   finalizes only what is still a DRAFT;
 * - one invoice that cannot be finalized does not stop the others: it is recorded with its
 *   reason and the pass ends COMPLETED_WITH_ERRORS; the next pass tries it again;
 * - a pass works while `keepGoing()` says so (the request's time budget): what it could not
 *   reach stays DRAFT, the finalization stays RUNNING, and the next request carries on;
 * - only a run that finished rating (SUCCEEDED or COMPLETED_WITH_ERRORS) is finalized.
 */
import { ConflictError, DomainError, NotFoundError } from '../kernel/errors';
import type { Clock } from '../kernel/clock';
import { InvoiceStatus } from '../invoices/invoice';
import { finalizeInvoice } from '../invoices/finalize-invoice';
import type { InvoiceDeps } from '../invoices/deps';
import { RunStatus, boundedReason, type BillingRun, type RunInvoice } from './run';

export const FinalizationStatus = {
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  COMPLETED_WITH_ERRORS: 'COMPLETED_WITH_ERRORS',
} as const;
export type FinalizationStatus = (typeof FinalizationStatus)[keyof typeof FinalizationStatus];

export interface InvoiceFinalizationFailure {
  invoiceId: string;
  contractId: string;
  reason: string;
}

/** Where the finalization of a run stands (one record per run, rewritten by each pass). */
export interface RunFinalization {
  runId: string;
  status: FinalizationStatus;
  /** Invoices of the run no longer DRAFT / invoices of the run. */
  progress: { done: number; total: number };
  /** Invoices this finalization turned FINALIZED, over all passes. */
  finalized: number;
  failures: InvoiceFinalizationFailure[];
  startedAt: string;
  updatedAt: string;
  endedAt: string | null;
  actor: string;
  /** Passes made so far (each request is one). */
  passes: number;
}

/** Failures shown on the run; a run of thousands of contracts could fail on all of them. */
export const MAX_FINALIZATION_FAILURES_KEPT = 1_000;
/** Progress is written after this many invoices (and at the end), not after each one. */
export const PROGRESS_EVERY = 10;

export interface FinalizationStore {
  getRun(runId: string): Promise<BillingRun | null>;
  listRunInvoices(runId: string): Promise<RunInvoice[]>;
  getFinalization(runId: string): Promise<RunFinalization | null>;
  saveFinalization(finalization: RunFinalization): Promise<void>;
}

export interface FinalizeRunDeps {
  runs: FinalizationStore;
  invoices: InvoiceDeps;
  clock: Clock;
}

export interface FinalizeRunInput {
  runId: string;
  actor: string;
  /** Asked before each invoice: false ends the pass early (the finalization stays RUNNING). */
  keepGoing?: () => boolean;
}

export class RunNotFinalizableError extends ConflictError {
  constructor(run: BillingRun) {
    super(`billing run ${run.id} is ${run.status}; only a run that finished rating (SUCCEEDED or COMPLETED_WITH_ERRORS) can be finalized`, 'billing_run_not_finalizable');
  }
}

const FINALIZABLE_RUNS: readonly string[] = [RunStatus.SUCCEEDED, RunStatus.COMPLETED_WITH_ERRORS];

/** Refuses a run that is missing (404) or still rating or failed as a whole (409). */
export function assertFinalizable(run: BillingRun | null, runId: string): asserts run is BillingRun {
  if (!run) throw new NotFoundError('billing run', runId);
  if (!FINALIZABLE_RUNS.includes(run.status)) throw new RunNotFinalizableError(run);
}

/** Whether an invoice moved on from DRAFT under our feet: someone else finalized, voided or discarded it. */
function movedOn(error: unknown): boolean {
  return error instanceof ConflictError && error.code === 'illegal_transition';
}

/** One pass over the run's invoices; returns the finalization as it stands after the pass. */
export async function finalizeRun(deps: FinalizeRunDeps, input: FinalizeRunInput): Promise<RunFinalization> {
  const run = await deps.runs.getRun(input.runId);
  assertFinalizable(run, input.runId);
  const [invoices, previous] = await Promise.all([deps.runs.listRunInvoices(run.id), deps.runs.getFinalization(run.id)]);
  const keepGoing = input.keepGoing ?? (() => true);
  const startedAt = deps.clock.now().toISOString();
  const state: RunFinalization = {
    runId: run.id,
    status: FinalizationStatus.RUNNING,
    progress: { done: 0, total: invoices.length },
    finalized: previous?.finalized ?? 0,
    failures: [],
    startedAt: previous?.startedAt ?? startedAt,
    updatedAt: startedAt,
    endedAt: null,
    actor: input.actor,
    passes: (previous?.passes ?? 0) + 1,
  };
  const save = async () => {
    state.updatedAt = deps.clock.now().toISOString();
    await deps.runs.saveFinalization({ ...state, progress: { ...state.progress }, failures: [...state.failures] });
  };
  await save();

  let reached = 0;
  let failed = 0;
  for (const entry of invoices) {
    if (!keepGoing()) break;
    reached++;
    try {
      const invoice = await deps.invoices.store.getInvoice(entry.invoiceId);
      if (!invoice) throw new NotFoundError('invoice', entry.invoiceId);
      if (invoice.status === InvoiceStatus.DRAFT) {
        await finalizeInvoice(deps.invoices, { id: invoice.id, actor: input.actor });
        state.finalized++;
      }
      state.progress.done++;
    } catch (error) {
      if (movedOn(error)) {
        state.progress.done++;
      } else {
        // Only domain refusals are an invoice's own failure; anything else (the store down) ends the pass.
        if (!(error instanceof DomainError)) throw error;
        failed++;
        if (state.failures.length < MAX_FINALIZATION_FAILURES_KEPT) {
          state.failures.push({ invoiceId: entry.invoiceId, contractId: entry.contractId, reason: boundedReason(`${error.code}: ${error.message}`) });
        }
      }
    }
    if (reached % PROGRESS_EVERY === 0) await save();
  }

  if (reached === invoices.length) {
    state.status = failed > 0 ? FinalizationStatus.COMPLETED_WITH_ERRORS : FinalizationStatus.SUCCEEDED;
    state.endedAt = deps.clock.now().toISOString();
  } else if (previous) {
    // Failures of the part this pass did not reach are still the last word on those invoices.
    const reachedIds = new Set(invoices.slice(0, reached).map((i) => i.invoiceId));
    for (const old of previous.failures) if (!reachedIds.has(old.invoiceId) && state.failures.length < MAX_FINALIZATION_FAILURES_KEPT) state.failures.push(old);
  }
  await save();
  return state;
}
