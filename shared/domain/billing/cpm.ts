/**
 * CPM: a charge's billable impressions of one version in one period, priced once.
 *   FLAT:       quantity × rate / 1000
 *   GRADUATED:  each tier prices the impressions inside it (upTo cumulative, inclusive)
 *   VOLUME:     the whole quantity at the rate of the tier it reaches
 * Counts are summed as integers while selecting usage; decimals appear only here.
 */
import type { CpmCharge, RoundingMode } from '../terms/types';
import { decOfTerm, decFromInteger, HUNDRED, shiftLeft, ZERO, type Decimal } from '../kernel/money';
import type { CpmUsageExplanation, SourceCounts, TierUse } from './types';

export class CpmSlot {
  readonly kind = 'CPM' as const;
  readonly billableFirstParty: boolean;
  firstParty = 0;
  thirdParty = 0;
  /**
   * Billable impressions per partner named on the records (any partner; shares filter
   * later), as parallel arrays: a contract names a few partners, and scanning them per
   * record is cheaper than a Map's get and set.
   */
  private readonly partnerIds: string[] = [];
  private readonly partnerCounts: number[] = [];

  constructor(readonly charge: CpmCharge, readonly versionIndex: number) {
    this.billableFirstParty = (charge.billableSource ?? 'FIRST_PARTY') === 'FIRST_PARTY';
  }

  addPartnerImpressions(partnerId: string, count: number): void {
    const ids = this.partnerIds;
    for (let k = 0; k < ids.length; k++) {
      if (ids[k] === partnerId) {
        this.partnerCounts[k]! += count;
        return;
      }
    }
    ids.push(partnerId);
    this.partnerCounts.push(count);
  }

  partnerImpressions(partnerId: string): number {
    const at = this.partnerIds.indexOf(partnerId);
    return at < 0 ? 0 : this.partnerCounts[at]!;
  }

  get quantity(): number {
    return this.billableFirstParty ? this.firstParty : this.thirdParty;
  }
}

export interface CpmPrice {
  exact: Decimal;
  pricing: CpmUsageExplanation['pricing'];
}

/** Prices a quantity of impressions under a charge's pricing. */
export function priceImpressions(charge: CpmCharge, quantity: number): CpmPrice {
  const q = decFromInteger(quantity);
  const pricing = charge.pricing;
  if (pricing.model === 'FLAT') {
    return { exact: shiftLeft(q.times(decOfTerm(pricing.rate)), 3), pricing: { model: 'FLAT', rate: pricing.rate, per: 1000 } };
  }
  const tiers: TierUse[] = [];
  if (pricing.model === 'VOLUME') {
    // The tier reached: the first whose inclusive bound holds the whole quantity.
    const reached = pricing.tiers.findIndex((tier) => tier.upTo === null || quantity <= tier.upTo);
    pricing.tiers.forEach((tier, i) => tiers.push({ upTo: tier.upTo, rate: tier.rate, quantity: i === reached ? String(quantity) : '0' }));
    const rate = decOfTerm(pricing.tiers[reached]!.rate);
    return { exact: shiftLeft(q.times(rate), 3), pricing: { model: 'VOLUME', per: 1000, tiers } };
  }
  let exact = ZERO;
  let below = 0;
  for (const tier of pricing.tiers) {
    const ceiling = tier.upTo === null ? quantity : Math.min(quantity, tier.upTo);
    const inTier = Math.max(0, ceiling - below);
    tiers.push({ upTo: tier.upTo, rate: tier.rate, quantity: String(inTier) });
    if (inTier > 0) exact = exact.plus(decFromInteger(inTier).times(decOfTerm(tier.rate)));
    if (tier.upTo !== null) below = Math.max(below, tier.upTo);
  }
  return { exact: shiftLeft(exact, 3), pricing: { model: 'GRADUATED', per: 1000, tiers } };
}

/**
 * DISCREPANCY: both sources reported (> 0) and |first − third| / billable × 100 exceeds the
 * charge's threshold, strictly. Compared exactly as |first − third| × 100 > threshold × billable.
 */
export function sourceCounts(slot: CpmSlot): SourceCounts {
  const threshold = slot.charge.discrepancyThresholdPct ?? null;
  const billable = slot.quantity;
  const judged = threshold !== null && slot.firstParty > 0 && slot.thirdParty > 0 && billable > 0;
  let discrepancy = false;
  if (judged) {
    const gap = decFromInteger(Math.abs(slot.firstParty - slot.thirdParty)).times(HUNDRED);
    discrepancy = gap.gt(decFromInteger(billable).times(decOfTerm(threshold)));
  }
  return {
    billableSource: slot.billableFirstParty ? 'FIRST_PARTY' : 'THIRD_PARTY',
    firstParty: String(slot.firstParty),
    thirdParty: String(slot.thirdParty),
    discrepancyThresholdPct: threshold,
    discrepancy,
  };
}

export function explainCpm(
  slot: CpmSlot, version: number, price: CpmPrice, sources: SourceCounts, rounding: RoundingMode, amount: string,
): CpmUsageExplanation {
  return {
    kind: 'CPM_USAGE',
    version,
    chargeId: slot.charge.id,
    quantity: String(slot.quantity),
    pricing: price.pricing,
    sources,
    exactAmount: price.exact.toFixed(),
    rounding,
    amount,
  };
}
