/** The invoice and export stores of the invoices and billing Lambdas, built once per container. */
import { InvoiceRepository } from '../../shared/adapters/dynamodb/invoice-repository';
import { FinanceExports } from '../../shared/adapters/s3/exports';
import { runtimeClock } from '../runtime/clock';
import { dynamo, s3 } from '../runtime/clients';
import { config } from '../runtime/config';

let built: { invoices: InvoiceRepository; exports: FinanceExports } | undefined;

export function financeDeps() {
  if (!built) {
    const { TABLE_NAME, EXPORTS_BUCKET } = config();
    const invoices = new InvoiceRepository(dynamo(), TABLE_NAME);
    built = { invoices, exports: new FinanceExports(s3(), EXPORTS_BUCKET, invoices, runtimeClock) };
  }
  return built;
}
