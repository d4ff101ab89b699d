import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  assertCanStart,
  assertTransition,
  boundedReason,
  canTransition,
  failureReasonOf,
  previousPeriod,
  withContractFailures,
  MAX_FAILURES_IN_REASON,
  isTerminal,
  MAX_FAILURE_REASON_CHARS,
  newRun,
  nextRunSeq,
  progressRatio,
  RUN_ID_PATTERN,
  runIdOf,
  RunStatus,
  summarizeRun,
  validateStartRequest,
} from '../../../shared/domain/billing-runs/run';
import {
  completionStatus as completionStatusOf,
  decideRetry as decideRetryOf,
  executionNameOf as executionNameOfRun,
  newRun as newRunOf,
  runIdOfExecution as runIdOfExecutionName,
  type BillingRun as BillingRunShape,
} from '../../../shared/domain/billing-runs/run';
import { buildPlan, isBilledInPeriod, periodBounds } from '../../../shared/domain/billing-runs/plan';

const statuses = Object.values(RunStatus);

describe('billing run transitions', () => {
  it('allows RUNNING -> SUCCEEDED | FAILED and nothing out of a terminal status', () => {
    expect(canTransition('RUNNING', 'SUCCEEDED')).toBe(true);
    expect(canTransition('RUNNING', 'FAILED')).toBe(true);
    for (const to of statuses) {
      expect(canTransition('SUCCEEDED', to)).toBe(false);
      expect(canTransition('FAILED', to)).toBe(false);
    }
    expect(canTransition('RUNNING', 'RUNNING')).toBe(false);
    expect(isTerminal('RUNNING')).toBe(false);
    expect(isTerminal('SUCCEEDED') && isTerminal('FAILED')).toBe(true);
  });

  it('throws a conflict with a stable code for every illegal transition', () => {
    fc.assert(
      fc.property(fc.constantFrom(...statuses), fc.constantFrom(...statuses), (from, to) => {
        if (canTransition(from, to)) expect(() => assertTransition('r', from, to)).not.toThrow();
        else expect(() => assertTransition('r', from, to)).toThrowError(expect.objectContaining({ kind: 'CONFLICT', code: 'illegal_run_transition' }));
      }),
    );
  });
});

describe('run sequence and the period lock', () => {
  it('numbers runs of a period 1, 2, 3, ...', () => {
    expect(nextRunSeq({ lastRunSeq: 0 })).toBe(1);
    expect(nextRunSeq({ lastRunSeq: 1 })).toBe(2);
  });

  it('refuses a start while a run holds the period', () => {
    expect(() => assertCanStart({ period: '2027-01', lastRunSeq: 1, runningRunId: null })).not.toThrow();
    expect(() => assertCanStart({ period: '2027-01', lastRunSeq: 1, runningRunId: 'br-x' })).toThrowError(
      expect.objectContaining({ kind: 'CONFLICT', code: 'billing_run_in_progress' }),
    );
  });

  it('makes run ids that are valid execution names', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2000, max: 2999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 999_999 }), fc.stringMatching(/^[a-z0-9]{4,16}$/), (y, m, seq, suffix) => {
        const id = runIdOf(`${y}-${String(m).padStart(2, '0')}`, seq, suffix);
        expect(id).toMatch(RUN_ID_PATTERN);
        expect(id).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
      }),
    );
  });

  it('creates a RUNNING run with no progress', () => {
    const run = newRun({ id: 'br-2027-01-1-abcd', period: '2027-01', runSeq: 1, contractIds: null, startedAt: '2027-02-03T03:00:00Z', actor: 'fin' });
    expect(run).toMatchObject({ status: 'RUNNING', progress: { done: 0, total: 0 }, version: 1, endedAt: null });
    expect(() => newRun({ ...run, startedAt: 'yesterday' })).toThrow();
  });
});

describe('start requests', () => {
  it('accepts a period with or without distinct contract ids', () => {
    expect(validateStartRequest({ period: '2027-01' })).toEqual({ period: '2027-01', contractIds: null });
    expect(validateStartRequest({ period: '2027-01', contractIds: ['a', 'b'] })).toEqual({ period: '2027-01', contractIds: ['a', 'b'] });
  });

  it('rejects malformed periods and empty or repeated contract lists with field paths', () => {
    expect(() => validateStartRequest({ period: '2027-13' })).toThrowError(expect.objectContaining({ details: [{ path: 'period', message: expect.any(String) }] }));
    expect(() => validateStartRequest({ period: '2027-01', contractIds: [] })).toThrowError(expect.objectContaining({ kind: 'VALIDATION' }));
    expect(() => validateStartRequest({ period: '2027-01', contractIds: ['a', 'a'] })).toThrowError(expect.objectContaining({ kind: 'VALIDATION' }));
  });
});

describe('progress and totals', () => {
  it('keeps the progress ratio within 0..1', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(10_000), (done, total) => {
        const r = progressRatio({ done, total });
        expect(r).toBeGreaterThanOrEqual(0);
        expect(r).toBeLessThanOrEqual(1);
      }),
    );
    expect(progressRatio({ done: 0, total: 0 })).toBe(0);
  });

  it('sums invoice totals per currency exactly, with the currency digits', () => {
    expect(
      summarizeRun([
        { contractId: 'a', invoiceId: '1', currency: 'USD', total: '0.10' },
        { contractId: 'b', invoiceId: '2', currency: 'USD', total: '0.20' },
        { contractId: 'c', invoiceId: '3', currency: 'JPY', total: '1500' },
        { contractId: 'd', invoiceId: '4', currency: 'USD', total: '-0.05' },
      ]),
    ).toEqual([
      { currency: 'JPY', total: '1500', invoices: 1 },
      { currency: 'USD', total: '0.25', invoices: 3 },
    ]);
    expect(summarizeRun([])).toEqual([]);
  });

  it('bounds failure reasons', () => {
    expect(boundedReason('  ')).toBe('unknown failure');
    expect(boundedReason('x'.repeat(5000))).toHaveLength(MAX_FAILURE_REASON_CHARS);
  });
});

describe('the plan', () => {
  const contract = (id: string, status: string, startDate: string, endDate: string) => ({ id, status, startDate, endDate });

  it('bills contracts ever approved whose term overlaps the period', () => {
    expect(periodBounds('2028-02')).toEqual({ firstDay: '2028-02-01', lastDay: '2028-02-29' });
    expect(isBilledInPeriod(contract('a', 'ACTIVE', '2027-01-31', '2027-12-31'), '2027-01')).toBe(true);
    expect(isBilledInPeriod(contract('b', 'EXPIRED', '2026-01-01', '2027-01-01'), '2027-01')).toBe(true);
    expect(isBilledInPeriod(contract('c', 'TERMINATED', '2026-01-01', '2026-12-31'), '2027-01')).toBe(false);
    expect(isBilledInPeriod(contract('d', 'ACTIVE', '2027-02-01', '2027-12-31'), '2027-01')).toBe(false);
    expect(isBilledInPeriod(contract('e', 'DRAFT', '2027-01-01', '2027-12-31'), '2027-01')).toBe(false);
    expect(isBilledInPeriod(contract('f', 'PENDING_APPROVAL', '2027-01-01', '2027-12-31'), '2027-01')).toBe(false);
  });

  it('lists each billable contract once, in a stable order', () => {
    const plan = buildPlan(
      [contract('z', 'ACTIVE', '2027-01-01', '2027-12-31'), contract('a', 'ACTIVE', '2027-01-01', '2027-12-31'), contract('z', 'ACTIVE', '2027-01-01', '2027-12-31'), contract('d', 'DRAFT', '2027-01-01', '2027-12-31')],
      '2027-01',
    );
    expect(plan).toEqual([{ contractId: 'a' }, { contractId: 'z' }]);
  });
});

describe('schedule and failure helpers', () => {
  it('bills the calendar month before the scheduled instant', () => {
    expect(previousPeriod('2027-02-03T03:00:00Z')).toBe('2027-01');
    expect(previousPeriod('2027-01-03T03:00:00Z')).toBe('2026-12');
    expect(previousPeriod('2028-03-01T00:00:00Z')).toBe('2028-02');
    expect(() => previousPeriod('soon')).toThrowError(expect.objectContaining({ kind: 'VALIDATION' }));
  });

  it("reads a Lambda error's JSON cause, or keeps a plain cause", () => {
    const lambdaCause = JSON.stringify({ errorType: 'NotFoundError', errorMessage: 'contract c-1 not found', trace: ['at x'] });
    expect(failureReasonOf({ Error: 'NotFoundError', Cause: lambdaCause })).toBe('NotFoundError: contract c-1 not found');
    expect(failureReasonOf({ Error: 'States.ExceedToleratedFailureThreshold', Cause: 'The specified tolerated failure threshold was exceeded' })).toBe(
      'States.ExceedToleratedFailureThreshold: The specified tolerated failure threshold was exceeded',
    );
    expect(failureReasonOf({ Error: 'States.Timeout' })).toBe('States.Timeout');
    expect(failureReasonOf(null)).toBe('Error');
    expect(failureReasonOf({ Cause: '{not json' })).toBe('Error: {not json');
  });
});

describe('naming the contracts of a failed run', () => {
  it('adds the failed contracts to a generic reason, bounded, and leaves a specific one alone', () => {
    const generic = 'States.ExceedToleratedFailureThreshold: The specified tolerated failure threshold was exceeded';
    expect(withContractFailures(generic, [{ contractId: 'c-1', reason: 'NotFoundError: contract c-1 not found' }])).toBe(
      `${generic}; failed contracts: c-1: NotFoundError: contract c-1 not found`,
    );
    const many = Array.from({ length: MAX_FAILURES_IN_REASON + 1 }, (_, i) => ({ contractId: `c-${i}`, reason: 'Error: x' }));
    const reason = withContractFailures(generic, many);
    expect(reason.endsWith(' (and more)')).toBe(true);
    expect(reason.match(/c-\d/g)).toHaveLength(MAX_FAILURES_IN_REASON);
    expect(withContractFailures('Error: x', [{ contractId: 'c-1', reason: 'Error: x' }])).toBe('Error: x');
    expect(withContractFailures(generic, [])).toBe(generic);
  });
});

describe('retrying the failed contracts of a run', () => {
  const run = (patch: Partial<BillingRunShape>): BillingRunShape => ({
    ...newRunOf({ id: 'br-2027-01-1-abcd', period: '2027-01', runSeq: 1, contractIds: null, startedAt: '2027-02-03T00:00:00.000Z', actor: 'fin' }),
    ...patch,
  });
  const free = { period: '2027-01', lastRunSeq: 1, runningRunId: null };

  it('starts retry n+1 of a run completed with errors, when the period is free and the run is its latest', () => {
    expect(decideRetryOf(run({ status: 'COMPLETED_WITH_ERRORS' }), free, 2)).toEqual({ start: true, retry: 1 });
    expect(decideRetryOf(run({ status: 'COMPLETED_WITH_ERRORS', retries: 2 }), free, 1)).toEqual({ start: true, retry: 3 });
  });

  it('starts nothing while its retry runs or once it succeeded, and refuses what a retry cannot mend', () => {
    expect(decideRetryOf(run({ status: 'RUNNING', retries: 1 }), { ...free, runningRunId: 'br-2027-01-1-abcd' }, 2)).toEqual({ start: false, retry: 1 });
    expect(decideRetryOf(run({ status: 'SUCCEEDED', retries: 1 }), free, 0)).toEqual({ start: false, retry: 1 });
    expect(() => decideRetryOf(run({ status: 'RUNNING' }), free, 0)).toThrow(expect.objectContaining({ code: 'billing_run_in_progress' }));
    expect(() => decideRetryOf(run({ status: 'FAILED' }), free, 1)).toThrow(expect.objectContaining({ code: 'billing_run_not_retryable' }));
    expect(() => decideRetryOf(run({ status: 'COMPLETED_WITH_ERRORS' }), { ...free, lastRunSeq: 2 }, 1)).toThrow(expect.objectContaining({ code: 'billing_run_not_retryable' }));
    expect(() => decideRetryOf(run({ status: 'COMPLETED_WITH_ERRORS' }), { ...free, runningRunId: 'other' }, 1)).toThrow(expect.objectContaining({ code: 'billing_run_in_progress' }));
    expect(() => decideRetryOf(run({ status: 'COMPLETED_WITH_ERRORS' }), free, 0)).toThrow(expect.objectContaining({ code: 'billing_run_not_retryable' }));
  });

  it('names a retry\'s execution after its run, and finds the run again from any execution name', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), (retry) => {
        const name = executionNameOfRun({ runId: 'br-2027-01-1-abcd', retry });
        expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
        expect(runIdOfExecutionName(name)).toBe('br-2027-01-1-abcd');
        expect(name === 'br-2027-01-1-abcd').toBe(retry === 0);
      }),
    );
    expect(completionStatusOf(0)).toBe('SUCCEEDED');
    expect(completionStatusOf(3)).toBe('COMPLETED_WITH_ERRORS');
  });
});
