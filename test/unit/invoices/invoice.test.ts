import { describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../../shared/domain/kernel/errors';
import {
  buildCreditNote, buildRunInvoice, INVOICE_TRANSITIONS, InvoiceKind, InvoiceStatus, MAX_EXPLANATION_CHARS, transition, type Invoice,
} from '../../../shared/domain/invoices/invoice';
import { formatDocumentNumber, NumberSequence, numberingYear, parseDocumentNumber, sequenceOf } from '../../../shared/domain/invoices/numbering';
import { contract, january, januaryRerun } from './fixtures';

const at = '2027-02-03T01:00:00.000Z';
const draft = (rated = january): Invoice => buildRunInvoice({ id: 'inv-1', runId: 'run-1', runSeq: 1, contract, rated, actor: 'system:billing-run', at });

describe('buildRunInvoice', () => {
  it('copies lines with explanations, totals, currency, period and run identity', () => {
    const inv = draft();
    expect(inv).toMatchObject({
      kind: InvoiceKind.INVOICE, status: InvoiceStatus.DRAFT, number: null, contractId: 'c-1', advertiserId: 'adv-1',
      currency: 'USD', period: '2027-01', runId: 'run-1', runSeq: 1, subtotal: '15532.09', total: '13202.28', version: 1,
    });
    expect(inv.lines.map((l) => [l.lineNo, l.type, l.chargeId, l.version, l.quantity, l.amount])).toEqual([
      [1, 'USAGE', 'ctv-premium', 1, '1234567', '15432.09'],
      [2, 'USAGE', 'purchase', 1, '4', '100.00'],
      [3, 'AGENCY_COMMISSION', undefined, undefined, '0', '-2329.81'],
    ]);
    expect(inv.lines[0]!.explanation).toMatchObject({ kind: 'CPM_USAGE', amount: '15432.09' });
    expect(inv.partnerPayouts).toHaveLength(2);
  });

  it('makes a re-run an ADJUSTMENT invoice whose subtotal leaves out commission adjustments', () => {
    const inv = draft(januaryRerun);
    expect(inv.kind).toBe(InvoiceKind.ADJUSTMENT);
    expect(inv.lines[0]).toMatchObject({ type: 'ADJUSTMENT', adjusts: 'USAGE', quantity: '-2', amount: '-50.00' });
    expect([inv.subtotal, inv.total]).toEqual(['-50.00', '-42.50']);
  });

  it('caps long explanations so the invoice fits one item', () => {
    const long = { ...january, lines: january.lines.map((l) => ({ ...l, explanation: { kind: 'CPM_USAGE', note: 'x'.repeat(50_000) } })) };
    const inv = draft(long);
    for (const l of inv.lines) {
      expect(l.explanation).toMatchObject({ kind: 'CPM_USAGE', truncated: true });
      expect(JSON.stringify(l.explanation).length).toBeLessThanOrEqual(MAX_EXPLANATION_CHARS);
    }
    expect(draft().lines[0]!.explanation).toEqual(january.lines[0]!.explanation);
  });

  it('refuses totals that disagree with the lines, a foreign currency, and amounts with too many digits', () => {
    expect(() => draft({ ...january, total: '13202.29' })).toThrow(ValidationError);
    expect(() => draft({ ...january, subtotal: '13202.28' })).toThrow(/subtotal/);
    expect(() => draft({ ...january, currency: 'EUR' })).toThrow(/currency/);
    expect(() => draft({ ...january, lines: [{ type: 'USAGE', quantity: '1', amount: '1.005' }], subtotal: '1.005', total: '1.005' })).toThrow(ValidationError);
  });
});

describe('invoice transitions', () => {
  it('has one table: DRAFT -> FINALIZED -> VOID, credit notes neither', () => {
    expect(INVOICE_TRANSITIONS.finalize).toMatchObject({ from: 'DRAFT', to: 'FINALIZED' });
    expect(INVOICE_TRANSITIONS.void).toMatchObject({ from: 'FINALIZED', to: 'VOID' });
    const inv = draft();
    expect(transition(inv, 'finalize')).toBe('FINALIZED');
    expect(() => transition(inv, 'void')).toThrow(ConflictError);
    expect(transition({ ...inv, status: 'FINALIZED' }, 'void')).toBe('VOID');
    expect(() => transition({ ...inv, status: 'FINALIZED' }, 'finalize')).toThrow(/illegal|needs DRAFT/);
    expect(() => transition({ ...inv, status: 'VOID' }, 'void')).toThrow(ConflictError);
    expect(() => transition({ ...inv, kind: 'CREDIT_NOTE', status: 'FINALIZED' }, 'void')).toThrow(/CREDIT_NOTE/);
  });

  it('keeps the code stable for the HTTP mapping', () => {
    try {
      transition(draft(), 'void');
    } catch (e) {
      expect((e as ConflictError).code).toBe('illegal_transition');
    }
  });
});

describe('buildCreditNote', () => {
  it('negates the full amount line by line and references the voided invoice', () => {
    const finalized: Invoice = { ...draft(), status: 'FINALIZED', number: 'INV-2027-000042', finalizedAt: at };
    const cn = buildCreditNote(finalized, { id: 'cn-1', number: 'CN-2027-000003', reason: 'wrong advertiser', actor: 'fin', at });
    expect(cn).toMatchObject({
      kind: 'CREDIT_NOTE', status: 'FINALIZED', number: 'CN-2027-000003', creditsInvoiceId: 'inv-1', creditsInvoiceNumber: 'INV-2027-000042',
      subtotal: '-15532.09', total: '-13202.28', currency: 'USD', period: '2027-01', partnerPayouts: [],
    });
    expect(cn.lines.map((l) => [l.quantity, l.amount])).toEqual([['-1234567', '-15432.09'], ['-4', '-100.00'], ['0', '2329.81']]);
  });

  it('is refused for an invoice that is not FINALIZED', () => {
    expect(() => buildCreditNote(draft(), { id: 'cn', number: 'CN-2027-000001', reason: 'r', actor: 'a', at })).toThrow(ConflictError);
  });
});

describe('document numbers', () => {
  it('formats INV and CN numbers per year with six digits', () => {
    expect(formatDocumentNumber(NumberSequence.INVOICE, 2027, 42)).toBe('INV-2027-000042');
    expect(formatDocumentNumber(NumberSequence.CREDIT_NOTE, 2027, 3)).toBe('CN-2027-000003');
    expect(formatDocumentNumber('INV', 2027, 1_234_567)).toBe('INV-2027-1234567');
    expect(() => formatDocumentNumber('INV', 2027, 0)).toThrow(ValidationError);
    expect(parseDocumentNumber('CN-2027-000003')).toEqual({ sequence: 'CN', year: 2027, seq: 3 });
    expect(parseDocumentNumber('INV-27-1')).toBeNull();
  });

  it('numbers adjustments with invoices and credit notes on their own sequence, by UTC year of issue', () => {
    expect(sequenceOf('INVOICE')).toBe('INV');
    expect(sequenceOf('ADJUSTMENT')).toBe('INV');
    expect(sequenceOf('CREDIT_NOTE')).toBe('CN');
    expect(numberingYear('2027-12-31T23:59:59Z')).toBe(2027);
  });
});
