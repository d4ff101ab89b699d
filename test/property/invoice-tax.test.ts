/**
 * Tax, for any document: the TAX line equals an independent integer computation of
 * rate x taxable total rounded once (both modes, any currency digits, negative re-run totals);
 * the document's lines sum to its total, which is taxable total + tax; a credit note cancels the
 * invoice to the cent; the journal balances and tax payable holds exactly the tax.
 */
import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minorUnits } from '../../shared/domain/kernel/currencies';
import { taxAmountOf } from '../../shared/domain/invoices/tax';
import { buildCreditNote, buildRunInvoice, type RatedLineInput } from '../../shared/domain/invoices/invoice';
import { assertBalanced, journalFor } from '../../shared/domain/invoices/journal';
import type { BillingProfile } from '../../shared/domain/contracts/store';

const currencies = ['USD', 'JPY', 'KWD', 'EUR'] as const;
const modes = ['HALF_EVEN', 'HALF_UP'] as const;

const minorToString = (minor: bigint, currency: string) => new Big(minor.toString()).div(10 ** minorUnits(currency)).toFixed(minorUnits(currency));
const amount = (currency: string) => fc.bigInt({ min: -10_000_000_000n, max: 10_000_000_000n }).map((m) => minorToString(m, currency));

/** A percentage 0..100 with up to 6 decimals, and its value in millionths of a percent. */
const rate = fc.bigInt({ min: 0n, max: 100_000_000n }).map((micro) => ({ micro, text: new Big(micro.toString()).div(1_000_000).toFixed() }));

/** round(n / d) with d > 0, half to even or half away from zero, in integers only. */
function roundDiv(n: bigint, d: bigint, mode: (typeof modes)[number]): bigint {
  const negative = n < 0n;
  const abs = negative ? -n : n;
  let q = abs / d;
  const twice = (abs % d) * 2n;
  if (twice > d || (twice === d && (mode === 'HALF_UP' || q % 2n === 1n))) q += 1n;
  return negative ? -q : q;
}

const treatment: fc.Arbitrary<BillingProfile['tax'] | null> = fc.oneof(
  fc.constant(null),
  fc.constant({ kind: 'EXEMPT' as const }),
  fc.constant({ kind: 'REVERSE_CHARGE' as const, note: 'Reverse charge' }),
  rate.map((r) => ({ kind: 'RATE' as const, ratePct: r.text, label: 'VAT' })),
);

const line = (currency: string): fc.Arbitrary<RatedLineInput> =>
  fc
    .record({
      type: fc.constantFrom('USAGE', 'CAP_ADJUSTMENT', 'MINIMUM_TRUE_UP', 'CREDIT', 'AGENCY_COMMISSION', 'ADJUSTMENT'),
      adjusts: fc.constantFrom('USAGE', 'AGENCY_COMMISSION', 'MINIMUM_TRUE_UP'),
      quantity: fc.integer({ min: -1000, max: 1_000_000 }).map(String),
      amount: amount(currency),
    })
    .map((l) => (l.type === 'ADJUSTMENT' ? l : { ...l, adjusts: undefined }));

const sum = (values: string[], currency: string) => values.reduce((a, v) => a.plus(v), new Big(0)).toFixed(minorUnits(currency));

describe('tax', () => {
  it('is rate x taxable total rounded once, as an independent integer computation says', () => {
    fc.assert(
      fc.property(fc.constantFrom(...currencies), fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }), rate, fc.constantFrom(...modes), (currency, taxableMinor, r, mode) => {
        // tax minor = taxable minor x (micro / 10^6) / 100
        const expected = roundDiv(taxableMinor * r.micro, 100_000_000n, mode);
        expect(taxAmountOf(minorToString(taxableMinor, currency), r.text, currency, mode)).toBe(minorToString(expected, currency));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps every document whole: lines sum to the total, total = taxable + tax, a credit note cancels it, the journal balances', () => {
    const doc = fc.constantFrom(...currencies).chain((currency) =>
      fc.record({ currency: fc.constant(currency), lines: fc.array(line(currency), { maxLength: 10 }), isRerun: fc.boolean(), tax: treatment, mode: fc.constantFrom(...modes) }),
    );
    fc.assert(
      fc.property(doc, ({ currency, lines, isRerun, tax, mode }) => {
        const beforeCommission = lines.filter((l) => l.type !== 'AGENCY_COMMISSION' && l.adjusts !== 'AGENCY_COMMISSION');
        const taxable = sum(lines.map((l) => l.amount), currency);
        const billTo: BillingProfile | null = tax
          ? { legalName: 'A', address: { line1: 'l', city: 'c', postalCode: 'p', country: 'DE' }, tax, paymentTermsDays: 30, invoiceEmail: 'a@b.example' }
          : null;
        const inv = buildRunInvoice({
          id: 'i', runId: 'r', runSeq: isRerun ? 2 : 1, actor: 's', at: '2027-02-03T00:00:00Z',
          contract: { id: 'c', advertiserId: 'a', currency, rounding: mode },
          rated: { period: '2027-01', currency, isRerun, lines, flags: [], partnerPayoutsByCharge: [], subtotal: sum(beforeCommission.map((l) => l.amount), currency), total: taxable },
          billTo,
        });
        const taxLines = inv.lines.filter((l) => l.type === 'TAX');
        const taxed = tax !== null && tax.kind !== 'EXEMPT' && lines.length > 0;
        expect(taxLines.length).toBe(taxed ? 1 : 0);
        if (taxed) expect(inv.lines.at(-1)!.type).toBe('TAX');
        expect(inv.taxableTotal).toBe(taxable);
        expect(sum(inv.lines.map((l) => l.amount), currency)).toBe(inv.total);
        expect(sum([taxable, inv.tax?.amount ?? '0'], currency)).toBe(inv.total);
        if (taxed && tax?.kind === 'REVERSE_CHARGE') expect(new Big(inv.tax!.amount).eq(0)).toBe(true);
        if (taxed && tax?.kind === 'RATE') expect(inv.tax!.amount).toBe(taxAmountOf(taxable, tax.ratePct, currency, mode));

        const cn = buildCreditNote({ ...inv, status: 'FINALIZED', number: 'INV-2027-000001' }, { id: 'cn', number: 'CN-2027-000001', reason: 'r', actor: 'f', at: '2027-03-01T00:00:00Z' });
        expect(new Big(cn.total).plus(inv.total).eq(0)).toBe(true);
        expect(new Big(cn.taxableTotal!).plus(inv.taxableTotal!).eq(0)).toBe(true);

        const journal = [...journalFor(inv), ...journalFor(cn)];
        expect(() => assertBalanced(journal)).not.toThrow();
        const taxPayable = (j: ReturnType<typeof journalFor>) => j.filter((l) => l.accountCode === '2200').reduce((a, l) => a.plus(l.credit).minus(l.debit), new Big(0));
        expect(taxPayable(journalFor(inv)).eq(new Big(inv.tax?.amount ?? '0'))).toBe(true);
        expect(taxPayable(journal).eq(0)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
