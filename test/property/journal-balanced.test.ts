/**
 * Any set of invoice documents — first runs, re-runs with negative adjustments, commission
 * lines, partner payouts, credit notes of voided invoices, in several currencies — yields a
 * journal whose debits equal its credits in every currency; a document whose stored total
 * disagrees with its lines is refused.
 */
import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minorUnits } from '../../shared/domain/kernel/currencies';
import { buildCreditNote, buildRunInvoice, type Invoice, type RatedLineInput } from '../../shared/domain/invoices/invoice';
import { assertBalanced, journalFor, journalOf, JournalUnbalancedError } from '../../shared/domain/invoices/journal';

const currencies = ['USD', 'JPY', 'KWD', 'EUR'] as const;

const amount = (currency: string) =>
  fc.bigInt({ min: -10_000_000_000n, max: 10_000_000_000n }).map((minor) => new Big(minor.toString()).div(10 ** minorUnits(currency)).toFixed(minorUnits(currency)));

const line = (currency: string): fc.Arbitrary<RatedLineInput> =>
  fc.record({
    type: fc.constantFrom('USAGE', 'CAP_ADJUSTMENT', 'MINIMUM_TRUE_UP', 'AGENCY_COMMISSION', 'ADJUSTMENT'),
    adjusts: fc.constantFrom('USAGE', 'AGENCY_COMMISSION', 'MINIMUM_TRUE_UP'),
    chargeId: fc.constantFrom('ctv', 'purchase'),
    quantity: fc.integer({ min: -1000, max: 1_000_000 }).map(String),
    amount: amount(currency),
  }).map((l) => (l.type === 'ADJUSTMENT' ? l : { ...l, adjusts: undefined }));

const sum = (values: string[], currency: string) => values.reduce((a, v) => a.plus(v), new Big(0)).toFixed(minorUnits(currency));

const document = fc.constantFrom(...currencies).chain((currency) =>
  fc.record({
    currency: fc.constant(currency),
    isRerun: fc.boolean(),
    lines: fc.array(line(currency), { maxLength: 12 }),
    payouts: fc.array(fc.record({ partnerId: fc.constantFrom('p1', 'p2'), chargeId: fc.constantFrom('ctv', 'purchase'), amount: amount(currency) }), { maxLength: 4 }),
    voided: fc.boolean(),
  }),
);

function toDocuments(spec: { currency: string; isRerun: boolean; lines: RatedLineInput[]; payouts: { partnerId: string; chargeId: string; amount: string }[]; voided: boolean }, i: number): Invoice[] {
  const { currency } = spec;
  const beforeCommission = spec.lines.filter((l) => l.type !== 'AGENCY_COMMISSION' && l.adjusts !== 'AGENCY_COMMISSION');
  const inv = buildRunInvoice({
    id: `i${i}`, runId: 'r', runSeq: 1, actor: 'sys', at: '2027-02-03T00:00:00Z',
    contract: { id: `c${i}`, advertiserId: 'a', currency },
    rated: {
      period: '2027-01', currency, isRerun: spec.isRerun, lines: spec.lines, flags: [], partnerPayoutsByCharge: spec.payouts,
      subtotal: sum(beforeCommission.map((l) => l.amount), currency), total: sum(spec.lines.map((l) => l.amount), currency),
    },
  });
  if (!spec.voided) return [inv];
  const finalized: Invoice = { ...inv, status: 'FINALIZED', number: `INV-2027-${String(i + 1).padStart(6, '0')}` };
  const cn = buildCreditNote(finalized, { id: `cn${i}`, number: `CN-2027-${String(i + 1).padStart(6, '0')}`, reason: 'r', actor: 'f', at: '2027-03-01T00:00:00Z' });
  return [{ ...finalized, status: 'VOID', creditNoteId: cn.id }, cn];
}

describe('journal', () => {
  it('balances debits and credits per currency for any set of documents', () => {
    fc.assert(
      fc.property(fc.array(document, { maxLength: 8 }), (specs) => {
        const docs = specs.flatMap(toDocuments);
        const journal = journalOf(docs);
        for (const b of assertBalanced(journal)) expect(new Big(b.debit).eq(b.credit)).toBe(true);
        for (const l of journal) {
          expect(new Big(l.debit).gte(0) && new Big(l.credit).gte(0)).toBe(true);
          expect(new Big(l.debit).eq(0) !== new Big(l.credit).eq(0)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a voided invoice and its credit note net to zero on every account", () => {
    fc.assert(
      fc.property(document.map((d) => ({ ...d, voided: true })), (spec) => {
        const journal = toDocuments(spec, 0).flatMap(journalFor);
        const net = new Map<string, Big>();
        for (const l of journal.filter((j) => j.accountCode === '1200' || j.accountCode === '4000' || j.accountCode === '4050')) {
          net.set(l.accountCode, (net.get(l.accountCode) ?? new Big(0)).plus(l.debit).minus(l.credit));
        }
        for (const v of net.values()) expect(v.eq(0)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a document whose total disagrees with its lines', () => {
    fc.assert(
      fc.property(document.filter((d) => d.lines.length > 0), fc.integer({ min: 1, max: 1000 }), (spec, off) => {
        const [doc] = toDocuments({ ...spec, voided: false }, 0);
        const step = new Big(1).div(10 ** minorUnits(spec.currency));
        const tampered: Invoice = { ...doc!, total: new Big(doc!.total).plus(step.times(off)).toFixed(minorUnits(spec.currency)) };
        expect(() => journalOf([tampered])).toThrow(JournalUnbalancedError);
      }),
      { numRuns: 100 },
    );
  });
});
