/** Partner statement status and payments, pure: issue, payments per currency, PAID, unissued adjustments. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partnerStatementOf } from '../../../shared/domain/invoices/partner-statement';
import type { PayoutRecord } from '../../../shared/domain/invoices/store';
import { issueOf } from '../../../shared/domain/partner-statements/issue-statement';
import { applyStatementPayment } from '../../../shared/domain/partner-statements/record-statement-payment';
import { statementView, type StatementRecord } from '../../../shared/domain/partner-statements/statement';
import { fromMinor, minor } from '../../../shared/domain/payments/receivable';
import { aggregateOf } from '../../../shared/adapters/dynamodb/audit-stream';
import { deriveAction } from '../../../shared/domain/audit/entry';
import { keys } from '../../../shared/adapters/dynamodb/table';

const payout = (contractId: string, currency: string, amount: string, runSeq = 1): PayoutRecord => ({
  partnerId: 'pub-7', contractId, advertiserId: 'adv-1', chargeId: 'ctv', period: '2027-01', runId: `run-${runSeq}`, runSeq, invoiceId: `inv-${contractId}-${runSeq}`, currency, amount,
});
const live = (records: PayoutRecord[]) => partnerStatementOf('pub-7', '2027-01', records);
const ISSUED_AT = '2027-02-05T09:00:00.000Z';
const stamp = (id: string) => ({ id, actor: 'fiona', at: '2027-02-10T00:00:00.000Z', partnerId: 'pub-7', period: '2027-01' });
const issue = (records: PayoutRecord[]) => issueOf(live(records), undefined, { actor: 'fiona', at: ISSUED_AT });

describe('issue', () => {
  it('freezes the totals per currency and refuses a second issue or a statement with nothing to pay', () => {
    const record = issue([payout('c-1', 'USD', '100.00'), payout('c-2', 'USD', '50.00'), payout('c-3', 'EUR', '20.00')]);
    expect(record).toMatchObject({ status: 'ISSUED', issuedAt: ISSUED_AT, issuedBy: 'fiona', payments: [], version: 1 });
    expect(record.issuedTotals).toEqual([{ currency: 'EUR', amount: '20.00' }, { currency: 'USD', amount: '150.00' }]);
    expect(() => issueOf(live([payout('c-1', 'USD', '1.00')]), record, { actor: 'fiona', at: ISSUED_AT })).toThrow(expect.objectContaining({ code: 'statement_already_issued' }));
    expect(() => issue([])).toThrow(expect.objectContaining({ code: 'statement_not_payable' }));
    // A payout cancelled by its re-run nets to zero: nothing to pay either.
    expect(() => issue([payout('c-1', 'USD', '10.00'), payout('c-1', 'USD', '-10.00', 2)])).toThrow(expect.objectContaining({ code: 'statement_not_payable' }));
  });
});

describe('payments', () => {
  it('an OPEN statement takes none; input is judged before the state', () => {
    expect(() => applyStatementPayment(undefined, { amount: '1.00', date: '2027-02-10', reference: 'R' }, stamp('p1'))).toThrow(expect.objectContaining({ code: 'statement_not_issued' }));
    expect(() => applyStatementPayment(undefined, { amount: 'x', date: '2027-02-10', reference: 'R' }, stamp('p1'))).toThrow(expect.objectContaining({ code: 'validation_failed' }));
  });

  it('several currencies: the payment names one; PAID only when every payable currency is paid in full', () => {
    let record = issue([payout('c-1', 'USD', '100.00'), payout('c-3', 'JPY', '2000')]);
    expect(() => applyStatementPayment(record, { amount: '1.00', date: '2027-02-10', reference: 'R' }, stamp('p1'))).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    expect(() => applyStatementPayment(record, { amount: '1.00', date: '2027-02-10', reference: 'R', currency: 'EUR' }, stamp('p1'))).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    expect(() => applyStatementPayment(record, { amount: '1.5', date: '2027-02-10', reference: 'R', currency: 'JPY' }, stamp('p1'))).toThrow(expect.objectContaining({ code: 'invalid_amount' }));
    expect(() => applyStatementPayment(record, { amount: '1.00', date: '2027-02-04', reference: 'R', currency: 'USD' }, stamp('p1'))).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    record = applyStatementPayment(record, { amount: '100', date: '2027-02-10', reference: 'R1', currency: 'USD' }, stamp('p1'));
    expect(record).toMatchObject({ status: 'ISSUED', version: 2 });
    expect(record.payments[0]).toMatchObject({ id: 'p1', currency: 'USD', amount: '100.00', reference: 'R1' });
    expect(() => applyStatementPayment(record, { amount: '0.01', date: '2027-02-10', reference: 'R', currency: 'USD' }, stamp('p2'))).toThrow(expect.objectContaining({ code: 'overpayment' }));
    record = applyStatementPayment(record, { amount: '2000', date: '2027-02-10', reference: 'R2', currency: 'JPY' }, stamp('p2'));
    expect(record.status).toBe('PAID');
    const view = statementView(live([payout('c-1', 'USD', '100.00'), payout('c-3', 'JPY', '2000')]), record);
    expect(view).toMatchObject({ status: 'PAID', currency: null, amountPaid: null, balanceDue: null });
    expect(view.balances).toEqual([
      { currency: 'JPY', total: '2000', issued: '2000', amountPaid: '2000', balanceDue: '0', unissuedAdjustment: '0' },
      { currency: 'USD', total: '100.00', issued: '100.00', amountPaid: '100.00', balanceDue: '0.00', unissuedAdjustment: '0.00' },
    ]);
  });

  it('payouts that move after issue show as unissuedAdjustment, also in a currency that was not issued', () => {
    const record = issue([payout('c-1', 'USD', '100.00')]);
    const view = statementView(live([payout('c-1', 'USD', '100.00'), payout('c-1', 'USD', '15.50', 2), payout('c-9', 'EUR', '7.00')]), record);
    expect(view.balances).toEqual([
      { currency: 'EUR', total: '7.00', issued: null, amountPaid: '0.00', balanceDue: '0.00', unissuedAdjustment: '7.00' },
      { currency: 'USD', total: '115.50', issued: '100.00', amountPaid: '0.00', balanceDue: '100.00', unissuedAdjustment: '15.50' },
    ]);
    expect(view.status).toBe('ISSUED');
  });

  it('any sequence of payments: accepted ones sum exactly to amountPaid, the balance never goes below zero, PAID exactly when nothing is due (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('USD', 'JPY', 'KWD'),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 12n }), { minLength: 1, maxLength: 20 }),
        (currency, total, amounts) => {
          const records = [payout('c-1', currency, fromMinor(total, currency))];
          let record: StatementRecord = issue(records);
          let accepted = 0n;
          for (const [i, amount] of amounts.entries()) {
            const request = { amount: fromMinor(amount, currency), date: '2027-02-10', reference: `r${i}` };
            if (accepted + amount > total) {
              expect(() => applyStatementPayment(record, request, stamp(`p${i}`))).toThrow(expect.objectContaining({ code: 'overpayment' }));
              continue;
            }
            record = applyStatementPayment(record, request, stamp(`p${i}`));
            accepted += amount;
          }
          const view = statementView(live(records), record);
          expect(minor(view.amountPaid!, currency)).toBe(accepted);
          expect(minor(view.balanceDue!, currency)).toBe(total - accepted);
          expect(view.status).toBe(accepted === total ? 'PAID' : 'ISSUED');
          expect(record.version).toBe(1 + record.payments.length);
        },
      ),
    );
  });
});

describe('audit of statement items', () => {
  it('a statement item joins its partner\'s statement chain; issue and full payment are named actions', () => {
    const { pk } = keys.partnerStatement('pub-7', '2027-01');
    expect(aggregateOf(null, pk)).toBe('partnerStatement#pub-7');
    expect(deriveAction('INSERT', 'partnerStatement', null, { status: 'ISSUED' })).toBe('partnerStatement.issued');
    expect(deriveAction('MODIFY', 'partnerStatement', { status: 'ISSUED' }, { status: 'ISSUED' })).toBe('UPDATED');
    expect(deriveAction('MODIFY', 'partnerStatement', { status: 'ISSUED' }, { status: 'PAID' })).toBe('partnerStatement.paid');
  });
});
