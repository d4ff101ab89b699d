/** The partner statement page's pieces: which currencies take a payment, the payment form's checks, and the status summary as rendered. */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { PartnerStatement } from '../../../web/src/app/types';
import { StatementSummary } from '../../../web/src/components/StatementSummary';
import { partnerPaymentErrors, paymentCurrencies } from '../../../web/src/lib/statement';

const issued: PartnerStatement = {
  partnerId: 'pub-7',
  period: '2027-01',
  lines: [{ contractId: 'c-1', advertiserId: 'adv-1', chargeId: 'ctv', currency: 'USD', amount: '14980.00', runs: [] }],
  totals: [{ currency: 'USD', amount: '14980.00' }],
  status: 'ISSUED',
  issuedAt: '2027-02-05T09:00:00.000Z',
  issuedBy: 'fiona',
  issuedTotals: [{ currency: 'USD', amount: '15000.00' }, { currency: 'EUR', amount: '0.00' }],
  payments: [{ id: 'ppay-1', currency: 'USD', amount: '5000.00', date: '2027-02-10', reference: 'WIRE-0042', recordedAt: '2027-02-10T10:00:00.000Z', actor: 'fiona' }],
  currency: 'USD',
  amountPaid: '5000.00',
  balanceDue: '10000.00',
  unissuedAdjustment: '-20.00',
  balances: [{ currency: 'USD', total: '14980.00', issued: '15000.00', amountPaid: '5000.00', balanceDue: '10000.00', unissuedAdjustment: '-20.00' }],
  version: 2,
};

describe('partner statement page', () => {
  it('offers only the currencies issued with a positive amount', () => {
    expect(paymentCurrencies(issued)).toEqual(['USD']);
    expect(paymentCurrencies({ issuedTotals: [{ currency: 'USD', amount: '-5.00' }, { currency: 'JPY', amount: '300' }] })).toEqual(['JPY']);
  });

  it('checks the payment form before sending it', () => {
    const ok = { amount: '10000.00', date: '2027-02-11', reference: 'WIRE-0043', currency: 'USD' };
    expect(partnerPaymentErrors(ok, ['USD'])).toEqual({});
    expect(partnerPaymentErrors({ amount: '0.00', date: '11/02/2027', reference: ' ', currency: 'EUR' }, ['USD'])).toEqual({
      amount: 'must be a positive decimal string',
      date: 'must be a day YYYY-MM-DD',
      reference: 'is required',
      currency: 'must be one of USD',
    });
  });

  it('shows the status, who issued it, the balances per currency with the unissued adjustment, and the payments', () => {
    const html = renderToStaticMarkup(createElement(StatementSummary, { statement: issued }));
    expect(html).toContain('ISSUED');
    expect(html).toContain('by fiona');
    const row = /<caption>Balances by currency<\/caption>.*?<tbody>(.*?)<\/tbody>/s.exec(html)![1]!;
    const cells = [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
    expect(cells).toHaveLength(6);
    expect(cells[0]).toBe('USD');
    expect(cells.slice(1).map((c) => c.replace(/[^\d.-]/g, ''))).toEqual(['14980.00', '15000.00', '5000.00', '10000.00', '-20.00']);
    expect(html).toContain('Payments to the partner');
    expect(html).toContain('WIRE-0042');
    // An OPEN statement has nothing issued and no payments table.
    const open = renderToStaticMarkup(createElement(StatementSummary, { statement: { ...issued, status: 'OPEN', issuedAt: null, issuedBy: null, issuedTotals: [], payments: [] } }));
    expect(open).toContain('OPEN');
    expect(open).not.toContain('Payments to the partner');
    expect(open).not.toContain('Issued</dt>');
  });
});
