/**
 * Rate uplift for renewals: every rate (flat CPM rates and every tier rate) is multiplied by
 * (1 + pct/100) and rounded to 6 decimals (the rate precision of FORMAT.md), half-up. Money
 * amounts (minimums, caps, CPA payouts, partner flat fees) are contractual sums, not rates,
 * and stay as they are.
 */
import Big from 'big.js';
import type { Charge, VersionTerms } from '../terms/types';
import { MAX_RATE_DECIMALS } from '../terms/validate';

export function upliftRate(rate: string, pct: string): string {
  const factor = new Big(100).plus(pct).div(100);
  return stripZeros(new Big(rate).times(factor).round(MAX_RATE_DECIMALS, Big.roundHalfUp).toFixed(MAX_RATE_DECIMALS));
}

/** "12.500000" -> "12.5"; "3.000000" -> "3": rates are written without trailing zeros. */
function stripZeros(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}

function upliftCharge(charge: Charge, pct: string): Charge {
  if (charge.kind !== 'CPM') return charge;
  const pricing = charge.pricing.model === 'FLAT'
    ? { ...charge.pricing, rate: upliftRate(charge.pricing.rate, pct) }
    : { ...charge.pricing, tiers: charge.pricing.tiers.map((tier) => ({ ...tier, rate: upliftRate(tier.rate, pct) })) };
  return { ...charge, pricing };
}

export function upliftTerms(terms: VersionTerms, pct: string | null): VersionTerms {
  if (pct === null || new Big(pct).eq(0)) return structuredClone(terms);
  return { ...structuredClone(terms), charges: terms.charges.map((c) => upliftCharge(structuredClone(c), pct)) };
}
