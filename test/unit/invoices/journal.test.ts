import { describe, expect, it } from 'vitest';
import { buildRunInvoice } from '../../../shared/domain/invoices/invoice';
import { assertBalanced, journalFor } from '../../../shared/domain/invoices/journal';
import { contract, january, januaryRerun } from './fixtures';

const at = '2027-02-03T00:00:00Z';

describe('journalFor', () => {
  it('posts receivables, revenue, commission and partner payouts of a first run', () => {
    const inv = buildRunInvoice({ id: 'i1', runId: 'r1', runSeq: 1, contract, rated: january, actor: 's', at });
    expect(journalFor(inv).map((l) => [l.accountCode, l.debit, l.credit])).toEqual([
      ['1200', '13202.28', '0.00'], // Dr receivables: total
      ['4000', '0.00', '15432.09'], // Cr revenue: CPM usage
      ['4000', '0.00', '100.00'], // Cr revenue: CPA usage
      ['4050', '2329.81', '0.00'], // Dr commission (contra-revenue): 15% of 15532.09
      ['5000', '7500.00', '0.00'], ['2100', '0.00', '7500.00'], // pub-7
      ['5000', '30.00', '0.00'], ['2100', '0.00', '30.00'], // aff-3
    ]);
  });

  it('flips sides for negative re-run adjustments', () => {
    const inv = buildRunInvoice({ id: 'i2', runId: 'r2', runSeq: 2, contract, rated: januaryRerun, actor: 's', at });
    expect(journalFor(inv).map((l) => [l.accountCode, l.debit, l.credit])).toEqual([
      ['1200', '0.00', '42.50'], // receivables reduced
      ['4000', '50.00', '0.00'], // revenue reduced
      ['4050', '0.00', '7.50'], // commission reduced
      ['5000', '0.00', '20.00'], ['2100', '20.00', '0.00'],
    ]);
  });

  it('posts guarantee credits and credits (and their adjustments) as contra-revenue debits, balanced', () => {
    const v2: typeof january = {
      period: '2027-03',
      currency: 'USD',
      isRerun: false,
      lines: [
        { type: 'USAGE', chargeId: 'ctv', version: 1, quantity: '400000', amount: '5000.00' },
        { type: 'USAGE', chargeId: 'buy', version: 1, quantity: '100', amount: '2000.00' },
        { type: 'GUARANTEE_CREDIT', quantity: '0', amount: '-1000.00' }, // M 5000.00 - 40.00 x 100
        { type: 'CREDIT', quantity: '0', amount: '-500.00' },
        { type: 'AGENCY_COMMISSION', quantity: '0', amount: '-825.00' }, // 15% of 5500.00
      ],
      subtotal: '5500.00',
      total: '4675.00',
      partnerPayoutsByCharge: [],
      flags: [],
    };
    const inv = buildRunInvoice({ id: 'i3', runId: 'r3', runSeq: 1, contract, rated: v2, actor: 's', at });
    const lines = journalFor(inv);
    expect(lines.map((l) => [l.accountCode, l.debit, l.credit])).toEqual([
      ['1200', '4675.00', '0.00'],
      ['4000', '0.00', '5000.00'],
      ['4000', '0.00', '2000.00'],
      ['4060', '1000.00', '0.00'], // Dr guarantee credits
      ['4070', '500.00', '0.00'], // Dr credits and make-goods
      ['4050', '825.00', '0.00'],
    ]);
    expect(assertBalanced(lines)).toEqual([{ currency: 'USD', debit: '7000.00', credit: '7000.00' }]);

    const rerun: typeof january = {
      ...v2, isRerun: true,
      lines: [
        { type: 'ADJUSTMENT', adjusts: 'CREDIT', quantity: '0', amount: '-200.00' },
        { type: 'ADJUSTMENT', adjusts: 'GUARANTEE_CREDIT', quantity: '0', amount: '100.00' },
        { type: 'ADJUSTMENT', adjusts: 'AGENCY_COMMISSION', quantity: '0', amount: '15.00' },
      ],
      subtotal: '-100.00',
      total: '-85.00',
    };
    const adjusted = journalFor(buildRunInvoice({ id: 'i4', runId: 'r4', runSeq: 2, contract, rated: rerun, actor: 's', at }));
    expect(adjusted.map((l) => [l.accountCode, l.debit, l.credit])).toEqual([
      ['1200', '0.00', '85.00'],
      ['4070', '200.00', '0.00'], // a further credit
      ['4060', '0.00', '100.00'], // a smaller guarantee credit
      ['4050', '0.00', '15.00'],
    ]);
    assertBalanced(adjusted);
  });
});
