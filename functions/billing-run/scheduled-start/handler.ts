/**
 * The monthly schedule's target: starts the billing run of the month before the schedule's
 * own `scheduledTime` (a late or retried invocation bills the same month). A retried
 * invocation finds the run it already started and starts nothing.
 */
import { previousPeriod, SCHEDULER_ACTOR } from '../../../shared/domain/billing-runs/run';
import { ScheduledStartInputSchema } from '../../../shared/schemas/api/billing-runs';
import { logger } from '../../http/logger';
import { startPorts } from '../ports';
import { taskHandler } from '../task-handler';
import { startBillingRun } from '../tasks';

export const handler = taskHandler('ScheduledStart', ScheduledStartInputSchema, async (input) => {
  const period = previousPeriod(input.scheduledTime);
  const ports = startPorts();
  const earlier = (await ports.runs.listRuns(period)).find((run) => run.actor === SCHEDULER_ACTOR);
  if (earlier) {
    logger.info('the scheduled run of this period was already started', { period, runId: earlier.id });
    return { period, runId: earlier.id, started: false };
  }
  const run = await startBillingRun(ports, { period }, SCHEDULER_ACTOR);
  return { period, runId: run.id, started: true };
});
