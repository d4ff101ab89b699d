/**
 * Records a payment to a partner against an issued statement, in one conditional write (the
 * record still at the version read): racing payments can never overpay together.
 *
 * - `{ amount, date, reference, currency? }`: `currency` may be left out when the statement was
 *   issued in one payable currency; it must name an issued currency otherwise (400).
 * - An OPEN statement takes no payment (409 `statement_not_issued`); a payment above the
 *   currency's balance due is refused whole (409 `overpayment`), so a PAID statement takes none.
 * - A payment dated before the issue day is a 400; at most MAX_PAYMENTS_PER_STATEMENT payments.
 * - When every payable currency is paid in full the statement becomes PAID in the same write.
 */
import { ConflictError, ValidationError, type ErrorDetail } from '../kernel/errors';
import { isDay, assertPeriod } from '../kernel/calendar';
import { minorUnits } from '../kernel/currencies';
import { partnerStatementOf } from '../invoices/partner-statement';
import { fromMinor, MAX_REFERENCE_CHARS, minor } from '../payments/receivable';
import { issuedIn, paidIn, payableCurrencies, settledStatus, statementView, type PartnerPayment, type PartnerStatementView, type StatementRecord } from './statement';
import { STATEMENT_ATTEMPTS, type StatementDeps } from './store';

export const MAX_PAYMENTS_PER_STATEMENT = 100;

export interface StatementPaymentRequest {
  amount: string;
  date: string;
  reference: string;
  currency?: string;
}

/** The record with one more payment, or the refusal: bad input 400, not issued or overpaid 409. */
export function applyStatementPayment(
  record: StatementRecord | undefined,
  request: StatementPaymentRequest,
  stamp: { id: string; actor: string; at: string; partnerId: string; period: string },
): StatementRecord {
  const details: ErrorDetail[] = [];
  if (!/^\d+(\.\d+)?$/.test(request.amount)) details.push({ path: 'amount', message: 'a positive decimal string' });
  if (!isDay(request.date)) details.push({ path: 'date', message: 'a day YYYY-MM-DD' });
  const reference = request.reference.trim();
  if (reference.length === 0 || reference.length > MAX_REFERENCE_CHARS) details.push({ path: 'reference', message: `1 to ${MAX_REFERENCE_CHARS} characters` });
  if (details.length > 0) throw new ValidationError('invalid payment', details);
  if (!record) throw new ConflictError(`the statement of partner ${stamp.partnerId} for ${stamp.period} is OPEN: issue it before recording payments`, 'statement_not_issued');

  const payable = payableCurrencies(record);
  const currency = request.currency ?? (payable.length === 1 ? payable[0]! : undefined);
  if (currency === undefined) {
    throw new ValidationError('this statement was issued in several currencies: say which one the payment is in', [{ path: 'currency', message: `one of ${payable.join(', ')}` }]);
  }
  if (!payable.includes(currency)) {
    throw new ValidationError(`the statement takes no payment in ${currency}`, [{ path: 'currency', message: `one of ${payable.join(', ')}` }]);
  }
  let amount: bigint;
  try {
    amount = minor(request.amount, currency);
  } catch {
    throw new ValidationError(`"${request.amount}" is not a ${currency} amount`, [{ path: 'amount', message: `at most ${minorUnits(currency)} decimals` }], 'invalid_amount');
  }
  if (amount <= 0n) throw new ValidationError('a payment is a positive amount', [{ path: 'amount', message: 'must be greater than zero' }]);
  const issueDay = record.issuedAt.slice(0, 10);
  if (request.date < issueDay) throw new ValidationError('a payment cannot be dated before the statement was issued', [{ path: 'date', message: `on or after ${issueDay}` }]);
  if (record.payments.length >= MAX_PAYMENTS_PER_STATEMENT) throw new ConflictError(`the statement already has ${MAX_PAYMENTS_PER_STATEMENT} payments`, 'too_many_payments');

  const due = issuedIn(record, currency) - paidIn(record, currency);
  if (amount > due) {
    throw new ConflictError(`a payment of ${request.amount} ${currency} exceeds the balance due of ${fromMinor(due > 0n ? due : 0n, currency)} ${currency}`, 'overpayment');
  }
  const payment: PartnerPayment = { id: stamp.id, currency, amount: fromMinor(amount, currency), date: request.date, reference, recordedAt: stamp.at, actor: stamp.actor };
  const paid = { ...record, payments: [...record.payments, payment] };
  return { ...paid, status: settledStatus(paid), version: record.version + 1, updatedAt: stamp.at, actor: stamp.actor };
}

export async function recordStatementPayment(
  deps: StatementDeps & { newId: () => string },
  input: StatementPaymentRequest & { partnerId: string; period: string; actor: string },
): Promise<{ statement: PartnerStatementView; payment: PartnerPayment }> {
  assertPeriod(input.period, 'period');
  const id = deps.newId();
  for (let attempt = 1; ; attempt++) {
    const record = await deps.statements.getStatementRecord(input.partnerId, input.period);
    const next = applyStatementPayment(record, input, { id, actor: input.actor, at: deps.clock.now().toISOString(), partnerId: input.partnerId, period: input.period });
    try {
      await deps.statements.commitStatement({ kind: 'PAYMENT', from: record!, next });
      const live = partnerStatementOf(input.partnerId, input.period, await deps.payouts.listPartnerPayouts(input.partnerId, input.period));
      return { statement: statementView(live, next), payment: next.payments.at(-1)! };
    } catch (error) {
      if (!(error instanceof ConflictError) || error.code !== 'concurrent_update' || attempt >= STATEMENT_ATTEMPTS) throw error;
    }
  }
}
