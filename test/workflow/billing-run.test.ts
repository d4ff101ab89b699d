/**
 * The SYNTHESIZED billing state machine, executed locally (aws-local-stepfunctions, the
 * Distributed Map run inline) with the real task handlers on DynamoDB Local and s3rver.
 */
import './quiet-logs';
import Big from 'big.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { NO_RESULT_REASON, retryBillingRun, startBillingRun } from '../../functions/billing-run/tasks';
import { startPorts } from '../../functions/billing-run/ports';
import { handler as rateContractHandler } from '../../functions/billing-run/rate-contract/handler';
import { executionInputOf, RunStatus } from '../../shared/domain/billing-runs/run';
import { BILLING_STATE } from '../../infra/constructs/billing-workflow';
import { flatCpm, seedAmendment, seedContract, seedDailyImpressions, throttled, workflowEnvironment, type WorkflowEnvironment } from './support';
import { s3Client } from '../support/aws';

let env: WorkflowEnvironment;

beforeAll(async () => {
  env = await workflowEnvironment();
  await seedContract(env, 'ctr-a', { rate: '10' });
  await seedContract(env, 'ctr-b', { rate: '2.5' });
  await seedContract(env, 'ctr-draft', { status: 'DRAFT' });
  for (const period of ['2026-07', '2026-08', '2026-09', '2026-10']) {
    await seedDailyImpressions(env, 'ctr-a', period, 1000);
    await seedDailyImpressions(env, 'ctr-b', period, 2000);
  }
}, 240_000);

async function runToEnd(period: string, contractIds?: string[]) {
  const run = await startBillingRun(startPorts(), { period, contractIds }, 'fin-1');
  const execution = await env.workflow.waitFor(run.id);
  return { run, execution, stored: await env.runs.requireRun(run.id), invoices: await env.runs.listRunInvoices(run.id) };
}

const eventsOf = (execution: { events: { type: string; state?: { name: string } }[] }, type: string, state: string) =>
  execution.events.filter((e) => e.type === type && e.state?.name === state);

describe('a billing run of the synthesized workflow', () => {
  it('plans the billable contracts, rates each one, totals, exports and succeeds', { timeout: 120_000 }, async () => {
    const { run, execution, stored, invoices } = await runToEnd('2026-10');
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    expect(stored).toMatchObject({ status: RunStatus.SUCCEEDED, runSeq: 1, progress: { done: 2, total: 2 }, failureReason: null });
    // 31 days x 1,000 at 10.00 CPM = 310.00; 31 x 2,000 at 2.50 CPM = 155.00. The draft is not billed.
    expect(invoices.map((i) => [i.contractId, i.total])).toEqual([
      ['ctr-a', '310.00'],
      ['ctr-b', '155.00'],
    ]);
    expect(stored.totals).toEqual([{ currency: 'USD', total: '465.00', invoices: 2 }]);
    const a = await env.invoices.getInvoice(invoices[0]!.invoiceId);
    expect(a).toMatchObject({ kind: 'INVOICE', status: 'DRAFT', contractId: 'ctr-a', period: '2026-10', runId: run.id, total: '310.00' });
    expect(a!.lines.map((l) => [l.type, l.chargeId, l.version, l.quantity, l.amount])).toEqual([['USAGE', 'ctv', 1, '31000', '310.00']]);
    // The plan the Distributed Map read, and the period's export.
    const plan = await s3Client().send(new GetObjectCommand({ Bucket: env.bucket, Key: `plans/${run.id}.json` }));
    expect(JSON.parse(await plan.Body!.transformToString())).toEqual([{ contractId: 'ctr-a' }, { contractId: 'ctr-b' }]);
    const exported = await env.exportKeys('2026-10');
    for (const file of ['invoices.csv', 'invoice-lines.jsonl', 'partner-payouts.csv', 'journal.csv']) expect(exported).toContain(`exports/2026-10/${file}`);
    // Every synthesized step ran, the Map's item processor once per contract.
    for (const state of [BILLING_STATE.PLAN, BILLING_STATE.RATE_CONTRACTS, BILLING_STATE.SUMMARIZE, BILLING_STATE.EXPORT, BILLING_STATE.COMPLETE]) {
      expect(eventsOf(execution, 'StateExited', state), state).toHaveLength(1);
    }
    expect((await env.runs.readLock('2026-10')).runningRunId).toBeNull();
  });

  it('retries a task hit by a transient DynamoDB throttle, then succeeds', { timeout: 120_000 }, async () => {
    const failedOnce: string[] = [];
    env.hooks.beforeTask = (call) => {
      const contractId = (call.payload as { contractId?: string }).contractId;
      if (call.state === BILLING_STATE.RATE_CONTRACT && contractId === 'ctr-b' && call.attempt === 1) {
        failedOnce.push(contractId);
        throw throttled();
      }
      if (call.state === BILLING_STATE.SUMMARIZE && call.attempt === 1) throw throttled();
    };
    try {
      const { execution, stored } = await runToEnd('2026-09');
      expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
      expect(failedOnce).toEqual(['ctr-b']);
      expect(eventsOf(execution, 'StateRetried', BILLING_STATE.SUMMARIZE)).toHaveLength(1);
      expect(stored).toMatchObject({ status: RunStatus.SUCCEEDED, progress: { done: 2, total: 2 } });
      // September has 30 days: 30,000 at 10.00 = 300.00 plus 60,000 at 2.50 = 150.00.
      expect(stored.totals).toEqual([{ currency: 'USD', total: '450.00', invoices: 2 }]);
    } finally {
      delete env.hooks.beforeTask;
    }
  });

  it('completes with errors and releases the period when a contract cannot be rated; a later run of the period invoices exactly what raw usage says', { timeout: 120_000 }, async () => {
    env.hooks.beforeTask = (call) => {
      if (call.state === BILLING_STATE.RATE_CONTRACT && (call.payload as { contractId: string }).contractId === 'ctr-a') {
        throw new Error('the rating engine refused contract ctr-a');
      }
    };
    try {
      const { run, execution, stored, invoices } = await runToEnd('2026-08');
      expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
      expect(stored).toMatchObject({ status: RunStatus.COMPLETED_WITH_ERRORS, failureReason: null, progress: { done: 1, total: 2 } });
      expect(stored.endedAt).not.toBeNull();
      // The error was thrown before the rating code could record it: Summarize found no result for ctr-a.
      expect(await env.runs.listContractFailures(run.id)).toEqual([{ contractId: 'ctr-a', reason: NO_RESULT_REASON }]);
      expect(invoices.map((i) => i.contractId)).toEqual(['ctr-b']);
      expect(eventsOf(execution, 'StateEntered', BILLING_STATE.MARK_FAILED)).toHaveLength(0);
      expect(await env.runs.readLock('2026-08')).toMatchObject({ runningRunId: null, lastRunSeq: run.runSeq });
    } finally {
      delete env.hooks.beforeTask;
    }
    // Fixed: the period can also be run again, as run 2.
    const again = await runToEnd('2026-08');
    expect(again.stored).toMatchObject({ status: RunStatus.SUCCEEDED, runSeq: 2, progress: { done: 2, total: 2 } });

    // After the killed run and its redrive, what each contract was invoiced for August (first
    // invoice plus any adjustment) equals a recomputation from the raw usage items alone:
    // sum of first-party counts x the flat rate / 1,000, rounded to cents.
    const rates: Record<string, string> = { 'ctr-a': '10', 'ctr-b': '2.5' };
    const invoiced = await env.invoices.listPeriodInvoices('2026-08');
    for (const [contractId, rate] of Object.entries(rates)) {
      const usage = await env.usage.loadPeriodUsage(contractId, '2026-08');
      const count = usage.impressions.filter((r) => r.source === 'FIRST_PARTY').reduce((sum, r) => sum + r.count, 0);
      const expected = new Big(count).times(rate).div(1000).round(2, Big.roundHalfEven).toFixed(2);
      const total = invoiced.filter((i) => i.contractId === contractId).reduce((sum, i) => sum.plus(i.total), new Big(0)).toFixed(2);
      expect([contractId, total]).toEqual([contractId, expected]);
      expect(invoiced.filter((i) => i.contractId === contractId && i.kind === 'INVOICE')).toHaveLength(1);
    }
  });

  it('names the contract whose rating failed for good among the failures of the run', { timeout: 120_000 }, async () => {
    // ACTIVE but with no approved version: the engine refuses to rate it (no retry can help).
    // Its term is June only, so the other periods' runs do not plan it.
    await seedContract(env, 'ctr-broken', { versionStatus: 'DRAFT', term: ['2026-06-01', '2026-06-30'] });
    const { execution, stored } = await runToEnd('2026-06', ['ctr-a', 'ctr-broken']);
    expect(execution.status).toBe('SUCCEEDED');
    expect(stored).toMatchObject({ status: RunStatus.COMPLETED_WITH_ERRORS, failureReason: null, progress: { done: 1, total: 2 } });
    expect(await env.runs.listContractFailures(stored.id)).toEqual([
      { contractId: 'ctr-broken', reason: 'ValidationError: invalid rating input: contract.versions: at least one version is required' },
    ]);
    expect((await env.runs.readLock('2026-06')).runningRunId).toBeNull();
  });

  it('fails the run even when MarkFailed itself fails, as the ExecutionEnded rule does in AWS', { timeout: 120_000 }, async () => {
    env.hooks.beforeTask = (call) => {
      if (call.state === BILLING_STATE.PLAN) throw new Error('plan refused');
      if (call.state === BILLING_STATE.MARK_FAILED) throw new Error('mark failed refused');
    };
    try {
      const { execution, stored } = await runToEnd('2026-05');
      expect(execution.status).toBe('FAILED');
      expect(eventsOf(execution, 'StateFailed', BILLING_STATE.MARK_FAILED)).toHaveLength(1);
      expect(stored).toMatchObject({ status: RunStatus.FAILED, failureReason: 'States.ExecutionFAILED: the execution ended without succeeding' });
      expect((await env.runs.readLock('2026-05')).runningRunId).toBeNull();
    } finally {
      delete env.hooks.beforeTask;
    }
  });

  it('never invoices twice: a run started twice, a period started while running, a Map item run again', { timeout: 120_000 }, async () => {
    let rerunItem = true;
    env.hooks.beforeTask = async (call) => {
      if (call.state === BILLING_STATE.RATE_CONTRACT && call.attempt === 1 && rerunItem) {
        rerunItem = false;
        // A first attempt that did all its work, then lost its result: the retry runs the item again.
        await rateContractHandler(call.payload);
        throw Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' });
      }
    };
    try {
      const run = await startBillingRun(startPorts(), { period: '2026-07' }, 'fin-1');
      await expect(startBillingRun(startPorts(), { period: '2026-07' }, 'fin-2')).rejects.toMatchObject({ kind: 'CONFLICT', code: 'billing_run_in_progress' });
      const first = env.workflow.execution(run.id);
      await env.workflow.start(executionInputOf(run));
      expect(env.workflow.execution(run.id)).toBe(first);
      const execution = await env.workflow.waitFor(run.id);
      expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
      expect(rerunItem).toBe(false);
      const stored = await env.runs.requireRun(run.id);
      expect(stored.progress).toEqual({ done: 2, total: 2 });
      const invoices = await env.runs.listRunInvoices(run.id);
      expect(new Set(invoices.map((i) => i.invoiceId)).size).toBe(2);
      const ofPeriod = await env.invoices.listPeriodInvoices('2026-07');
      expect(ofPeriod.map((i) => i.contractId).sort()).toEqual(['ctr-a', 'ctr-b']);
    } finally {
      delete env.hooks.beforeTask;
    }
  });

  it('re-runs a period after a backdated amendment: adjustment invoices with only the differences', { timeout: 120_000 }, async () => {
    // Approved now, backdated to 16 October: 12.00 CPM instead of 10.00 for the second half of the month.
    await seedAmendment(env, 'ctr-a', '2026-10-16', flatCpm('12'), new Date(Date.now() - 1000).toISOString());
    const { execution, stored, invoices } = await runToEnd('2026-10');
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    expect(stored).toMatchObject({ status: RunStatus.SUCCEEDED, runSeq: 2, progress: { done: 2, total: 2 } });
    const [a, b] = await Promise.all(invoices.map((i) => env.invoices.getInvoice(i.invoiceId)));
    // Version 1 now covers 15 days (15,000 at 10.00 = 150.00, was 310.00): -16,000 / -160.00.
    // Version 2 covers 16 days (16,000 at 12.00 = 192.00, new): +16,000 / +192.00. Net +32.00.
    expect(a).toMatchObject({ kind: 'ADJUSTMENT', contractId: 'ctr-a', runSeq: 2, total: '32.00' });
    expect(a!.lines.map((l) => [l.type, l.adjusts, l.chargeId, l.version, l.quantity, l.amount])).toEqual([
      ['ADJUSTMENT', 'USAGE', 'ctv', 1, '-16000', '-160.00'],
      ['ADJUSTMENT', 'USAGE', 'ctv', 2, '16000', '192.00'],
    ]);
    // Nothing changed for ctr-b: an empty adjustment, so the run leaves its trace.
    expect(b).toMatchObject({ kind: 'ADJUSTMENT', contractId: 'ctr-b', total: '0.00', lines: [] });
    expect(stored.totals).toEqual([{ currency: 'USD', total: '32.00', invoices: 2 }]);
  });
});

describe('a run of 50 contracts of which 2 fail', () => {
  const period = '2026-04';
  const ids = Array.from({ length: 50 }, (_, i) => `ctr-m-${String(i + 1).padStart(2, '0')}`);
  const [unapproved, unreachable] = ['ctr-m-07', 'ctr-m-33'];

  beforeAll(async () => {
    // April only, so no other period's run plans them. ctr-m-07's approval was never stored.
    for (const [i, id] of ids.entries()) {
      await seedContract(env, id, { rate: '2', term: ['2026-04-01', '2026-04-30'], versionStatus: id === unapproved ? 'DRAFT' : 'APPROVED' });
      await seedDailyImpressions(env, id, period, 100 * (i + 1));
    }
  }, 240_000);

  it('invoices the 48 others and completes with errors naming the 2; the retry after the fix invoices the 2 and duplicates nothing', { timeout: 240_000 }, async () => {
    let unreachableFixed = false;
    const rated: { runId: string; contractId: string }[] = [];
    env.hooks.beforeTask = (call) => {
      if (call.state !== BILLING_STATE.RATE_CONTRACT) return;
      const { contractId, runId } = call.payload as { contractId: string; runId: string };
      rated.push({ runId, contractId });
      if (contractId === unreachable && !unreachableFixed) throw Object.assign(new Error(`the usage of ${unreachable} could not be read`), { name: 'UsageUnavailableError' });
    };
    try {
      const { run, execution, stored, invoices } = await runToEnd(period, ids);
      expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
      expect(stored).toMatchObject({ status: RunStatus.COMPLETED_WITH_ERRORS, progress: { done: 48, total: 50 }, failureReason: null, retries: 0 });
      const failures = await env.runs.listContractFailures(run.id);
      expect(failures).toEqual([
        { contractId: unapproved, reason: 'ValidationError: invalid rating input: contract.versions: at least one version is required' },
        // Failed before its rating code ran (as a crash would): Summarize recorded it from the plan.
        { contractId: unreachable, reason: NO_RESULT_REASON },
      ]);
      expect(invoices.map((i) => i.contractId)).toEqual(ids.filter((id) => id !== unapproved && id !== unreachable));
      expect(stored.totals).toEqual([{ currency: 'USD', total: expect.any(String), invoices: 48 }]);
      expect((await env.runs.readLock(period)).runningRunId).toBeNull();
      expect(await env.exportKeys(period)).toContain(`exports/${period}/manifest.json`);
      const before = await env.invoices.listPeriodInvoices(period);
      expect(before).toHaveLength(48);

      // The causes are fixed: the approval is stored (as recorded before the run began), the usage store answers.
      const aggregate = (await env.contracts.get(unapproved))!;
      await env.contracts.commit({
        contract: { next: { ...aggregate.contract, version: aggregate.contract.version + 1 }, expectedVersion: aggregate.contract.version },
        versions: [{ next: { ...aggregate.versions[0]!, status: 'APPROVED', version: 2 }, expectedVersion: 1 }],
        approvals: [],
      });
      unreachableFixed = true;
      rated.length = 0;

      // Two requests at once start one retry.
      const [first, second] = await Promise.all([retryBillingRun(startPorts(), run.id, 'fin-2'), retryBillingRun(startPorts(), run.id, 'fin-3')]);
      expect([first.started, second.started].sort()).toEqual([false, true]);
      expect([first.retry, second.retry]).toEqual([1, 1]);
      expect((first.started ? first : second).contractIds).toEqual([unapproved, unreachable]);
      const retried = await env.workflow.waitFor(run.id);
      expect(retried.status, JSON.stringify(retried.error)).toBe('SUCCEEDED');
      expect(rated.map((r) => r.contractId).sort()).toEqual([unapproved, unreachable]);

      const after = await env.runs.requireRun(run.id);
      expect(after).toMatchObject({ status: RunStatus.SUCCEEDED, progress: { done: 50, total: 50 }, retries: 1, startedAt: stored.startedAt, failureReason: null });
      expect(await env.runs.listContractFailures(run.id)).toEqual([]);
      expect(after.totals).toEqual([{ currency: 'USD', total: expect.any(String), invoices: 50 }]);
      const runInvoices = await env.runs.listRunInvoices(run.id);
      expect(runInvoices.map((i) => i.contractId)).toEqual(ids);
      // Each contract has exactly one document for April; the 48 written first are untouched.
      const ofPeriod = await env.invoices.listPeriodInvoices(period);
      expect(ofPeriod).toHaveLength(50);
      expect(new Set(ofPeriod.map((i) => i.contractId)).size).toBe(50);
      expect(ofPeriod.every((i) => i.kind === 'INVOICE' && i.runSeq === 1 && i.runId === run.id)).toBe(true);
      for (const invoice of before) expect(ofPeriod.find((i) => i.id === invoice.id)).toEqual(invoice);
      // ctr-m-07: 30 days x 700 impressions at 2.00 CPM = 42.00.
      expect(ofPeriod.find((i) => i.contractId === unapproved)?.total).toBe('42.00');

      // Asking again once done starts nothing.
      rated.length = 0;
      const again = await retryBillingRun(startPorts(), run.id, 'fin-2');
      expect(again).toMatchObject({ started: false, retry: 1, contractIds: [] });
      expect(again.run.status).toBe(RunStatus.SUCCEEDED);
      expect(env.workflow.execution(run.id)).toBe(retried);
      expect(rated).toEqual([]);
    } finally {
      delete env.hooks.beforeTask;
    }
  });
});
