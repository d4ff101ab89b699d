/**
 * An in-memory InvoiceStore with the table adapter's conditions: a run's items must not exist, a
 * status change needs the stored status and version it was decided on, the counter the value it
 * was read at. Reads yield to the event loop, so concurrent use cases interleave as they would
 * against DynamoDB.
 */
import { ConflictError } from '../../../shared/domain/kernel/errors';
import { INVOICE_TRANSITIONS, InvoiceStatus, type Invoice } from '../../../shared/domain/invoices/invoice';
import type { NumberSequence } from '../../../shared/domain/invoices/numbering';
import { TRANSITION_FIELDS, type InvoiceChange, type InvoiceStore, type PayoutLookup, type PayoutRecord, type RunRecord } from '../../../shared/domain/invoices/store';

const tick = () => new Promise((resolve) => setImmediate(resolve));
const conflict = () => new ConflictError('condition failed', 'concurrent_update');

export class MemoryInvoiceStore implements InvoiceStore, PayoutLookup {
  readonly invoices = new Map<string, Invoice>();
  readonly runs = new Map<string, RunRecord>();
  readonly payouts: PayoutRecord[] = [];
  readonly counters = new Map<string, { value: number; lastDocumentId: string }>();
  commits = 0;
  cancelled = 0;

  async getInvoice(id: string) {
    await tick();
    const found = this.invoices.get(id);
    return found ? structuredClone(found) : undefined;
  }

  async getRunRecord(contractId: string, period: string, runSeq: number) {
    await tick();
    const found = this.runs.get(`${contractId}\n${period}\n${runSeq}`);
    return found ? structuredClone(found) : undefined;
  }

  async getRunRecordOf(invoice: Pick<Invoice, 'id' | 'contractId' | 'period' | 'runSeq' | 'reissueOf'>) {
    await tick();
    const found = this.runs.get(this.runKeyOf(invoice));
    return found ? structuredClone(found) : undefined;
  }

  private runKeyOf(invoice: Pick<Invoice, 'id' | 'contractId' | 'period' | 'runSeq' | 'reissueOf'>) {
    return `${invoice.contractId}\n${invoice.period}\n${invoice.runSeq}${invoice.reissueOf ? `\nreissue\n${invoice.id}` : ''}`;
  }

  async readCounter(sequence: NumberSequence, year: number) {
    await tick();
    return this.counters.get(`${sequence}-${year}`)?.value ?? 0;
  }

  async listPartnerPayouts(partnerId: string, period: string) {
    return this.payouts.filter((p) => p.partnerId === partnerId && p.period === period && !(p as { discarded?: boolean }).discarded).map((p) => ({ ...p }));
  }

  async commit(change: InvoiceChange) {
    await tick();
    try {
      this.apply(change);
      this.commits++;
    } catch (error) {
      this.cancelled++;
      throw error;
    }
  }

  private apply(change: InvoiceChange) {
    switch (change.kind) {
      case 'RUN_INVOICED': {
        const runKey = `${change.run.contractId}\n${change.run.period}\n${change.run.runSeq}`;
        if (this.runs.has(runKey) || this.invoices.has(change.invoice.id)) throw conflict();
        this.runs.set(runKey, structuredClone(change.run));
        this.invoices.set(change.invoice.id, structuredClone(change.invoice));
        this.payouts.push(...structuredClone(change.payouts));
        return;
      }
      case 'TRANSITION': {
        const stored = this.invoices.get(change.from.id);
        const allowed = Object.values(INVOICE_TRANSITIONS).some((r) => r.from === change.from.status && r.to === change.next.status);
        if (!allowed || !stored || stored.status !== change.from.status || stored.version !== change.from.version) throw conflict();
        if (stored.status === InvoiceStatus.DRAFT && stored.number !== null) throw conflict();
        if (change.creditNote && this.invoices.has(change.creditNote.id)) throw conflict();
        const { sequence, year, previous, documentId } = change.numberTaken;
        const counterKey = `${sequence}-${year}`;
        if ((this.counters.get(counterKey)?.value ?? 0) !== previous) throw conflict();
        const next: Invoice = { ...stored };
        for (const field of TRANSITION_FIELDS) if (change.next[field] !== undefined) (next as unknown as Record<string, unknown>)[field] = change.next[field];
        this.invoices.set(stored.id, next);
        if (change.creditNote) this.invoices.set(change.creditNote.id, structuredClone(change.creditNote));
        this.counters.set(counterKey, { value: previous + 1, lastDocumentId: documentId });
        return;
      }
      case 'DISCARD': {
        const stored = this.invoices.get(change.from.id);
        if (!stored || stored.status !== InvoiceStatus.DRAFT || stored.version !== change.from.version || change.next.status !== InvoiceStatus.DISCARDED) throw conflict();
        const run = this.runs.get(this.runKeyOf(stored));
        if (!run) throw conflict();
        const voided = stored.reissueOf ? this.invoices.get(stored.reissueOf) : undefined;
        const voidedRun = voided ? this.runs.get(this.runKeyOf(voided)) : undefined;
        if (stored.reissueOf && voidedRun?.replacedBy !== stored.id) throw conflict();
        const next: Invoice = { ...stored };
        for (const field of TRANSITION_FIELDS) if (change.next[field] !== undefined) (next as unknown as Record<string, unknown>)[field] = change.next[field];
        this.invoices.set(stored.id, next);
        run.discarded = true;
        if (voidedRun) delete voidedRun.replacedBy;
        if (!stored.reissueOf) for (const p of this.payouts) if (p.invoiceId === stored.id) (p as PayoutRecord & { discarded?: boolean }).discarded = true;
        return;
      }
      case 'REISSUE': {
        const voided = this.invoices.get(change.voided.id);
        const voidedRun = voided ? this.runs.get(this.runKeyOf(voided)) : undefined;
        if (!voided || voided.status !== InvoiceStatus.VOID || !voidedRun || voidedRun.replacedBy || this.invoices.has(change.invoice.id)) throw conflict();
        const key = this.runKeyOf(change.invoice);
        if (this.runs.has(key)) throw conflict();
        this.invoices.set(change.invoice.id, structuredClone(change.invoice));
        this.runs.set(key, structuredClone(change.run));
        voidedRun.replacedBy = change.invoice.id;
        return;
      }
      case 'PAYMENT': {
        const stored = this.invoices.get(change.from.id);
        if (!stored || stored.status !== InvoiceStatus.FINALIZED || stored.version !== change.from.version) throw conflict();
        this.invoices.set(stored.id, { ...stored, payments: structuredClone(change.next.payments), amountPaid: change.next.amountPaid, version: change.next.version, updatedAt: change.next.updatedAt, actor: change.next.actor });
        return;
      }
      case 'ANNOTATION': {
        const stored = this.invoices.get(change.from.id);
        if (!stored || stored.status !== InvoiceStatus.DRAFT || stored.version !== change.from.version) throw conflict();
        const next: Invoice = { ...stored, version: change.next.version, updatedAt: change.next.updatedAt, actor: change.next.actor };
        for (const field of change.fields) next[field] = change.next[field] ?? null;
        this.invoices.set(stored.id, next);
      }
    }
  }
}
