/** Rated periods as the engine returns them, for invoice tests. */
import type { RatedPeriodInput } from '../../../shared/domain/invoices/invoice';

export const january: RatedPeriodInput = {
  period: '2027-01',
  currency: 'USD',
  isRerun: false,
  lines: [
    { type: 'USAGE', chargeId: 'ctv-premium', version: 1, quantity: '1234567', amount: '15432.09', explanation: { kind: 'CPM_USAGE', quantity: '1234567', rate: '12.50', amount: '15432.09' } },
    { type: 'USAGE', chargeId: 'purchase', version: 1, quantity: '4', amount: '100.00', explanation: { kind: 'CPA_USAGE', quantity: '4', amount: '100.00' } },
    { type: 'AGENCY_COMMISSION', quantity: '0', amount: '-2329.81', explanation: { kind: 'AGENCY_COMMISSION', commissionPct: '15', base: '15532.09' } },
  ],
  // subtotal: lines before commission = 15432.09 + 100.00
  subtotal: '15532.09',
  // total: 15532.09 - 2329.81
  total: '13202.28',
  partnerPayoutsByCharge: [
    { partnerId: 'pub-7', chargeId: 'ctv-premium', amount: '7500.00' },
    { partnerId: 'aff-3', chargeId: 'purchase', amount: '30.00' },
  ],
  flags: [],
};

export const januaryRerun: RatedPeriodInput = {
  period: '2027-01',
  currency: 'USD',
  isRerun: true,
  lines: [
    { type: 'ADJUSTMENT', adjusts: 'USAGE', chargeId: 'purchase', version: 1, quantity: '-2', amount: '-50.00', explanation: { kind: 'ADJUSTMENT', adjusts: 'USAGE' } },
    { type: 'ADJUSTMENT', adjusts: 'AGENCY_COMMISSION', quantity: '0', amount: '7.50', explanation: { kind: 'ADJUSTMENT', adjusts: 'AGENCY_COMMISSION' } },
  ],
  subtotal: '-50.00',
  total: '-42.50',
  partnerPayoutsByCharge: [{ partnerId: 'aff-3', chargeId: 'purchase', amount: '-20.00' }],
  flags: [],
};

export const contract = { id: 'c-1', advertiserId: 'adv-1', currency: 'USD' };
