/**
 * Media charges, CPM and CPCV (v2 §4): a charge's billable quantity of one version in one
 * period, priced once. CPM counts impressions and prices per thousand; CPCV counts the
 * records' completedViews and prices per view. Otherwise the same rules:
 *   FLAT:       quantity × rate (/ 1000 for CPM)
 *   GRADUATED:  each tier prices the units inside it (upTo cumulative, inclusive)
 *   VOLUME:     the whole quantity at the rate of the tier it reaches
 * Counts are summed as integers while selecting usage; decimals appear only here.
 */
import type { CpcvCharge, CpmCharge, RoundingMode } from '../terms/types';
import { decOfTerm, decFromInteger, HUNDRED, shiftLeft, ZERO, type Decimal } from '../kernel/money';
import type { CpmUsageExplanation, SourceCounts, TierUse } from './types';

export class CpmSlot {
  readonly kind: 'CPM' | 'CPCV';
  /** CPCV: the slot counts completed views, not impressions. */
  readonly countsViews: boolean;
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

  constructor(readonly charge: CpmCharge | CpcvCharge, readonly versionIndex: number) {
    this.kind = charge.kind;
    this.countsViews = charge.kind === 'CPCV';
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

/** Prices a quantity of impressions (CPM) or completed views (CPCV) under a charge's pricing. */
export function priceImpressions(charge: CpmCharge | CpcvCharge, quantity: number): CpmPrice {
  const q = decFromInteger(quantity);
  const pricing = charge.pricing;
  const shift = charge.kind === 'CPCV' ? 0 : 3;
  const per = charge.kind === 'CPCV' ? 1 : 1000;
  if (pricing.model === 'FLAT') {
    return { exact: shiftLeft(q.times(decOfTerm(pricing.rate)), shift), pricing: { model: 'FLAT', rate: pricing.rate, per } };
  }
  const tiers: TierUse[] = [];
  if (pricing.model === 'VOLUME') {
    // The tier reached: the first whose inclusive bound holds the whole quantity.
    const reached = pricing.tiers.findIndex((tier) => tier.upTo === null || quantity <= tier.upTo);
    pricing.tiers.forEach((tier, i) => tiers.push({ upTo: tier.upTo, rate: tier.rate, quantity: i === reached ? String(quantity) : '0' }));
    const rate = decOfTerm(pricing.tiers[reached]!.rate);
    return { exact: shiftLeft(q.times(rate), shift), pricing: { model: 'VOLUME', per, tiers } };
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
  return { exact: shiftLeft(exact, shift), pricing: { model: 'GRADUATED', per, tiers } };
}

/**
 * DISCREPANCY: both sources reported (> 0) and |first − third| / billable × 100 exceeds the
 * charge's threshold, strictly. Compared exactly as |first − third| × 100 > threshold × billable.
 */
export function sourceCounts(slot: CpmSlot): SourceCounts {
  // A CPCV charge has no threshold (v2 §4): it never raises DISCREPANCY.
  const threshold = slot.charge.kind === 'CPM' ? slot.charge.discrepancyThresholdPct ?? null : null;
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
    kind: slot.countsViews ? 'CPCV_USAGE' : 'CPM_USAGE',
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
