/**
 * Partner payouts: informational, computed on gross usage (before guarantees, caps, minimums,
 * credits and commission). A partner's exact revenue on a charge is
 *   CPM: the line's exact amount × partner's billable impressions ÷ all billable impressions
 *   CPCV: the same by completed views (v2 §4)
 *   CPA: the sum of the exact payouts of the partner's billable conversions (each with its
 *        own tier's or override's payout, v2 §1–2; under touch attribution, the winning touch's
 *        partner, v2 §3)
 * and its payout that revenue × percentOfRevenue / 100, or billable conversions ×
 * flatPerConversion. Exact amounts are summed across the period's versions, then rounded
 * once per partner and charge.
 */
import type { RoundingMode } from '../terms/types';
import { addExact, decOfTerm, decFromInteger, fraction, HUNDRED, roundMoney, shiftLeft, type Decimal, type Exact } from '../kernel/money';
import type { CpmSlot } from './cpm';
import type { CpaSlot } from './cpa';
import type { PeriodPlan } from './versions';

export interface PartnerAmount {
  partnerId: string;
  chargeId: string;
  amount: Decimal;
}

/** `exactBySlot` holds each USAGE line's exact amount. Sorted by partner, then charge. */
export function partnerPayouts(
  plan: PeriodPlan,
  exactBySlot: ReadonlyMap<CpmSlot | CpaSlot, Decimal>,
  currency: string,
  mode: RoundingMode,
): PartnerAmount[] {
  const exact = new Map<string, { partnerId: string; chargeId: string; exact: Exact }>();
  const add = (partnerId: string, chargeId: string, amount: Exact): void => {
    const key = `${partnerId}\u0000${chargeId}`;
    const found = exact.get(key);
    if (found === undefined) exact.set(key, { partnerId, chargeId, exact: amount });
    else found.exact = addExact(found.exact, amount);
  };

  for (const segment of plan.segments) {
    for (const share of segment.version.partners) {
      const percent = share.percentOfRevenue ?? null;
      const flat = share.flatPerConversion ?? null;
      for (const chargeId of share.chargeIds) {
        const slot = segment.slots.find((s) => s.charge.id === chargeId);
        if (slot === undefined) continue;
        if (slot.kind !== 'CPA') {
          const imps = slot.partnerImpressions(share.partnerId);
          const all = slot.quantity;
          if (percent === null || imps === 0 || all === 0) continue;
          const lineExact = exactBySlot.get(slot)!;
          add(share.partnerId, chargeId, fraction(
            lineExact.times(decFromInteger(imps)).times(decOfTerm(percent)),
            decFromInteger(all).times(HUNDRED),
          ));
        } else {
          // Each conversion's own payout: its tier's or its override's (v2 §1–2).
          const partner = slot.partner(share.partnerId);
          if (partner === null || partner.count === 0) continue;
          if (percent !== null) add(share.partnerId, chargeId, shiftLeft(partner.exact.times(decOfTerm(percent)), 2));
          else if (flat !== null) add(share.partnerId, chargeId, decFromInteger(partner.count).times(decOfTerm(flat)));
        }
      }
    }
  }

  return [...exact.values()]
    .map((e) => ({ partnerId: e.partnerId, chargeId: e.chargeId, amount: roundMoney(e.exact, currency, mode) }))
    .sort(byPartnerThenCharge);
}

export function byPartnerThenCharge(a: { partnerId: string; chargeId: string }, b: { partnerId: string; chargeId: string }): number {
  if (a.partnerId !== b.partnerId) return a.partnerId < b.partnerId ? -1 : 1;
  return a.chargeId < b.chargeId ? -1 : a.chargeId > b.chargeId ? 1 : 0;
}
