/** The invoice and export stores of the invoices and billing Lambdas, built once per container. */
import { InvoiceRepository } from '../../shared/adapters/dynamodb/invoice-repository';
import { ContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { DirectoryRepository } from '../../shared/adapters/dynamodb/directory-repository';
import { DynamoUsageRepository } from '../../shared/adapters/dynamodb/usage-repository';
import { FinanceExports } from '../../shared/adapters/s3/exports';
import { PartnerStatementRepository } from '../../shared/adapters/dynamodb/partner-statement-repository';
import { InvoiceDocuments } from '../../shared/adapters/s3/invoice-documents';
import type { Seller } from '../../shared/domain/invoices/invoice-document';
import { AddressSchema } from '../../shared/schemas/api/directory';
import * as z from 'zod';

const SellerSchema = z.object({ legalName: z.string().min(1), address: AddressSchema, taxId: z.string().optional(), email: z.string().optional() });
import { runtimeClock } from '../runtime/clock';
import { dynamo, s3 } from '../runtime/clients';
import { config } from '../runtime/config';

let built: { invoices: InvoiceRepository; exports: FinanceExports } | undefined;

export function financeDeps() {
  if (!built) {
    const { TABLE_NAME, EXPORTS_BUCKET } = config();
    const invoices = new InvoiceRepository(dynamo(), TABLE_NAME);
    built = { invoices, exports: new FinanceExports(s3(), EXPORTS_BUCKET, invoices, runtimeClock, statementDeps()) };
  }
  return built;
}

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

/** The seller printed on documents: SELLER_PROFILE, or the development default of the local stack. */
const DEFAULT_SELLER: Seller = {
  legalName: 'CTV Performance Media Ltd',
  address: { line1: '1 Example Street', city: 'London', postalCode: 'EC1A 1AA', country: 'GB' },
  taxId: 'GB000000000',
  email: 'billing@ctv-performance.example',
};

let documents: InvoiceDocuments | undefined;

export function invoiceDocuments(): InvoiceDocuments {
  if (!documents) {
    const { SELLER_PROFILE, EXPORTS_BUCKET } = config();
    const seller = SELLER_PROFILE ? SellerSchema.parse(JSON.parse(SELLER_PROFILE)) : DEFAULT_SELLER;
    documents = new InvoiceDocuments(s3(), EXPORTS_BUCKET, seller);
  }
  return documents;
}
