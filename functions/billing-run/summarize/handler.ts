/** Step Summarize: every planned contract has a result (contracts left without one are recorded as failed); the run's totals per currency. */
import { RunExecutionInputSchema } from '../../../shared/schemas/api/billing-runs';
import { planPorts } from '../s3-ports';
import { taskHandler } from '../task-handler';
import { summarize } from '../tasks';

export const handler = taskHandler('Summarize', RunExecutionInputSchema, (input) => summarize(planPorts(), input));
