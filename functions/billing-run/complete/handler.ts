/** Step Complete: the run SUCCEEDED and its period released. */
import { RunExecutionInputSchema } from '../../../shared/schemas/api/billing-runs';
import { billingRunPorts } from '../ports';
import { taskHandler } from '../task-handler';
import { complete } from '../tasks';

export const handler = taskHandler('Complete', RunExecutionInputSchema, (input) => complete(billingRunPorts(), input));
