/** Where invoice PDFs live in the exports bucket (shared with the CDK grants, without the renderer). */
import type { Invoice } from '../../domain/invoices/invoice';

export const INVOICE_DOCUMENTS_PREFIX = 'documents/';

export const invoiceDocumentKey = (invoice: Pick<Invoice, 'id' | 'period'>) => `${INVOICE_DOCUMENTS_PREFIX}${invoice.period}/${invoice.id}.pdf`;
