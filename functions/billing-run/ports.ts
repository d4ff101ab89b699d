/**
 * The billing run's ports, built once per Lambda container from the runtime configuration and
 * clients (the same module serves every task Lambda, the start routes and the schedule).
 */
import { BillingRunRepository } from '../../shared/adapters/dynamodb/billing-run-repository';
import { ContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { DynamoUsageRepository } from '../../shared/adapters/dynamodb/usage-repository';
import { InvoiceRepository } from '../../shared/adapters/dynamodb/invoice-repository';
import { FinanceExports } from '../../shared/adapters/s3/exports';
import { RunPlanStore } from '../../shared/adapters/s3/run-plans';
import { runtimeClock } from '../runtime/clock';
import { dynamo, s3 } from '../runtime/clients';
import { config } from '../runtime/config';
import { billingWorkflow } from '../runtime/workflow';
import type { BillingRunPorts, StartPorts } from './tasks';

let ports: BillingRunPorts | undefined;

export function billingRunPorts(): BillingRunPorts {
  if (ports) return ports;
  const { TABLE_NAME, EXPORTS_BUCKET } = config();
  const clock = runtimeClock;
  const invoices = new InvoiceRepository(dynamo(), TABLE_NAME, clock);
  ports = {
    runs: new BillingRunRepository(dynamo(), TABLE_NAME, clock),
    plans: new RunPlanStore(s3(), EXPORTS_BUCKET),
    contracts: new ContractRepository(dynamo(), TABLE_NAME),
    usage: new DynamoUsageRepository(dynamo(), TABLE_NAME),
    invoices,
    exports: new FinanceExports(s3(), EXPORTS_BUCKET, invoices, clock),
    clock,
  };
  return ports;
}

/** Starting needs the workflow too; it is resolved per call so a local executor registered late is seen. */
export function startPorts(): StartPorts {
  return { runs: billingRunPorts().runs, workflow: billingWorkflow() };
}
