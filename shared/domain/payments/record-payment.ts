/**
 * Records a payment on an issued invoice in ONE commit (the invoice still FINALIZED at the
 * version read). A concurrent payment or void makes the commit fail; the next attempt re-reads
 * and decides again, so two racing payments can never overpay together and a payment never
 * lands on an invoice voided meanwhile.
 */
import { ConflictError } from '../kernel/errors';
import type { Clock } from '../kernel/clock';
import { loadInvoice } from '../invoices/deps';
import type { Invoice } from '../invoices/invoice';
import type { InvoiceStore } from '../invoices/store';
import { applyPayment, type Payment, type PaymentRequest } from './receivable';

export interface RecordPaymentDeps {
  store: InvoiceStore;
  clock: Clock;
  newId: () => string;
}

const ATTEMPTS = 8;

export async function recordPayment(deps: RecordPaymentDeps, input: PaymentRequest & { invoiceId: string; actor: string }): Promise<{ invoice: Invoice; payment: Payment }> {
  const id = deps.newId();
  for (let attempt = 1; ; attempt++) {
    const invoice = await loadInvoice(deps.store, input.invoiceId);
    const next = applyPayment(invoice, input, { id, actor: input.actor, at: deps.clock.now().toISOString() });
    try {
      await deps.store.commit({ kind: 'PAYMENT', from: invoice, next });
      return { invoice: next, payment: next.payments.at(-1)! };
    } catch (error) {
      if (!(error instanceof ConflictError) || error.code !== 'concurrent_update' || attempt >= ATTEMPTS) throw error;
    }
  }
}
