/**
 * DRAFT -> DISCARDED in ONE commit: the invoice (still a DRAFT at the version read), its run
 * record and payout records marked discarded. A discarded draft was never issued, so what its
 * run rated no longer counts as invoiced (prior-runs.ts): the next run of the period rates the
 * contract afresh. A FINALIZED (or VOID) invoice answers 409: an issued document is corrected by
 * a void and a reissue, never dropped.
 */
import { ConflictError, ValidationError } from '../kernel/errors';
import { InvoiceAction, InvoiceStatus, transition, type Invoice } from './invoice';
import { assertInvoiceLock, loadInvoice, type InvoiceDeps } from './deps';

export const MAX_DISCARD_REASON_CHARS = 1_000;

export interface DiscardInput {
  id: string;
  actor: string;
  reason?: string;
  expectedVersion?: number;
}

export async function discardInvoice(deps: Pick<InvoiceDeps, 'store' | 'clock'>, input: DiscardInput): Promise<Invoice> {
  const reason = input.reason?.trim();
  if (reason !== undefined && reason.length > MAX_DISCARD_REASON_CHARS) {
    throw new ValidationError(`a discard reason is at most ${MAX_DISCARD_REASON_CHARS} characters`, [{ path: 'reason', message: `at most ${MAX_DISCARD_REASON_CHARS} characters` }]);
  }
  const invoice = await loadInvoice(deps.store, input.id);
  assertInvoiceLock(invoice, input.expectedVersion);
  if (invoice.status !== InvoiceStatus.DRAFT) {
    throw new ConflictError(`invoice ${invoice.id} is ${invoice.status}; only a DRAFT can be discarded (an issued invoice is voided)`, 'illegal_transition');
  }
  const status = transition(invoice, InvoiceAction.DISCARD);
  const at = deps.clock.now().toISOString();
  const next: Invoice = { ...invoice, status, discardedAt: at, ...(reason ? { discardReason: reason } : {}), version: invoice.version + 1, updatedAt: at, actor: input.actor };
  try {
    await deps.store.commit({ kind: 'DISCARD', from: invoice, next });
  } catch (error) {
    if (!(error instanceof ConflictError) || error.code !== 'concurrent_update') throw error;
    // Finalized or changed meanwhile: say what it is now.
    const current = await loadInvoice(deps.store, input.id);
    if (current.status !== InvoiceStatus.DRAFT) throw new ConflictError(`invoice ${invoice.id} is ${current.status}; only a DRAFT can be discarded`, 'illegal_transition', { cause: error });
    throw error;
  }
  return next;
}
