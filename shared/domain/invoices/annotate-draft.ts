/**
 * Changes the annotation fields of a DRAFT (memo, purchase order). Everything a run computed is
 * fixed from creation, and once FINALIZED (or VOID) nothing changes: the commit is conditioned on
 * the invoice still being a DRAFT at the version read, so a finalization racing this edit wins
 * or loses whole.
 */
import { ConflictError, PreconditionFailedError, ValidationError } from '../kernel/errors';
import { InvoiceStatus, type Invoice } from './invoice';
import { ANNOTATION_FIELDS, type AnnotationField } from './store';
import { assertInvoiceLock, loadInvoice, type InvoiceDeps } from './deps';

export const MAX_ANNOTATION_CHARS = 1_000;

export type DraftPatch = Partial<Record<AnnotationField, string | null>>;

export interface AnnotateInput {
  id: string;
  patch: DraftPatch;
  actor: string;
  expectedVersion?: number;
}

const ATTEMPTS = 4;

export async function annotateDraft(deps: Pick<InvoiceDeps, 'store' | 'clock'>, input: AnnotateInput): Promise<Invoice> {
  const fields = ANNOTATION_FIELDS.filter((name) => name in input.patch);
  for (const name of fields) {
    const value = input.patch[name];
    if (value !== null && (typeof value !== 'string' || value.length > MAX_ANNOTATION_CHARS)) {
      throw new ValidationError(`${name} is at most ${MAX_ANNOTATION_CHARS} characters`, [{ path: name, message: `at most ${MAX_ANNOTATION_CHARS} characters` }]);
    }
  }
  for (let attempt = 1; ; attempt++) {
    const invoice = await loadInvoice(deps.store, input.id);
    if (invoice.status !== InvoiceStatus.DRAFT) throw new ConflictError(`invoice ${input.id} is ${invoice.status} and can no longer change`, 'invoice_immutable');
    assertInvoiceLock(invoice, input.expectedVersion);
    const at = deps.clock.now().toISOString();
    const next: Invoice = { ...invoice, version: invoice.version + 1, updatedAt: at, actor: input.actor };
    for (const name of fields) next[name] = input.patch[name] ?? null;
    try {
      await deps.store.commit({ kind: 'ANNOTATION', from: invoice, next, fields });
      return next;
    } catch (error) {
      if (!(error instanceof ConflictError) || error.code !== 'concurrent_update') throw error;
      // Without If-Match a concurrent annotation is not the caller's concern: apply on top of it.
      if (input.expectedVersion !== undefined || attempt >= ATTEMPTS) {
        const current = await loadInvoice(deps.store, input.id);
        if (current.status !== InvoiceStatus.DRAFT) throw new ConflictError(`invoice ${input.id} is ${current.status} and can no longer change`, 'invoice_immutable', { cause: error });
        throw new PreconditionFailedError();
      }
    }
  }
}
