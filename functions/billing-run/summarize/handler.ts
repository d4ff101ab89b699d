/** Step Summarize: the run's totals per currency. */
import { RunExecutionInputSchema } from '../../../shared/schemas/api/billing-runs';
import { billingRunPorts } from '../ports';
import { taskHandler } from '../task-handler';
import { summarize } from '../tasks';

export const handler = taskHandler('Summarize', RunExecutionInputSchema, (input) => summarize(billingRunPorts(), input));
