/** The billing group's Lambda: billing runs (run-routes.ts) and finance routes (finance-routes.ts). */
import { defineGroup } from '../http/group';
import { FunctionGroup } from '../http/routes';
import { financeRoutes } from './finance-routes';
import { billingRunRoutes } from './run-routes';

export const handler = defineGroup(FunctionGroup.BILLING, { ...billingRunRoutes, ...financeRoutes });
