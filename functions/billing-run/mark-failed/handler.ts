/** Step MarkFailed (every state's Catch): the run FAILED with the error's reason, its period released. */
import { MarkFailedInputSchema } from '../../../shared/schemas/api/billing-runs';
import { billingRunPorts } from '../ports';
import { taskHandler } from '../task-handler';
import { markFailed } from '../tasks';

export const handler = taskHandler('MarkFailed', MarkFailedInputSchema, (input) => markFailed(billingRunPorts(), input));
