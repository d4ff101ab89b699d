/**
 * DRAFT -> FINALIZED with the next gapless number of the year, in ONE commit: the invoice's
 * status change (condition: still DRAFT at the version read) and the counter's increment
 * (condition: still at the value read).
 */
import { InvoiceAction, transition, type Invoice } from './invoice';
import { formatDocumentNumber, numberingYear, sequenceOf } from './numbering';
import { assertInvoiceLock, loadInvoice, withNumberingRetry, type InvoiceDeps } from './deps';

export interface FinalizeInput {
  id: string;
  actor: string;
  /** From If-Match; checked against the version read. */
  expectedVersion?: number;
}

export async function finalizeInvoice(deps: InvoiceDeps, input: FinalizeInput): Promise<Invoice> {
  return withNumberingRetry(deps, input.id, async () => {
    const invoice = await loadInvoice(deps.store, input.id);
    assertInvoiceLock(invoice, input.expectedVersion);
    const status = transition(invoice, InvoiceAction.FINALIZE);
    const at = deps.clock.now().toISOString();
    const sequence = sequenceOf(invoice.kind);
    const year = numberingYear(at);
    const previous = await deps.store.readCounter(sequence, year);
    const number = formatDocumentNumber(sequence, year, previous + 1);
    const next: Invoice = { ...invoice, status, number, finalizedAt: at, version: invoice.version + 1, updatedAt: at, actor: input.actor };
    await deps.store.commit({
      kind: 'TRANSITION',
      from: invoice,
      next,
      numberTaken: { sequence, year, previous, number, documentId: invoice.id, actor: input.actor, at },
    });
    return next;
  });
}
