/**
 * The ports of the billing run's steps that use S3 (Plan and Summarize: the run-plan store;
 * Export: the finance exports), kept apart from ports.ts so that only their bundles read the S3
 * client and its adapters at init.
 */
import { PartnerStatementRepository } from '../../shared/adapters/dynamodb/partner-statement-repository';
import { FinanceExports } from '../../shared/adapters/s3/exports';
import { RunPlanStore } from '../../shared/adapters/s3/run-plans';
import { dynamo } from '../runtime/clients';
import { config } from '../runtime/config';
import { s3 } from '../runtime/s3-client';
import { billingRunPorts, type TablePorts } from './ports';
import type { BillingRunPorts } from './tasks';

let plans: BillingRunPorts['plans'] | undefined;
let exports: BillingRunPorts['exports'] | undefined;

/** The Plan and Summarize steps' ports: the table's and the run-plan store in the exports bucket. */
export function planPorts(): TablePorts & Pick<BillingRunPorts, 'plans'> {
  plans ??= new RunPlanStore(s3(), config().EXPORTS_BUCKET);
  return { ...billingRunPorts(), plans };
}

/** The Export step's ports: the table's and the finance exports in the exports bucket. */
export function exportPorts(): TablePorts & Pick<BillingRunPorts, 'exports'> {
  const ports = billingRunPorts();
  exports ??= new FinanceExports(s3(), config().EXPORTS_BUCKET, ports.invoices, ports.clock, new PartnerStatementRepository(dynamo(), config().TABLE_NAME));
  return { ...ports, exports };
}
