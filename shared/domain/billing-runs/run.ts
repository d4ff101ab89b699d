/**
 * A billing run: one execution of the monthly workflow over the contracts of one period.
 *
 * Rules kept here (pure, no storage):
 * - statuses move only along TRANSITIONS (RUNNING -> SUCCEEDED | COMPLETED_WITH_ERRORS | FAILED;
 *   COMPLETED_WITH_ERRORS -> RUNNING again when finance retries the contracts that failed);
 * - one contract that cannot be rated does not fail the run: the others are invoiced and the
 *   run ends COMPLETED_WITH_ERRORS, naming each failed contract and why;
 * - runs of a period are numbered 1, 2, 3, ... (`runSeq`); run 2 and later are re-runs whose
 *   invoices carry only the differences with what earlier runs invoiced;
 * - at most one run of a period is RUNNING at a time (the repository enforces it with a lock
 *   item; `assertCanStart` says why a start is refused);
 * - progress `{ done, total }` never has done > total once the plan is known.
 */
import Big from 'big.js';
import { ConflictError, ValidationError } from '../kernel/errors';
import { minorUnits } from '../kernel/currencies';
import { isInstant, isPeriod } from '../kernel/calendar';

export const RunStatus = {
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  /** Every contract was rated or recorded as failed; at least one failed (see the run's failures). */
  COMPLETED_WITH_ERRORS: 'COMPLETED_WITH_ERRORS',
  FAILED: 'FAILED',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

/** The whole life of a run, as one table: from -> the statuses it may move into. */
export const TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  [RunStatus.RUNNING]: [RunStatus.SUCCEEDED, RunStatus.COMPLETED_WITH_ERRORS, RunStatus.FAILED],
  [RunStatus.SUCCEEDED]: [],
  /** A retry re-rates the failed contracts in the same run. */
  [RunStatus.COMPLETED_WITH_ERRORS]: [RunStatus.RUNNING],
  [RunStatus.FAILED]: [],
};

export const canTransition = (from: RunStatus, to: RunStatus): boolean => TRANSITIONS[from].includes(to);

export class IllegalRunTransitionError extends ConflictError {
  constructor(readonly runId: string, readonly from: RunStatus, readonly to: RunStatus) {
    super(`billing run ${runId} is ${from} and cannot become ${to}`, 'illegal_run_transition');
  }
}

export function assertTransition(runId: string, from: RunStatus, to: RunStatus): void {
  if (!canTransition(from, to)) throw new IllegalRunTransitionError(runId, from, to);
}

export const isTerminal = (status: RunStatus): boolean => TRANSITIONS[status].length === 0;

export interface RunProgress {
  done: number;
  /** Contracts in the plan; 0 until the plan is written. */
  total: number;
}

/** Totals of a run, per currency: contracts of one period may bill in several currencies. */
export interface RunTotal {
  currency: string;
  total: string;
  invoices: number;
}

export interface BillingRun {
  id: string;
  period: string;
  runSeq: number;
  status: RunStatus;
  progress: RunProgress;
  /** Contracts asked for explicitly; null = every contract active in the period. */
  contractIds: string[] | null;
  /** The instant the run bills "as of": versions recorded and usage received up to it. */
  startedAt: string;
  endedAt: string | null;
  failureReason: string | null;
  totals: RunTotal[];
  /** Who started the run. */
  actor: string;
  /** Retries of its failed contracts started so far (0: none). */
  retries: number;
  version: number;
}

/** One contract the run could not invoice, and why (its latest attempt). */
export interface ContractFailure {
  contractId: string;
  reason: string;
}

/** What one contract of a run produced (the repository keeps one record per contract). */
export interface RunInvoice {
  contractId: string;
  invoiceId: string;
  currency: string;
  total: string;
}

/** Limits: a run names at most this many contracts explicitly (the rest is the plan's business). */
export const MAX_EXPLICIT_CONTRACTS = 1_000;
/** Failure reasons are stored on the run item; keep them well inside DynamoDB's item size. */
export const MAX_FAILURE_REASON_CHARS = 2_000;

export interface StartRequest {
  period: string;
  contractIds?: string[] | null;
}

/** Guards on a start request: a real period and, when given, a non-empty set of distinct ids. */
export function validateStartRequest(request: StartRequest): { period: string; contractIds: string[] | null } {
  const details = [];
  if (!isPeriod(request.period)) details.push({ path: 'period', message: 'must be a period YYYY-MM' });
  const ids = request.contractIds ?? null;
  if (ids !== null) {
    if (ids.length === 0) details.push({ path: 'contractIds', message: 'must name at least one contract when given' });
    if (ids.length > MAX_EXPLICIT_CONTRACTS) details.push({ path: 'contractIds', message: `at most ${MAX_EXPLICIT_CONTRACTS} contracts` });
    if (new Set(ids).size !== ids.length) details.push({ path: 'contractIds', message: 'must not repeat a contract' });
  }
  if (details.length > 0) throw new ValidationError('invalid billing run request', details);
  return { period: request.period, contractIds: ids };
}

/** Where a period stands: its last run number and the run holding the period, if any. */
export interface PeriodLock {
  period: string;
  lastRunSeq: number;
  runningRunId: string | null;
}

export class RunAlreadyRunningError extends ConflictError {
  constructor(readonly period: string, readonly runningRunId: string) {
    super(`billing run ${runningRunId} of period ${period} is still running`, 'billing_run_in_progress');
  }
}

export function assertCanStart(lock: PeriodLock): void {
  if (lock.runningRunId !== null) throw new RunAlreadyRunningError(lock.period, lock.runningRunId);
}

/** Runs of a period are numbered from 1; a re-run takes the next number. */
export const nextRunSeq = (lock: Pick<PeriodLock, 'lastRunSeq'>): number => lock.lastRunSeq + 1;

/**
 * Run ids double as Step Functions execution names (exactly-once start): at most 80 of
 * [A-Za-z0-9-_]. The period and sequence make them readable; the suffix makes them unique
 * across tables and stages that share a state machine's execution history.
 */
export function runIdOf(period: string, runSeq: number, uniqueSuffix: string): string {
  if (!/^[a-z0-9]{4,16}$/.test(uniqueSuffix)) throw new Error('run id suffix must be 4-16 lowercase letters or digits');
  return `br-${period}-${runSeq}-${uniqueSuffix}`;
}

export const RUN_ID_PATTERN = /^br-\d{4}-\d{2}-\d{1,6}-[a-z0-9]{4,16}$/;

export function newRun(input: { id: string; period: string; runSeq: number; contractIds: string[] | null; startedAt: string; actor: string }): BillingRun {
  if (!isInstant(input.startedAt)) throw new Error(`startedAt must be an ISO instant, got ${input.startedAt}`);
  return {
    id: input.id,
    period: input.period,
    runSeq: input.runSeq,
    status: RunStatus.RUNNING,
    progress: { done: 0, total: 0 },
    contractIds: input.contractIds,
    startedAt: input.startedAt,
    endedAt: null,
    failureReason: null,
    totals: [],
    actor: input.actor,
    retries: 0,
    version: 1,
  };
}

/** Cuts a failure reason to what is worth storing: the first line of each part, bounded. */
export function boundedReason(reason: string): string {
  const text = reason.trim().length > 0 ? reason.trim() : 'unknown failure';
  return text.length <= MAX_FAILURE_REASON_CHARS ? text : `${text.slice(0, MAX_FAILURE_REASON_CHARS - 1)}…`;
}

/** The fraction shown by progress bars, 0..1; an unplanned run (total 0) is at 0. */
export function progressRatio(progress: RunProgress): number {
  if (progress.total <= 0) return 0;
  return Math.min(1, progress.done / progress.total);
}

/**
 * Run totals from what each contract produced: one total per currency, exact decimal sums
 * (the invoice totals are already rounded, so their sum needs no rounding of its own).
 */
export function summarizeRun(invoices: readonly RunInvoice[]): RunTotal[] {
  const byCurrency = new Map<string, { total: Big; invoices: number }>();
  for (const invoice of invoices) {
    const entry = byCurrency.get(invoice.currency) ?? { total: new Big(0), invoices: 0 };
    entry.total = entry.total.plus(invoice.total);
    entry.invoices += 1;
    byCurrency.set(invoice.currency, entry);
  }
  return [...byCurrency.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, { total, invoices: count }]) => ({ currency, total: total.toFixed(minorUnits(currency)), invoices: count }));
}

/**
 * The input of a run's workflow execution: everything its steps need to know about the run,
 * fixed when it starts (`asOf` is the run's start instant, so a retried step bills exactly
 * what the first attempt would have).
 */
export interface RunExecutionInput {
  runId: string;
  period: string;
  runSeq: number;
  asOf: string;
  contractIds: string[] | null;
  actor: string;
  /** 0 for the run's first execution; n for its n-th retry, which rates only the failed contracts. */
  retry: number;
}

export const executionInputOf = (run: BillingRun): RunExecutionInput => ({
  runId: run.id,
  period: run.period,
  runSeq: run.runSeq,
  asOf: run.startedAt,
  contractIds: run.contractIds,
  actor: run.actor,
  retry: run.retries,
});

/**
 * Executions are named after their run (Step Functions refuses a second execution of a name,
 * so a start repeated for the same run or retry cannot rate twice); a retry's name adds its
 * number after `_`, a character run ids never contain.
 */
export const RETRY_SEPARATOR = '_retry-';

export function executionNameOf(input: Pick<RunExecutionInput, 'runId' | 'retry'>): string {
  return input.retry > 0 ? `${input.runId}${RETRY_SEPARATOR}${input.retry}` : input.runId;
}

/** The run an execution belongs to, from its name. */
export function runIdOfExecution(name: string): string {
  const at = name.indexOf(RETRY_SEPARATOR);
  return at < 0 ? name : name.slice(0, at);
}

/** How a run whose every contract has a result ends: with errors when any contract failed. */
export function completionStatus(failedContracts: number): typeof RunStatus.SUCCEEDED | typeof RunStatus.COMPLETED_WITH_ERRORS {
  return failedContracts > 0 ? RunStatus.COMPLETED_WITH_ERRORS : RunStatus.SUCCEEDED;
}

export class RunNotRetryableError extends ConflictError {
  constructor(runId: string, why: string) {
    super(`billing run ${runId} cannot be retried: ${why}`, 'billing_run_not_retryable');
  }
}

/**
 * What a retry request does to a run: start its next retry, or nothing (a retry already
 * running, or nothing left to retry), or refuse. A retry rates again, in the same run and with
 * the same asOf, only the contracts recorded as failed; it needs the period free and the run to
 * be the period's latest (a later run already billed the period against this one's invoices).
 */
export type RetryDecision = { start: true; retry: number } | { start: false; retry: number };

export function decideRetry(run: BillingRun, lock: PeriodLock, failedContracts: number): RetryDecision {
  if (run.status === RunStatus.RUNNING) {
    if (run.retries > 0) return { start: false, retry: run.retries };
    throw new RunAlreadyRunningError(run.period, run.id);
  }
  if (run.status === RunStatus.SUCCEEDED) return { start: false, retry: run.retries };
  if (run.status === RunStatus.FAILED) throw new RunNotRetryableError(run.id, 'it FAILED as a whole; start a new run of the period');
  if (failedContracts === 0) throw new RunNotRetryableError(run.id, 'no failed contract is recorded');
  if (lock.runningRunId !== null) throw new RunAlreadyRunningError(lock.period, lock.runningRunId);
  if (lock.lastRunSeq !== run.runSeq) throw new RunNotRetryableError(run.id, `run ${lock.lastRunSeq} of ${run.period} came after it; start a new run of the period`);
  return { start: true, retry: run.retries + 1 };
}

/**
 * A readable reason from a Step Functions error `{ Error, Cause }`. A Lambda failure's Cause is
 * JSON (`{ errorType, errorMessage, trace }`); other causes are plain text.
 */
export function failureReasonOf(error: { Error?: unknown; Cause?: unknown } | null | undefined): string {
  const name = typeof error?.Error === 'string' && error.Error.length > 0 ? error.Error : 'Error';
  const cause = typeof error?.Cause === 'string' ? error.Cause : '';
  let message = cause;
  if (cause.startsWith('{')) {
    try {
      const parsed = JSON.parse(cause) as { errorMessage?: unknown };
      if (typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
    } catch {
      // Not JSON after all: keep the text as it is.
    }
  }
  return boundedReason(message.length > 0 ? `${name}: ${message}` : name);
}

/** The period a scheduled run bills: the calendar month (UTC) before the scheduled instant. */
export function previousPeriod(instant: string): string {
  if (!isInstant(instant)) throw new ValidationError('scheduledTime must be an ISO instant', [{ path: 'scheduledTime', message: 'not an instant' }]);
  const at = new Date(instant);
  const index = at.getUTCFullYear() * 12 + at.getUTCMonth() - 1;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Who starts the monthly run, as stamped on the run. */
export const SCHEDULER_ACTOR = 'system:monthly-schedule';

/** The run's contract records and its plan disagree: a step must not finish the run on that. */
export class ConflictingProgressError extends Error {
  override readonly name = 'ConflictingProgressError';
  readonly code = 'billing_run_progress_mismatch';
  constructor(readonly runId: string, readonly recorded: number, readonly planned: number) {
    super(`billing run ${runId} recorded ${recorded} contracts but planned ${planned}`);
  }
}

/** A run shows at most this many failed contracts (its failureCount says how many in all). */
export const MAX_FAILURES_SHOWN = 1_000;

/** A failed run names at most this many of the contracts that failed. */
export const MAX_FAILURES_IN_REASON = 5;

/**
 * The run's failure reason with the contracts whose step failed (a failed Distributed Map only
 * says its threshold was exceeded). Unchanged when the error already says it all.
 */
export function withContractFailures(reason: string, failures: readonly { contractId: string; reason: string }[]): string {
  const named = failures.filter((f) => !reason.includes(f.reason)).slice(0, MAX_FAILURES_IN_REASON);
  if (named.length === 0) return reason;
  const more = failures.length > MAX_FAILURES_IN_REASON ? ' (and more)' : '';
  return boundedReason(`${reason}; failed contracts: ${named.map((f) => `${f.contractId}: ${f.reason}`).join('; ')}${more}`);
}
