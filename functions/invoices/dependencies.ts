/**
 * The invoice and export stores of the invoices and billing Lambdas, built once per container.
 * The stores on S3 (finance exports, invoice PDFs) live in ./documents.ts and are imported on
 * first use: most requests of these functions never touch S3, pdf-lib or the presigner.
 */
import { InvoiceRepository } from '../../shared/adapters/dynamodb/invoice-repository';
import { ContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { DirectoryRepository } from '../../shared/adapters/dynamodb/directory-repository';
import { DynamoUsageRepository } from '../../shared/adapters/dynamodb/usage-repository';
import type { FinanceExports } from '../../shared/adapters/s3/exports';
import { PartnerStatementRepository } from '../../shared/adapters/dynamodb/partner-statement-repository';
import type { InvoiceDocuments } from '../../shared/adapters/s3/invoice-documents';
import { dynamo } from '../runtime/clients';
import { config } from '../runtime/config';

let built: { invoices: InvoiceRepository } | undefined;

export function financeDeps() {
  if (!built) built = { invoices: new InvoiceRepository(dynamo(), config().TABLE_NAME) };
  return built;
}

/** Built once on first use; a failed import is tried again by the next request. */
function lazily<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    if (!value) {
      value = build();
      value.catch(() => (value = undefined));
    }
    return value;
  };
}

/** The finance exports in the exports bucket (listing, presigned downloads). */
export const financeExports: () => Promise<FinanceExports> = lazily(async () => (await import('./documents')).financeExports(financeDeps().invoices, statementDeps()));

/** Invoice and credit-note PDFs: rendered with pdf-lib, stored in S3, handed out presigned. */
export const invoiceDocuments: () => Promise<InvoiceDocuments> = lazily(async () => (await import('./documents')).invoiceDocuments());

let statements: PartnerStatementRepository | undefined;

/** Issued partner statements (status, issued totals, payments). */
export function statementDeps(): PartnerStatementRepository {
  statements ??= new PartnerStatementRepository(dynamo(), config().TABLE_NAME);
  return statements;
}

let rating: { contracts: ContractRepository; usage: DynamoUsageRepository; advertisers: DirectoryRepository } | undefined;

/** What a reissue rates with: the contract with its versions and credits, the period's usage, the advertiser's billing profile. */
export function ratingDeps() {
  rating ??= {
    contracts: new ContractRepository(dynamo(), config().TABLE_NAME),
    usage: new DynamoUsageRepository(dynamo(), config().TABLE_NAME),
    advertisers: new DirectoryRepository(dynamo(), config().TABLE_NAME),
  };
  return rating;
}

/** The advertisers' billing profiles (payment terms). */
export function directoryDeps(): DirectoryRepository {
  return ratingDeps().advertisers;
}
