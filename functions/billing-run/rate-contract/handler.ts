/** Step RateContract (one Map item): rate one contract for the period and write its invoice. */
import { RateContractInputSchema } from '../../../shared/schemas/api/billing-runs';
import { billingRunPorts } from '../ports';
import { taskHandler } from '../task-handler';
import { rateContract } from '../tasks';

export const handler = taskHandler('RateContract', RateContractInputSchema, (input) => rateContract(billingRunPorts(), input));
