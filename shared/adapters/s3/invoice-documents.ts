/**
 * Invoice and credit-note PDFs in the exports bucket under `documents/<period>/<id>.pdf`, handed
 * out as presigned GET URLs. An issued document never changes and renders to the same bytes, so
 * writing it again on a later request stores the same object.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Invoice } from '../../domain/invoices/invoice';
import { invoiceDocument, type Seller } from '../../domain/invoices/invoice-document';
import { renderInvoicePdf } from '../pdf/invoice-pdf';

import { invoiceDocumentKey } from './invoice-document-keys';

const URL_TTL_SECONDS = 15 * 60;

export class InvoiceDocuments {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly seller: Seller,
  ) {}

  /** Renders and stores the document's PDF; ConflictError (409) for a document never issued. */
  async store(invoice: Invoice): Promise<string> {
    const bytes = await renderInvoicePdf(invoiceDocument(invoice, this.seller));
    const key = invoiceDocumentKey(invoice);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: bytes,
        ContentType: 'application/pdf',
        ContentDisposition: `attachment; filename="${invoice.number ?? invoice.id}.pdf"`,
      }),
    );
    return key;
  }

  /** Stores the PDF and answers a presigned GET URL for it, valid 15 minutes. */
  async url(invoice: Invoice): Promise<{ key: string; url: string; expiresInSeconds: number }> {
    const key = await this.store(invoice);
    const url = await getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: URL_TTL_SECONDS });
    return { key, url, expiresInSeconds: URL_TTL_SECONDS };
  }
}
