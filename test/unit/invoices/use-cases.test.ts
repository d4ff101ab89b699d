/** The invoice use cases against an in-memory store: run writes, numbering, finalize, void, annotations, partner statements. */
import Big from 'big.js';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../../../shared/domain/kernel/errors';
import { writeRunInvoice } from '../../../shared/domain/invoices/write-run-invoice';
import { finalizeInvoice } from '../../../shared/domain/invoices/finalize-invoice';
import { voidInvoice } from '../../../shared/domain/invoices/void-invoice';
import { annotateDraft } from '../../../shared/domain/invoices/annotate-draft';
import { partnerStatement, partnerStatementOf } from '../../../shared/domain/invoices/partner-statement';
import { creditNoteIdFor, runInvoiceId } from '../../../shared/domain/invoices/ids';
import { MAX_NUMBERING_ATTEMPTS } from '../../../shared/domain/invoices/deps';
import type { PayoutRecord } from '../../../shared/domain/invoices/store';
import { MemoryInvoiceStore } from './memory-store';
import { january, januaryRerun } from './fixtures';

let store: MemoryInvoiceStore;
const clock = fixedClock('2027-02-05T09:00:00.000Z');
const noWait = async () => undefined;
const deps = () => ({ store, clock, backoff: noWait });
const contractOf = (id: string) => ({ id, advertiserId: 'adv-1', currency: 'USD' });
const write = (contractId: string, runSeq = 1, runId = `run-${runSeq}`, rated = runSeq === 1 ? january : januaryRerun) =>
  writeRunInvoice({ store }, { runId, runSeq, contract: contractOf(contractId), rated, actor: 'system:billing-run', at: '2027-02-03T01:00:00.000Z' });

beforeEach(() => {
  store = new MemoryInvoiceStore();
  clock.set('2027-02-05T09:00:00.000Z');
});

describe('writeRunInvoice', () => {
  it('writes the run record, the DRAFT invoice and one payout record per partner and charge, once', async () => {
    const first = await write('c-1');
    expect(first).toEqual({ invoiceId: runInvoiceId('c-1', '2027-01', 1), created: true, kind: 'INVOICE', currency: 'USD', total: '13202.28' });
    expect(await write('c-1')).toEqual({ ...first, created: false });
    expect(store.commits).toBe(1);
    expect(store.payouts.map((p) => [p.partnerId, p.chargeId, p.amount, p.invoiceId])).toEqual([
      ['pub-7', 'ctv-premium', '7500.00', first.invoiceId],
      ['aff-3', 'purchase', '30.00', first.invoiceId],
    ]);
    expect(await store.getRunRecord('c-1', '2027-01', 1)).toMatchObject({ runId: 'run-1', kind: 'INVOICE', total: '13202.28', lines: [{ amount: '15432.09' }, { amount: '100.00' }, { amount: '-2329.81' }] });
  });

  it('five concurrent executions of the same step create one invoice and all answer its id', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => write('c-race')));
    expect(new Set(results.map((r) => r.invoiceId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(store.invoices.size).toBe(1);
  });

  it('refuses another run claiming a run number already invoiced', async () => {
    await write('c-claim', 1, 'run-a');
    await expect(write('c-claim', 1, 'run-b')).rejects.toMatchObject({ code: 'run_already_invoiced' });
  });
});

describe('finalizeInvoice', () => {
  it('takes gapless numbers when 25 invoices are finalized at once, and each number once', async () => {
    const ids = await Promise.all(Array.from({ length: 25 }, (_, i) => write(`c-${i}`).then((w) => w.invoiceId)));
    const finalized = await Promise.all(ids.map((id) => finalizeInvoice(deps(), { id, actor: 'fin-1' })));
    expect(finalized.map((f) => f.number).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `INV-2027-${String(i + 1).padStart(6, '0')}`));
    expect(store.cancelled).toBeGreaterThan(0);
    expect(store.counters.get('INV-2027')?.value).toBe(25);
    for (const f of finalized) expect(store.invoices.get(f.id)).toMatchObject({ status: 'FINALIZED', number: f.number, version: 2, finalizedAt: '2027-02-05T09:00:00.000Z', actor: 'fin-1' });
  });

  it('finalizes once: of two at once, one succeeds and the other is an illegal transition that takes no number', async () => {
    const { invoiceId } = await write('c-twice');
    const results = await Promise.allSettled([finalizeInvoice(deps(), { id: invoiceId, actor: 'a' }), finalizeInvoice(deps(), { id: invoiceId, actor: 'b' })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'illegal_transition' });
    expect(store.counters.get('INV-2027')?.value).toBe(1);
  });

  it('412 on a stale If-Match, 404 for an unknown invoice; numbers follow the year of issue', async () => {
    const { invoiceId } = await write('c-ver');
    await expect(finalizeInvoice(deps(), { id: invoiceId, actor: 'f', expectedVersion: 7 })).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(finalizeInvoice(deps(), { id: 'inv_missing', actor: 'f' })).rejects.toBeInstanceOf(NotFoundError);
    clock.set('2028-01-01T00:00:00.000Z');
    await expect(finalizeInvoice(deps(), { id: invoiceId, actor: 'f', expectedVersion: 1 })).resolves.toMatchObject({ number: 'INV-2028-000001' });
  });

  it('gives up with numbering_contention when the counter moves on every attempt, having written nothing', async () => {
    const { invoiceId } = await write('c-busy');
    const read = store.readCounter.bind(store);
    // Another document always takes the number between this read and this commit.
    store.readCounter = async (sequence, year) => {
      const value = await read(sequence, year);
      store.counters.set(`${sequence}-${year}`, { value: value + 1, lastDocumentId: 'other' });
      return value;
    };
    const error = await finalizeInvoice(deps(), { id: invoiceId, actor: 'f' }).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.code).toBe('numbering_contention');
    expect(store.cancelled).toBe(MAX_NUMBERING_ATTEMPTS);
    expect(store.invoices.get(invoiceId)).toMatchObject({ status: 'DRAFT', number: null, version: 1 });
  });
});

describe('voidInvoice', () => {
  it('voids a FINALIZED invoice and issues its FINALIZED credit note with the next CN number', async () => {
    const { invoiceId } = await write('c-void');
    await expect(voidInvoice(deps(), { id: invoiceId, actor: 'fin', reason: 'wrong party' })).rejects.toMatchObject({ code: 'illegal_transition' });
    const finalized = await finalizeInvoice(deps(), { id: invoiceId, actor: 'fin' });
    const { invoice, creditNote } = await voidInvoice(deps(), { id: invoiceId, actor: 'fin-2', reason: '  wrong party ', expectedVersion: finalized.version });
    expect(invoice).toMatchObject({ status: 'VOID', number: finalized.number, creditNoteId: creditNoteIdFor(invoiceId), voidReason: 'wrong party', version: 3 });
    expect(creditNote).toMatchObject({ id: creditNoteIdFor(invoiceId), kind: 'CREDIT_NOTE', status: 'FINALIZED', number: 'CN-2027-000001', creditsInvoiceId: invoiceId, total: '-13202.28' });
    expect(store.invoices.get(invoiceId)!.lines).toEqual(finalized.lines);
    await expect(voidInvoice(deps(), { id: creditNote.id, actor: 'fin', reason: 'x' })).rejects.toMatchObject({ code: 'illegal_transition' });
    await expect(voidInvoice(deps(), { id: invoiceId, actor: 'fin', reason: ' ' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('two voids of each of 8 invoices at once: one void each, credit-note numbers gapless', async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => write(`c-cv-${i}`).then((w) => w.invoiceId)));
    for (const id of ids) await finalizeInvoice(deps(), { id, actor: 'fin' });
    const results = await Promise.allSettled(ids.flatMap((id) => [voidInvoice(deps(), { id, actor: 'a', reason: 'dup' }), voidInvoice(deps(), { id, actor: 'b', reason: 'dup' })]));
    const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(ok).toHaveLength(8);
    expect(ok.map((v) => v.creditNote.number).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `CN-2027-${String(i + 1).padStart(6, '0')}`));
  });
});

describe('annotateDraft', () => {
  it('changes a DRAFT\'s memo; a FINALIZED invoice is immutable; a stale If-Match is a 412', async () => {
    const { invoiceId } = await write('c-memo');
    await expect(annotateDraft(deps(), { id: invoiceId, patch: { memo: 'PO pending' }, actor: 'ops' })).resolves.toMatchObject({ memo: 'PO pending', version: 2 });
    await expect(annotateDraft(deps(), { id: invoiceId, patch: { purchaseOrder: 'x' }, actor: 'ops', expectedVersion: 1 })).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(annotateDraft(deps(), { id: invoiceId, patch: { memo: 'x'.repeat(1001) }, actor: 'ops' })).rejects.toBeInstanceOf(ValidationError);
    await finalizeInvoice(deps(), { id: invoiceId, actor: 'fin' });
    await expect(annotateDraft(deps(), { id: invoiceId, patch: { memo: 'late' }, actor: 'ops' })).rejects.toMatchObject({ code: 'invoice_immutable' });
    expect(store.invoices.get(invoiceId)).toMatchObject({ memo: 'PO pending', status: 'FINALIZED' });
  });
});

describe('partner statements', () => {
  it('sum the first run\'s payout and every re-run\'s change per contract and charge', async () => {
    await write('c-stmt', 1);
    await write('c-stmt', 2);
    const statement = await partnerStatement({ payouts: store }, 'aff-3', '2027-01');
    expect(statement.lines).toEqual([
      expect.objectContaining({ contractId: 'c-stmt', chargeId: 'purchase', amount: '10.00', runs: [expect.objectContaining({ runSeq: 1, amount: '30.00' }), expect.objectContaining({ runSeq: 2, amount: '-20.00' })] }),
    ]);
    expect(statement.totals).toEqual([{ currency: 'USD', amount: '10.00' }]);
  });

  it('property: each line is the exact sum of its records and the totals the sum of the lines, per currency', () => {
    const record = fc.record({
      contractId: fc.constantFrom('c1', 'c2', 'c3'),
      chargeId: fc.constantFrom('a', 'b'),
      currency: fc.constantFrom('USD', 'JPY'),
      runSeq: fc.integer({ min: 1, max: 5 }),
      cents: fc.integer({ min: -10_000_000, max: 10_000_000 }),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 40 }), (raw) => {
        const records: PayoutRecord[] = raw.map((r) => ({
          partnerId: 'p', contractId: r.contractId, advertiserId: 'adv', chargeId: r.chargeId, period: '2027-01', runId: `run-${r.runSeq}`, runSeq: r.runSeq,
          invoiceId: 'inv', currency: r.currency, amount: r.currency === 'JPY' ? String(r.cents) : new Big(r.cents).div(100).toFixed(2),
        }));
        // Keep one currency per contract, as a contract bills in one.
        const usable = records.filter((r) => (r.contractId === 'c1' ? r.currency === 'USD' : r.contractId === 'c2' ? r.currency === 'JPY' : r.currency === 'USD'));
        const statement = partnerStatementOf('p', '2027-01', usable);
        for (const line of statement.lines) {
          const mine = usable.filter((r) => r.contractId === line.contractId && r.chargeId === line.chargeId);
          expect(new Big(line.amount).eq(mine.reduce((s, r) => s.plus(r.amount), new Big(0)))).toBe(true);
          expect(line.runs.map((r) => r.runSeq)).toEqual([...line.runs.map((r) => r.runSeq)].sort((a, b) => a - b));
        }
        for (const total of statement.totals) {
          const sum = statement.lines.filter((l) => l.currency === total.currency).reduce((s, l) => s.plus(l.amount), new Big(0));
          expect(new Big(total.amount).eq(sum)).toBe(true);
        }
        expect(statement.lines.reduce((n, l) => n + l.runs.length, 0)).toBe(usable.length);
      }),
    );
  });
});
