/**
 * A later run of an already invoiced period invoices only the difference: the period is
 * computed afresh, then compared, per (type, chargeId, version), with everything invoiced for
 * it so far (original lines plus earlier adjustments). Each key whose amount changed gets an
 * ADJUSTMENT line carrying the change of quantity and amount; a change of quantity alone
 * writes nothing. Payouts likewise report only their changes. Invoices are never edited.
 */
import { Dec, formatMoney, ZERO, type Decimal } from '../kernel/money';
import type { InvoicedLine, InvoicedPayout, LineType, RatedLine, FreshExplanation } from './types';
import { LineType as LineTypes } from './types';
import { byPartnerThenCharge, type PartnerAmount } from './partners';

export interface FreshLine {
  type: Exclude<LineType, 'ADJUSTMENT'>;
  chargeId?: string;
  version?: number;
  quantity: Decimal;
  amount: Decimal;
  explanation: FreshExplanation;
}

interface Invoiced {
  type: LineType;
  chargeId?: string;
  version?: number;
  quantity: Decimal;
  amount: Decimal;
}

function keyOf(type: LineType, chargeId: string | undefined, version: number | undefined): string {
  return `${type}\u0000${chargeId ?? ''}\u0000${version ?? ''}`;
}

/** Lines invoiced so far for the period, summed per key (ADJUSTMENTs count for what they adjust). */
function invoicedByKey(period: string, prior: readonly InvoicedLine[]): Map<string, Invoiced> {
  const sums = new Map<string, Invoiced>();
  for (const line of prior) {
    if (line.period !== period) continue;
    const type = line.type === LineTypes.ADJUSTMENT ? line.adjusts : line.type;
    if (type === undefined || type === LineTypes.ADJUSTMENT) continue;
    const key = keyOf(type, line.chargeId, line.version);
    const found = sums.get(key);
    if (found === undefined) {
      sums.set(key, { type, chargeId: line.chargeId, version: line.version, quantity: Dec(line.quantity), amount: Dec(line.amount) });
    } else {
      found.quantity = found.quantity.plus(Dec(line.quantity));
      found.amount = found.amount.plus(Dec(line.amount));
    }
  }
  return sums;
}

export function adjustmentLines(period: string, fresh: readonly FreshLine[], prior: readonly InvoicedLine[], currency: string): RatedLine[] {
  const invoiced = invoicedByKey(period, prior);
  const out: RatedLine[] = [];
  const emit = (type: LineType, chargeId: string | undefined, version: number | undefined,
    before: { quantity: Decimal; amount: Decimal }, now: { quantity: Decimal; amount: Decimal }, explanation: FreshExplanation | null) => {
    const amount = now.amount.minus(before.amount);
    if (amount.eq(ZERO)) return;
    const line: RatedLine = {
      type: LineTypes.ADJUSTMENT,
      adjusts: type,
      ...(chargeId !== undefined ? { chargeId } : {}),
      ...(version !== undefined ? { version } : {}),
      quantity: now.quantity.minus(before.quantity).toFixed(),
      amount: formatMoney(amount, currency),
      explanation: {
        kind: 'ADJUSTMENT',
        adjusts: type,
        previouslyInvoiced: { quantity: before.quantity.toFixed(), amount: formatMoney(before.amount, currency) },
        recomputed: { quantity: now.quantity.toFixed(), amount: formatMoney(now.amount, currency) },
        fresh: explanation,
      },
    };
    out.push(line);
  };
  const none = { quantity: ZERO, amount: ZERO };
  for (const line of fresh) {
    const key = keyOf(line.type, line.chargeId, line.version);
    emit(line.type, line.chargeId, line.version, invoiced.get(key) ?? none, line, line.explanation);
    invoiced.delete(key);
  }
  // Lines invoiced before and absent from the fresh computation are reversed in full.
  for (const gone of invoiced.values()) emit(gone.type, gone.chargeId, gone.version, gone, none, null);
  return out;
}

/** Fresh rounded payouts minus those reported for the period before; zero changes dropped. */
export function payoutChanges(period: string, fresh: readonly PartnerAmount[], prior: readonly InvoicedPayout[]): PartnerAmount[] {
  const byKey = new Map<string, PartnerAmount>();
  for (const payout of fresh) byKey.set(`${payout.partnerId}\u0000${payout.chargeId}`, { ...payout });
  for (const payout of prior) {
    if (payout.period !== period) continue;
    const key = `${payout.partnerId}\u0000${payout.chargeId}`;
    const found = byKey.get(key);
    if (found === undefined) byKey.set(key, { partnerId: payout.partnerId, chargeId: payout.chargeId, amount: ZERO.minus(Dec(payout.amount)) });
    else found.amount = found.amount.minus(Dec(payout.amount));
  }
  return [...byKey.values()].filter((p) => !p.amount.eq(ZERO)).sort(byPartnerThenCharge);
}
