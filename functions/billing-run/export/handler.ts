/** Step Export: the period's finance export files in S3. */
import { RunExecutionInputSchema } from '../../../shared/schemas/api/billing-runs';
import { exportPorts } from '../s3-ports';
import { taskHandler } from '../task-handler';
import { exportPeriod } from '../tasks';

export const handler = taskHandler('Export', RunExecutionInputSchema, (input) => exportPeriod(exportPorts(), input));
