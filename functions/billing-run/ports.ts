/**
 * The billing run's ports, built once per Lambda container from the runtime configuration and
 * clients (the same module serves every task Lambda, the start routes and the schedule).
 *
 * The S3 stores are in s3-ports.ts, imported only by the steps that use them (Plan, Summarize,
 * Export): a bundle that imports this module alone (the other steps, the billing API's run
 * routes) leaves the S3 client and its adapters out of what it reads at init.
 */
import { BillingRunRepository } from '../../shared/adapters/dynamodb/billing-run-repository';
import { ContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { DirectoryRepository } from '../../shared/adapters/dynamodb/directory-repository';
import { DynamoUsageRepository } from '../../shared/adapters/dynamodb/usage-repository';
import { InvoiceRepository } from '../../shared/adapters/dynamodb/invoice-repository';
import { runtimeClock } from '../runtime/clock';
import { dynamo } from '../runtime/clients';
import { config } from '../runtime/config';
import { billingWorkflow } from '../runtime/workflow';
import type { BillingRunPorts, StartPorts } from './tasks';

/** The ports kept in DynamoDB, which every step uses. */
export type TablePorts = Omit<BillingRunPorts, 'plans' | 'exports'>;

let tablePorts: (TablePorts & { invoices: InvoiceRepository }) | undefined;

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

/** Starting needs the workflow too; it is resolved per call so a local executor registered late is seen. */
export function startPorts(): StartPorts {
  return { runs: billingRunPorts().runs, workflow: billingWorkflow() };
}
