/**
 * The S3-backed stores of the invoices and billing Lambdas: finance exports and invoice PDFs.
 * Imported on first use by ./dependencies.ts, so pdf-lib, the presigner and the S3 client are
 * evaluated only by the requests that need them.
 */
import * as z from 'zod';
import type { InvoiceRepository } from '../../shared/adapters/dynamodb/invoice-repository';
import type { PartnerStatementRepository } from '../../shared/adapters/dynamodb/partner-statement-repository';
import { FinanceExports } from '../../shared/adapters/s3/exports';
import { InvoiceDocuments } from '../../shared/adapters/s3/invoice-documents';
import type { Seller } from '../../shared/domain/invoices/invoice-document';
import { AddressSchema } from '../../shared/schemas/api/directory';
import { runtimeClock } from '../runtime/clock';
import { s3 } from '../runtime/s3-client';
import { config } from '../runtime/config';

const SellerSchema = z.object({ legalName: z.string().min(1), address: AddressSchema, taxId: z.string().optional(), email: z.string().optional() });

/** The seller printed on documents: SELLER_PROFILE, or the development default of the local stack. */
const DEFAULT_SELLER: Seller = {
  legalName: 'CTV Performance Media Ltd',
  address: { line1: '1 Example Street', city: 'London', postalCode: 'EC1A 1AA', country: 'GB' },
  taxId: 'GB000000000',
  email: 'billing@ctv-performance.example',
};

export function financeExports(invoices: InvoiceRepository, statements: PartnerStatementRepository): FinanceExports {
  return new FinanceExports(s3(), config().EXPORTS_BUCKET, invoices, runtimeClock, statements);
}

export function invoiceDocuments(): InvoiceDocuments {
  const { SELLER_PROFILE, EXPORTS_BUCKET } = config();
  const seller = SELLER_PROFILE ? SellerSchema.parse(JSON.parse(SELLER_PROFILE)) : DEFAULT_SELLER;
  return new InvoiceDocuments(s3(), EXPORTS_BUCKET, seller);
}
