/** The monthly schedule's target: the previous month's run, started once however often it is invoked. */
import './quiet-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as scheduledStart } from '../../functions/billing-run/scheduled-start/handler';
import { RunStatus, SCHEDULER_ACTOR } from '../../shared/domain/billing-runs/run';
import { seedContract, seedDailyImpressions, workflowEnvironment, type WorkflowEnvironment } from './support';

let env: WorkflowEnvironment;

beforeAll(async () => {
  env = await workflowEnvironment();
  await seedContract(env, 'ctr-s', { rate: '5' });
  await seedDailyImpressions(env, 'ctr-s', '2026-10', 100);
}, 240_000);

describe('the monthly scheduled start', () => {
  it("bills the month before the schedule's own time, and a retried invocation starts nothing", { timeout: 120_000 }, async () => {
    // Invoked late (a retry hours after 03 Nov): still October, from the scheduled time.
    const first = await scheduledStart({ job: 'monthly-billing-run', scheduledTime: '2026-11-03T06:00:00Z' });
    expect(first).toMatchObject({ period: '2026-10', started: true });
    const execution = await env.workflow.waitFor(first.runId);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    const run = await env.runs.requireRun(first.runId);
    // 31 x 100 impressions at 5.00 CPM = 15.50.
    expect(run).toMatchObject({ status: RunStatus.SUCCEEDED, actor: SCHEDULER_ACTOR, totals: [{ currency: 'USD', total: '15.50', invoices: 1 }] });

    const again = await scheduledStart({ job: 'monthly-billing-run', scheduledTime: '2026-11-03T06:00:00Z' });
    expect(again).toEqual({ period: '2026-10', runId: first.runId, started: false });
    expect(await env.runs.listRuns('2026-10')).toHaveLength(1);
  });

  it('fails loudly on a malformed schedule input (the scheduler sends it to its dead-letter queue)', async () => {
    await expect(scheduledStart({ job: 'monthly-billing-run' })).rejects.toMatchObject({ name: 'InvalidTaskInputError' });
    await expect(scheduledStart({ scheduledTime: 'yesterday' })).rejects.toMatchObject({ kind: 'VALIDATION' });
  });
});
