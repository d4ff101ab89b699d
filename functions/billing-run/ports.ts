/**
 * The billing run's ports, built once per Lambda container from the runtime configuration and
 * clients (the same module serves every task Lambda, the start routes and the schedule).
 *
 * The S3 stores are built only by the steps that write to S3 (planPorts, exportPorts): a step
 * bundle that never calls them leaves the S3 client and its adapters out.
 */
import { BillingRunRepository } from '../../shared/adapters/dynamodb/billing-run-repository';
import { ContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { DirectoryRepository } from '../../shared/adapters/dynamodb/directory-repository';
import { DynamoUsageRepository } from '../../shared/adapters/dynamodb/usage-repository';
import { InvoiceRepository } from '../../shared/adapters/dynamodb/invoice-repository';
import { PartnerStatementRepository } from '../../shared/adapters/dynamodb/partner-statement-repository';
import { FinanceExports } from '../../shared/adapters/s3/exports';
import { RunPlanStore } from '../../shared/adapters/s3/run-plans';
import { runtimeClock } from '../runtime/clock';
import { dynamo } from '../runtime/clients';
import { s3 } from '../runtime/s3-client';
import { config } from '../runtime/config';
import { billingWorkflow } from '../runtime/workflow';
import type { BillingRunPorts, StartPorts } from './tasks';

/** The ports kept in DynamoDB, which every step uses. */
export type TablePorts = Omit<BillingRunPorts, 'plans' | 'exports'>;

let tablePorts: (TablePorts & { invoices: InvoiceRepository }) | undefined;
let plans: BillingRunPorts['plans'] | undefined;
let exports: BillingRunPorts['exports'] | undefined;

export function billingRunPorts(): TablePorts & { invoices: InvoiceRepository } {
  if (tablePorts) return tablePorts;
  const { TABLE_NAME } = config();
  const clock = runtimeClock;
  tablePorts = {
    runs: new BillingRunRepository(dynamo(), TABLE_NAME, clock),
    contracts: new ContractRepository(dynamo(), TABLE_NAME),
    usage: new DynamoUsageRepository(dynamo(), TABLE_NAME),
    invoices: new InvoiceRepository(dynamo(), TABLE_NAME),
    advertisers: new DirectoryRepository(dynamo(), TABLE_NAME),
    clock,
  };
  return tablePorts;
}

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

/** Starting needs the workflow too; it is resolved per call so a local executor registered late is seen. */
export function startPorts(): StartPorts {
  return { runs: billingRunPorts().runs, workflow: billingWorkflow() };
}
