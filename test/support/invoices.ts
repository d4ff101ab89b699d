/**
 * The table's invoice store with the invoice use cases bound to it and to one clock, for tests
 * that drive invoices directly (the handlers and billing tasks call the use cases the same way).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../shared/domain/kernel/clock';
import { InvoiceRepository } from '../../shared/adapters/dynamodb/invoice-repository';
import { writeRunInvoice, type WriteRunInvoiceInput } from '../../shared/domain/invoices/write-run-invoice';
import { finalizeInvoice } from '../../shared/domain/invoices/finalize-invoice';
import { voidInvoice } from '../../shared/domain/invoices/void-invoice';
import { annotateDraft, type DraftPatch } from '../../shared/domain/invoices/annotate-draft';

export class InvoicesOnTable extends InvoiceRepository {
  constructor(client: DynamoDBDocumentClient, tableName: string, private readonly clock: Clock) {
    super(client, tableName);
  }

  writeRunInvoice(input: WriteRunInvoiceInput) {
    return writeRunInvoice({ store: this }, input);
  }

  finalizeInvoice(id: string, actor: string, expectedVersion?: number) {
    return finalizeInvoice({ store: this, clock: this.clock }, { id, actor, expectedVersion });
  }

  voidInvoice(id: string, actor: string, reason: string, expectedVersion?: number) {
    return voidInvoice({ store: this, clock: this.clock }, { id, actor, reason, expectedVersion });
  }

  updateDraftInvoice(id: string, patch: DraftPatch, actor: string, expectedVersion?: number) {
    return annotateDraft({ store: this, clock: this.clock }, { id, patch, actor, expectedVersion });
  }
}
