/** Payments and aging, exact in minor units: balances never go below zero, buckets always add up to the open balance. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agingOf, applyPayment, AGING_BUCKETS, bucketOf, fromMinor, minor, paymentView, type AgedInvoice } from '../../shared/domain/payments/receivable';
import type { Invoice } from '../../shared/domain/invoices/invoice';
import { addDays } from '../../shared/domain/kernel/calendar';

const invoiceOf = (totalMinor: bigint, currency = 'USD', finalizedAt = '2027-02-05T09:00:00.000Z'): Invoice =>
  ({
    id: 'inv-1', kind: 'INVOICE', status: 'FINALIZED', number: 'INV-2027-000001', contractId: 'c-1', advertiserId: 'adv-1', currency, period: '2027-01',
    runId: 'run-1', runSeq: 1, lines: [], subtotal: fromMinor(totalMinor, currency), total: fromMinor(totalMinor, currency), flags: [], partnerPayouts: [],
    createdAt: finalizedAt, finalizedAt, version: 2, updatedAt: finalizedAt, actor: 'fiona',
  }) as Invoice;

describe('payments (property)', () => {
  it('any sequence of payments: accepted ones sum exactly to amountPaid, the balance never goes below zero, an overpayment changes nothing', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('USD', 'JPY', 'KWD'),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 12n }), { minLength: 1, maxLength: 30 }),
        (currency, total, amounts) => {
          let invoice = invoiceOf(total, currency) as Invoice & { payments?: never[] };
          let accepted = 0n;
          for (const [i, amount] of amounts.entries()) {
            const request = { amount: fromMinor(amount, currency), date: '2027-02-10', reference: `r${i}` };
            if (accepted + amount > total) {
              expect(() => applyPayment(invoice, request, { id: `p${i}`, actor: 'fiona', at: '2027-02-10T00:00:00.000Z' })).toThrow(expect.objectContaining({ code: 'overpayment' }));
              continue;
            }
            invoice = applyPayment(invoice, request, { id: `p${i}`, actor: 'fiona', at: '2027-02-10T00:00:00.000Z' }) as never;
            accepted += amount;
          }
          const view = paymentView(invoice, 30, '2027-02-10');
          expect(minor(view.amountPaid, currency)).toBe(accepted);
          expect(minor(view.balanceDue, currency)).toBe(total - accepted);
          expect(minor(view.balanceDue, currency) >= 0n).toBe(true);
          expect(view.paymentStatus).toBe(accepted === total ? 'PAID' : accepted > 0n ? 'PARTIALLY_PAID' : 'OPEN');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('aging: per advertiser and currency the buckets add up to the total, which is the sum of what is open as of the day', () => {
    const invoiceArb = fc.record({
      advertiserId: fc.constantFrom('adv-a', 'adv-b', 'adv-c'),
      currency: fc.constantFrom('USD', 'EUR', 'JPY'),
      total: fc.bigInt({ min: 1n, max: 10n ** 9n }),
      issuedDay: fc.integer({ min: 0, max: 400 }),
      paidParts: fc.array(fc.record({ share: fc.integer({ min: 0, max: 100 }), dayAfter: fc.integer({ min: 0, max: 200 }) }), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(invoiceArb, { maxLength: 25 }), fc.integer({ min: 0, max: 600 }), (specs, asOfDay) => {
        const asOf = addDays('2026-01-01', asOfDay);
        const invoices: AgedInvoice[] = specs.map((spec, i) => {
          const issued = addDays('2026-01-01', spec.issuedDay);
          let left = spec.total;
          const payments = spec.paidParts.map((part, j) => {
            const amount = (left * BigInt(part.share)) / 100n;
            left -= amount;
            return { id: `p${i}-${j}`, amount: fromMinor(amount, spec.currency), date: addDays(issued, part.dayAfter), reference: 'x', recordedAt: '', actor: 'fiona' };
          });
          return { ...invoiceOf(spec.total, spec.currency, `${issued}T12:00:00.000Z`), id: `inv-${i}`, advertiserId: spec.advertiserId, payments };
        });
        const rows = agingOf(invoices, () => 30, asOf);
        for (const row of rows) {
          const sum = AGING_BUCKETS.reduce((acc, b) => acc + minor(row[b], row.currency), 0n);
          expect(sum).toBe(minor(row.total, row.currency));
          const expected = invoices
            .filter((inv) => inv.advertiserId === row.advertiserId && inv.currency === row.currency && inv.finalizedAt!.slice(0, 10) <= asOf)
            .reduce((acc, inv) => acc + minor(inv.total, inv.currency) - (inv.payments ?? []).filter((p) => p.date <= asOf).reduce((s, p) => s + minor(p.amount, inv.currency), 0n), 0n);
          expect(minor(row.total, row.currency)).toBe(expected);
        }
        // Every advertiser and currency with something open has a row.
        const open = new Set(invoices.filter((inv) => paymentView(inv, 30, asOf) && inv.finalizedAt!.slice(0, 10) <= asOf && minor(inv.total, inv.currency) > (inv.payments ?? []).filter((p) => p.date <= asOf).reduce((s, p) => s + minor(p.amount, inv.currency), 0n)).map((inv) => `${inv.advertiserId}/${inv.currency}`));
        expect(new Set(rows.map((r) => `${r.advertiserId}/${r.currency}`))).toEqual(open);
      }),
      { numRuns: 300 },
    );
  });

  it('buckets by days past due: 0 current, 1 and 30 in 1-30, 31 in 31-60, 90 in 61-90, 91 over 90', () => {
    expect([-5, 0, 1, 30, 31, 60, 61, 90, 91].map(bucketOf)).toEqual(['current', 'current', 'd1_30', 'd1_30', 'd31_60', 'd31_60', 'd61_90', 'd61_90', 'over90']);
  });

  it('refuses a VOID invoice (invoice_void), a draft, bad amounts and a payment dated before the issue', () => {
    const at = { id: 'p', actor: 'fiona', at: '2027-02-10T00:00:00.000Z' };
    const ok = { amount: '10.00', date: '2027-02-10', reference: 'r' };
    expect(() => applyPayment({ ...invoiceOf(1000n), status: 'VOID' }, ok, at)).toThrow(expect.objectContaining({ code: 'invoice_void' }));
    expect(() => applyPayment({ ...invoiceOf(1000n), status: 'DRAFT' }, ok, at)).toThrow(expect.objectContaining({ code: 'invoice_not_payable' }));
    expect(() => applyPayment(invoiceOf(1000n), { ...ok, amount: '1.001' }, at)).toThrow(expect.objectContaining({ code: 'invalid_amount' }));
    expect(() => applyPayment(invoiceOf(1000n), { ...ok, amount: '0.00' }, at)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    expect(() => applyPayment(invoiceOf(1000n), { ...ok, date: '2027-02-01' }, at)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
  });
});
