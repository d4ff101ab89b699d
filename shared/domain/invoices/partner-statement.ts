/**
 * A partner's statement for a period, from its payout records: per contract and charge, the
 * first run's payout plus every re-run's change (each record is what one run changed), and
 * totals per currency. Exact decimal sums: the amounts are already rounded.
 */
import Big from 'big.js';
import { formatAmount, parseAmount } from './amounts';
import type { PayoutLookup, PayoutRecord } from './store';
import { assertPeriod } from '../kernel/calendar';

export interface PartnerStatementLine {
  contractId: string;
  advertiserId: string;
  chargeId: string;
  currency: string;
  /** Net payout: the first run's payout plus every re-run's change. */
  amount: string;
  runs: { runId: string; runSeq: number; invoiceId: string; amount: string }[];
}

export interface PartnerStatement {
  partnerId: string;
  period: string;
  lines: PartnerStatementLine[];
  totals: { currency: string; amount: string }[];
}

export function partnerStatementOf(partnerId: string, period: string, records: readonly PayoutRecord[]): PartnerStatement {
  const lines = new Map<string, PartnerStatementLine & { sum: Big }>();
  for (const r of records) {
    if (r.partnerId !== partnerId || r.period !== period) continue;
    const key = `${r.contractId}\n${r.chargeId}`;
    const line = lines.get(key) ?? { contractId: r.contractId, advertiserId: r.advertiserId, chargeId: r.chargeId, currency: r.currency, amount: '', runs: [], sum: new Big(0) };
    line.sum = line.sum.plus(parseAmount(r.amount, r.currency));
    line.runs.push({ runId: r.runId, runSeq: r.runSeq, invoiceId: r.invoiceId, amount: r.amount });
    lines.set(key, line);
  }
  const totals = new Map<string, Big>();
  const out: PartnerStatementLine[] = [...lines.values()].map(({ sum, ...line }) => {
    totals.set(line.currency, (totals.get(line.currency) ?? new Big(0)).plus(sum));
    return { ...line, amount: formatAmount(sum, line.currency), runs: line.runs.sort((a, b) => a.runSeq - b.runSeq) };
  });
  return {
    partnerId,
    period,
    lines: out,
    totals: [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, sum]) => ({ currency, amount: formatAmount(sum, currency) })),
  };
}

export async function partnerStatement(deps: { payouts: PayoutLookup }, partnerId: string, period: string): Promise<PartnerStatement> {
  assertPeriod(period, 'period');
  return partnerStatementOf(partnerId, period, await deps.payouts.listPartnerPayouts(partnerId, period));
}
