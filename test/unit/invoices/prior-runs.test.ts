import { describe, expect, it } from 'vitest';
import { buildCreditNote, buildRunInvoice, type Invoice } from '../../../shared/domain/invoices/invoice';
import { toPriorRuns } from '../../../shared/domain/invoices/prior-runs';
import { contract, january, januaryRerun } from './fixtures';

const at = '2027-02-03T00:00:00Z';

describe('toPriorRuns', () => {
  const first = buildRunInvoice({ id: 'i1', runId: 'r1', runSeq: 1, contract, rated: january, actor: 'sys', at });
  const rerun = buildRunInvoice({ id: 'i2', runId: 'r2', runSeq: 2, contract, rated: januaryRerun, actor: 'sys', at });

  it('lists every invoiced line and payout with its period, for the engine', () => {
    const prior = toPriorRuns([first, rerun]);
    expect(prior.lines).toEqual([
      { period: '2027-01', type: 'USAGE', chargeId: 'ctv-premium', version: 1, quantity: '1234567', amount: '15432.09' },
      { period: '2027-01', type: 'USAGE', chargeId: 'purchase', version: 1, quantity: '4', amount: '100.00' },
      { period: '2027-01', type: 'AGENCY_COMMISSION', quantity: '0', amount: '-2329.81' },
      { period: '2027-01', type: 'ADJUSTMENT', adjusts: 'USAGE', chargeId: 'purchase', version: 1, quantity: '-2', amount: '-50.00' },
      { period: '2027-01', type: 'ADJUSTMENT', adjusts: 'AGENCY_COMMISSION', quantity: '0', amount: '7.50' },
    ]);
    expect(prior.payouts).toEqual([
      { period: '2027-01', partnerId: 'pub-7', chargeId: 'ctv-premium', amount: '7500.00' },
      { period: '2027-01', partnerId: 'aff-3', chargeId: 'purchase', amount: '30.00' },
      { period: '2027-01', partnerId: 'aff-3', chargeId: 'purchase', amount: '-20.00' },
    ]);
  });

  it('rule: voiding does not change what re-runs consider invoiced (the VOID invoice counts, its credit note does not)', () => {
    const finalized: Invoice = { ...first, status: 'FINALIZED', number: 'INV-2027-000001' };
    const voided: Invoice = { ...finalized, status: 'VOID', creditNoteId: 'cn1' };
    const creditNote = buildCreditNote(finalized, { id: 'cn1', number: 'CN-2027-000001', reason: 'dispute', actor: 'fin', at });
    expect(toPriorRuns([voided, creditNote])).toEqual(toPriorRuns([first]));
    expect(toPriorRuns([creditNote])).toEqual({ lines: [], payouts: [], periods: [] });
  });
});
