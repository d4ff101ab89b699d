import { describe, expect, it } from 'vitest';
import { buildRunInvoice } from '../../../shared/domain/invoices/invoice';
import { journalFor } from '../../../shared/domain/invoices/journal';
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
});
