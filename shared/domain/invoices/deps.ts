/**
 * What the invoice use cases are given, and the steps they share: loading with a 404, the
 * If-Match check, and the retry of a status change whose document number was taken by another
 * document between the read and the commit.
 */
import type { Clock } from '../kernel/clock';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../kernel/errors';
import type { Invoice } from './invoice';
import type { InvoiceStore } from './store';

/** Waits before attempt `attempt + 1` of a cancelled numbering commit. */
export type Backoff = (attempt: number) => Promise<void>;

export interface InvoiceDeps {
  store: InvoiceStore;
  clock: Clock;
  /** Default: a short random pause, so racing finalizations spread out instead of colliding again. */
  backoff?: Backoff;
}

/** Attempts at taking a number when other documents move the counter between read and commit. */
export const MAX_NUMBERING_ATTEMPTS = 60;

export const jitteredBackoff: Backoff = (attempt) =>
  new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * Math.min(200, 10 * attempt))));

export async function loadInvoice(store: InvoiceStore, id: string): Promise<Invoice> {
  const invoice = await store.getInvoice(id);
  if (!invoice) throw new NotFoundError('invoice', id);
  return invoice;
}

export function assertInvoiceLock(invoice: Invoice, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && invoice.version !== expectedVersion) throw new PreconditionFailedError();
}

/**
 * Runs read-decide-commit until it commits. A cancelled commit means the invoice moved (the next
 * attempt re-reads it and reports the 409 or 412) or the counter moved (the next attempt takes
 * the next number); nothing was written either way, so no number is ever lost.
 */
export async function withNumberingRetry<T>(deps: InvoiceDeps, invoiceId: string, attempt: () => Promise<T>): Promise<T> {
  const backoff = deps.backoff ?? jitteredBackoff;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ConflictError) || error.code !== 'concurrent_update') throw error;
      if (n >= MAX_NUMBERING_ATTEMPTS) {
        throw new ConflictError(`invoice ${invoiceId}: could not take a document number after ${n} attempts; retry`, 'numbering_contention', { cause: error });
      }
      await backoff(n);
    }
  }
}
