/**
 * FINALIZED -> VOID and a FINALIZED credit note with the next credit-note number, in ONE commit
 * (the invoice still FINALIZED at the version read, the credit note not existing yet, the
 * counter still at the value read).
 */
import { ValidationError } from '../kernel/errors';
import { buildCreditNote, InvoiceAction, InvoiceKind, transition, type Invoice } from './invoice';
import { creditNoteIdFor } from './ids';
import { formatDocumentNumber, numberingYear, sequenceOf } from './numbering';
import { assertInvoiceLock, loadInvoice, withNumberingRetry, type InvoiceDeps } from './deps';

export const MAX_VOID_REASON_CHARS = 1_000;

export interface VoidInput {
  id: string;
  actor: string;
  reason: string;
  expectedVersion?: number;
}

export async function voidInvoice(deps: InvoiceDeps, input: VoidInput): Promise<{ invoice: Invoice; creditNote: Invoice }> {
  const reason = input.reason.trim();
  if (reason.length === 0 || reason.length > MAX_VOID_REASON_CHARS) {
    throw new ValidationError(`a void needs a reason of 1 to ${MAX_VOID_REASON_CHARS} characters`, [{ path: 'reason', message: `1 to ${MAX_VOID_REASON_CHARS} characters` }]);
  }
  return withNumberingRetry(deps, input.id, async () => {
    const invoice = await loadInvoice(deps.store, input.id);
    assertInvoiceLock(invoice, input.expectedVersion);
    const status = transition(invoice, InvoiceAction.VOID);
    const at = deps.clock.now().toISOString();
    const sequence = sequenceOf(InvoiceKind.CREDIT_NOTE);
    const year = numberingYear(at);
    const previous = await deps.store.readCounter(sequence, year);
    const number = formatDocumentNumber(sequence, year, previous + 1);
    const creditNote = buildCreditNote(invoice, { id: creditNoteIdFor(invoice.id), number, reason, actor: input.actor, at });
    const next: Invoice = { ...invoice, status, creditNoteId: creditNote.id, voidReason: reason, voidedAt: at, version: invoice.version + 1, updatedAt: at, actor: input.actor };
    await deps.store.commit({
      kind: 'TRANSITION',
      from: invoice,
      next,
      creditNote,
      numberTaken: { sequence, year, previous, number, documentId: creditNote.id, actor: input.actor, at },
    });
    return { invoice: next, creditNote };
  });
}
