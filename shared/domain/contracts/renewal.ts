/**
 * Rate uplift for renewals. Every rate is multiplied by (1 + pct/100) and rounded half-up to 6
 * decimals (the rate precision of FORMAT.md): flat and tier rates of CPM and CPCV charges.
 * The performance prices move with them: every CPA payout, whether the charge's own `payout`,
 * a payout tier's or a partner override's (flat, min and max as money in the currency's minor
 * units, percentOfValue as a rate, never above 100), so a charge priced by one payout and the
 * same charge written as a single payout tier renew to the same price, and an override keeps
 * its relation to the base payout; and the performance guarantee's maxCostPerConversion
 * (money) — a renewal that raises media prices raises the cost per conversion it guarantees in
 * step.
 *
 * Minimums, caps, partner flat fees and commission are contractual sums or shares, not prices
 * per unit, and stay as they are.
 */
import Big from 'big.js';
import { isKnownCurrency, minorUnits } from '../kernel/currencies';
import type { Charge, CpaPayout, PerformanceGuarantee, VersionTerms } from '../terms/types';
import { MAX_RATE_DECIMALS } from '../terms/validate';

const factorOf = (pct: string) => new Big(100).plus(pct).div(100);

export function upliftRate(rate: string, pct: string): string {
  return stripZeros(new Big(rate).times(factorOf(pct)).round(MAX_RATE_DECIMALS, Big.roundHalfUp).toFixed(MAX_RATE_DECIMALS));
}

/** Money keeps the currency's minor-unit digits ("20.00" -> "21.00"), rounded half-up. */
export function upliftMoney(amount: string, pct: string, currency: string): string {
  const digits = isKnownCurrency(currency) ? minorUnits(currency) : 2;
  return new Big(amount).times(factorOf(pct)).round(digits, Big.roundHalfUp).toFixed(digits);
}

/** "12.500000" -> "12.5"; "3.000000" -> "3": rates are written without trailing zeros. */
function stripZeros(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}

function upliftPayout(payout: CpaPayout, pct: string, currency: string): CpaPayout {
  const percent = upliftRate(payout.percentOfValue, pct);
  return {
    flat: upliftMoney(payout.flat, pct, currency),
    percentOfValue: new Big(percent).gt(100) ? '100' : percent,
    min: payout.min === null ? null : upliftMoney(payout.min, pct, currency),
    max: payout.max === null ? null : upliftMoney(payout.max, pct, currency),
  };
}

function upliftCharge(charge: Charge, pct: string, currency: string): Charge {
  if (charge.kind === 'CPA') {
    return {
      ...charge,
      ...(charge.payout ? { payout: upliftPayout(charge.payout, pct, currency) } : {}),
      ...(charge.payoutTiers
        ? { payoutTiers: { ...charge.payoutTiers, tiers: charge.payoutTiers.tiers.map((tier) => ({ ...tier, payout: upliftPayout(tier.payout, pct, currency) })) } }
        : {}),
      ...(charge.partnerOverrides
        ? { partnerOverrides: charge.partnerOverrides.map((override) => ({ ...override, payout: upliftPayout(override.payout, pct, currency) })) }
        : {}),
    };
  }
  const pricing = charge.pricing.model === 'FLAT'
    ? { ...charge.pricing, rate: upliftRate(charge.pricing.rate, pct) }
    : { ...charge.pricing, tiers: charge.pricing.tiers.map((tier) => ({ ...tier, rate: upliftRate(tier.rate, pct) })) };
  return { ...charge, pricing };
}

function upliftGuarantee(guarantee: PerformanceGuarantee, pct: string, currency: string): PerformanceGuarantee {
  return { ...guarantee, maxCostPerConversion: upliftMoney(guarantee.maxCostPerConversion, pct, currency) };
}

/** The terms a renewal continues with; `currency` decides the digits of uplifted money. */
export function upliftTerms(terms: VersionTerms, pct: string | null, currency: string): VersionTerms {
  const copy = structuredClone(terms);
  if (pct === null || new Big(pct).eq(0)) return copy;
  return {
    ...copy,
    charges: copy.charges.map((c) => upliftCharge(c, pct, currency)),
    ...(copy.performanceGuarantee ? { performanceGuarantee: upliftGuarantee(copy.performanceGuarantee, pct, currency) } : {}),
  };
}
