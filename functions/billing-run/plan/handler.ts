/** Step Plan: the contracts of the period (or the ones named), written to S3 as the Map's items. */
import { RunExecutionInputSchema } from '../../../shared/schemas/api/billing-runs';
import { planPorts } from '../s3-ports';
import { taskHandler } from '../task-handler';
import { plan } from '../tasks';

export const handler = taskHandler('Plan', RunExecutionInputSchema, (input) => plan(planPorts(), input));
