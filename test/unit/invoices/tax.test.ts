/** Tax on invoice documents: the TAX line, its rounding, re-runs, credit notes, the journal, and what re-runs compare against. */
import { describe, expect, it } from 'vitest';
import { computeTax, taxAmountOf } from '../../../shared/domain/invoices/tax';
import { buildCreditNote, buildRunInvoice, type Invoice } from '../../../shared/domain/invoices/invoice';
import { assertBalanced, journalFor } from '../../../shared/domain/invoices/journal';
import { toPriorRuns } from '../../../shared/domain/invoices/prior-runs';
import { writeRunInvoice } from '../../../shared/domain/invoices/write-run-invoice';
import { buildPeriodExport } from '../../../shared/domain/exports/finance-export';
import type { BillingProfile } from '../../../shared/domain/contracts/store';
import { ValidationError } from '../../../shared/domain/kernel/errors';
import { MemoryInvoiceStore } from './memory-store';
import { contract, january, januaryRerun } from './fixtures';

const profile = (tax: BillingProfile['tax']): BillingProfile => ({
  legalName: 'Acme Streaming GmbH',
  address: { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
  taxId: 'DE123456789',
  tax,
  paymentTermsDays: 30,
  invoiceEmail: 'ap@acme.example',
});
const VAT20 = profile({ kind: 'RATE', ratePct: '20', label: 'VAT' });
const REVERSE = profile({ kind: 'REVERSE_CHARGE', note: 'Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC).' });
const EXEMPT = profile({ kind: 'EXEMPT' });

const build = (billTo: BillingProfile | null, rated = january, rounding: 'HALF_EVEN' | 'HALF_UP' = 'HALF_EVEN') =>
  buildRunInvoice({ id: 'inv-1', runId: 'run-1', runSeq: rated.isRerun ? 2 : 1, contract: { ...contract, rounding }, rated, billTo, actor: 'sys', at: '2027-02-03T00:00:00Z' });

const finalized = (inv: Invoice): Invoice => ({ ...inv, status: 'FINALIZED', number: 'INV-2027-000001' });

describe('tax amount', () => {
  it('is the rate of the taxable total, rounded once to the minor units', () => {
    // 13202.28 x 20% = 2640.456 -> 2640.46
    expect(taxAmountOf('13202.28', '20', 'USD', 'HALF_EVEN')).toBe('2640.46');
    // 1001 JPY x 10% = 100.1 -> 100 (no minor units)
    expect(taxAmountOf('1001', '10', 'JPY', 'HALF_UP')).toBe('100');
    // 10.005 KWD x 5% = 0.50025 -> 0.500 (three minor units)
    expect(taxAmountOf('10.005', '5', 'KWD', 'HALF_UP')).toBe('0.500');
    // 7.5% of 99.99 = 7.49925 -> 7.50
    expect(taxAmountOf('99.99', '7.5', 'USD', 'HALF_EVEN')).toBe('7.50');
  });

  it("takes the contract's rounding mode on a tie, symmetric for negative taxable totals", () => {
    // 0.25 x 10% = 0.025: HALF_EVEN -> 0.02, HALF_UP -> 0.03
    expect(taxAmountOf('0.25', '10', 'USD', 'HALF_EVEN')).toBe('0.02');
    expect(taxAmountOf('0.25', '10', 'USD', 'HALF_UP')).toBe('0.03');
    expect(taxAmountOf('-0.25', '10', 'USD', 'HALF_EVEN')).toBe('-0.02');
    expect(taxAmountOf('-0.25', '10', 'USD', 'HALF_UP')).toBe('-0.03');
    expect(taxAmountOf('0.00', '20', 'USD', 'HALF_UP')).toBe('0.00');
    expect(taxAmountOf('-0.01', '20', 'USD', 'HALF_UP')).toBe('0.00');
  });

  it('refuses a rate that is not a percentage or an amount with too many digits', () => {
    expect(() => taxAmountOf('10.00', '100.5', 'USD', 'HALF_UP')).toThrow(ValidationError);
    expect(() => taxAmountOf('10.00', '-5', 'USD', 'HALF_UP')).toThrow(ValidationError);
    expect(() => taxAmountOf('10.001', '5', 'USD', 'HALF_UP')).toThrow(ValidationError);
  });

  it('has no line and no record when exempt or without a profile', () => {
    expect(computeTax('100.00', { kind: 'EXEMPT' }, 'USD', 'HALF_UP')).toEqual({ tax: null, line: null });
    expect(computeTax('100.00', null, 'USD', 'HALF_UP')).toEqual({ tax: null, line: null });
  });
});

describe('the TAX line on an invoice', () => {
  it('RATE: one TAX line last, on the total after commission; the total includes it', () => {
    const inv = build(VAT20);
    expect(inv.lines.map((l) => l.type)).toEqual(['USAGE', 'USAGE', 'AGENCY_COMMISSION', 'TAX']);
    const tax = inv.lines[3]!;
    // taxable = 15432.09 + 100.00 - 2329.81 = 13202.28; 20% = 2640.456 -> 2640.46
    expect(tax).toMatchObject({ lineNo: 4, type: 'TAX', quantity: '1', amount: '2640.46' });
    expect(tax.explanation).toEqual({ kind: 'TAX', taxKind: 'RATE', label: 'VAT', ratePct: '20', note: null, taxableAmount: '13202.28' });
    expect(inv.subtotal).toBe('15532.09');
    expect(inv.taxableTotal).toBe('13202.28');
    expect(inv.tax).toEqual({ kind: 'RATE', label: 'VAT', ratePct: '20', note: null, taxableAmount: '13202.28', amount: '2640.46' });
    // 13202.28 + 2640.46
    expect(inv.total).toBe('15842.74');
    expect(inv.billTo).toEqual(VAT20);
  });

  it('REVERSE_CHARGE: a zero TAX line carrying the legal note; the total is the taxable total', () => {
    const inv = build(REVERSE);
    expect(inv.lines.at(-1)).toMatchObject({ type: 'TAX', amount: '0.00', explanation: { taxKind: 'REVERSE_CHARGE', note: REVERSE.tax.kind === 'REVERSE_CHARGE' ? REVERSE.tax.note : '' } });
    expect(inv.tax).toMatchObject({ kind: 'REVERSE_CHARGE', label: 'Reverse charge', amount: '0.00', taxableAmount: '13202.28' });
    expect(inv.total).toBe('13202.28');
  });

  it('EXEMPT and no billing profile: no TAX line, tax null, total unchanged', () => {
    for (const billTo of [EXEMPT, null]) {
      const inv = build(billTo);
      expect(inv.lines.map((l) => l.type)).toEqual(['USAGE', 'USAGE', 'AGENCY_COMMISSION']);
      expect(inv.tax).toBeNull();
      expect(inv.taxableTotal).toBe('13202.28');
      expect(inv.total).toBe('13202.28');
    }
  });

  it("a re-run's ADJUSTMENT invoice is taxed on its own (negative) taxable total", () => {
    const adj = build(VAT20, januaryRerun);
    // taxable = -50.00 + 7.50 = -42.50; 20% = -8.50
    expect(adj.kind).toBe('ADJUSTMENT');
    expect(adj.lines.at(-1)).toMatchObject({ type: 'TAX', amount: '-8.50' });
    expect(adj.total).toBe('-51.00');
    // first run and re-run together: the tax of the combined taxable total (13159.78 x 20% = 2631.956 -> 2631.96)
    // equals the sum of each document's tax (2640.46 - 8.50) here; each document is rounded on its own.
    expect(taxAmountOf('13159.78', '20', 'USD', 'HALF_EVEN')).toBe('2631.96');
  });

  it('a document with no rated line (a re-run that changed nothing) gets no TAX line', () => {
    const empty = build(VAT20, { ...januaryRerun, lines: [], subtotal: '0.00', total: '0.00', partnerPayoutsByCharge: [] });
    expect(empty.lines).toEqual([]);
    expect(empty.tax).toBeNull();
    expect(empty.total).toBe('0.00');
  });

  it('a credit note negates the TAX line, the taxable total and the tax; invoice and credit note cancel', () => {
    const inv = finalized(build(VAT20));
    const cn = buildCreditNote(inv, { id: 'cn-1', number: 'CN-2027-000001', reason: 'wrong party', actor: 'f', at: '2027-03-01T00:00:00Z' });
    expect(cn.lines.at(-1)).toMatchObject({ type: 'TAX', quantity: '-1', amount: '-2640.46' });
    expect(cn.taxableTotal).toBe('-13202.28');
    expect(cn.tax).toMatchObject({ kind: 'RATE', amount: '-2640.46', taxableAmount: '-13202.28' });
    expect(cn.total).toBe('-15842.74');
    expect(cn.billTo).toEqual(VAT20);
  });
});

describe('tax in the journal', () => {
  it('credits tax payable with the TAX line; receivables carry the total; balanced', () => {
    const inv = build(VAT20);
    const journal = journalFor(inv);
    expect(journal.find((l) => l.accountCode === '1200')).toMatchObject({ debit: '15842.74', credit: '0.00' });
    expect(journal.filter((l) => l.accountCode === '2200')).toEqual([expect.objectContaining({ accountName: 'Tax payable', debit: '0.00', credit: '2640.46', memo: 'line 4 TAX' })]);
    // Dr 15842.74 receivables + 2329.81 commission + 7530.00 partner cost
    // Cr 15532.09 revenue + 2640.46 tax + 7530.00 partner payables
    expect(assertBalanced(journal)).toEqual([{ currency: 'USD', debit: '25702.55', credit: '25702.55' }]);
  });

  it('a credit note debits tax payable back; a reverse-charge zero line posts nothing', () => {
    const inv = finalized(build(VAT20));
    const cn = buildCreditNote(inv, { id: 'cn-1', number: 'CN-2027-000001', reason: 'r', actor: 'f', at: '2027-03-01T00:00:00Z' });
    expect(journalFor(cn).filter((l) => l.accountCode === '2200')).toEqual([expect.objectContaining({ debit: '2640.46', credit: '0.00' })]);
    expect(journalFor(build(REVERSE)).some((l) => l.accountCode === '2200')).toBe(false);
    expect(() => assertBalanced([...journalFor(inv), ...journalFor(cn)])).not.toThrow();
  });

  it('the period export carries the taxable total and the tax per document and stays balanced', () => {
    const exp = buildPeriodExport('2027-01', [build(VAT20), { ...build(null), id: 'inv-2', contractId: 'c-2' }]);
    const csv = exp.files.find((f) => f.name === 'invoices.csv')!.body.trim().split(/\r?\n/);
    expect(csv[0]).toMatch(/,taxableTotal,taxLabel,taxAmount$/);
    expect(csv[1]).toMatch(/,13202\.28,VAT,2640\.46$/);
    expect(csv[2]).toMatch(/,13202\.28,,$/);
    expect(exp.files.find((f) => f.name === 'invoice-lines.jsonl')!.body).toContain('"type":"TAX"');
  });
});

describe('re-runs never see the TAX line', () => {
  it('the run record keeps only rated lines, and prior runs leave TAX lines out', async () => {
    const store = new MemoryInvoiceStore();
    await writeRunInvoice({ store }, { runId: 'run-1', runSeq: 1, contract: { ...contract, rounding: 'HALF_EVEN' }, rated: january, billTo: VAT20, actor: 'sys', at: '2027-02-03T00:00:00Z' });
    const record = await store.getRunRecord(contract.id, '2027-01', 1);
    expect(record!.lines.map((l) => l.type)).toEqual(['USAGE', 'USAGE', 'AGENCY_COMMISSION']);
    expect(record!.total).toBe('15842.74');
    const [invoice] = [...store.invoices.values()];
    // Even a document whose lines include TAX (large invoices hand their own lines back) counts only rated lines.
    const prior = toPriorRuns([{ kind: invoice!.kind, period: invoice!.period, lines: invoice!.lines, partnerPayouts: invoice!.partnerPayouts }]);
    expect(prior.lines.map((l) => l.type)).toEqual(['USAGE', 'USAGE', 'AGENCY_COMMISSION']);
  });
});
