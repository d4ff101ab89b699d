/**
 * CPA: which conversions a charge pays for, and how much, exactly.
 *
 * Payouts are not summed conversion by conversion in decimals. Each conversion's clamp
 * `clamp(flat + value × pct / 100, min, max)` is decided by comparing its value, in integer
 * minor units, with two thresholds computed once per charge; the charge then only counts
 * conversions paid `min`, paid `max`, and paid proportionally (with the sum of their
 * values). The exact amount is priced once from those aggregates:
 *   atMin × min + atMax × max + proportional × flat + Σvalue × pct / 100.
 */
import type { RoundingMode, CpaCharge, CpaPayout } from '../terms/types';
import { decOfTerm, decFromInteger, shiftLeft, ZERO, type Decimal } from '../kernel/money';
import { DAY_MS } from './day-index';
import type { ConversionExclusions, CpaUsageExplanation } from './types';

const SAFE = Number.MAX_SAFE_INTEGER;

/** Aggregate of billable conversions of one charge (or one partner on it). */
export class PayoutTally {
  count = 0;
  atMin = 0;
  atMax = 0;
  proportional = 0;
  /** Sum of proportional values in minor units, split to stay exact in doubles. */
  private valueMinor = 0;
  private valueMinorOverflow = 0n;

  addValue(valueMinor: number): void {
    const next = this.valueMinor + valueMinor;
    if (next > SAFE) {
      this.valueMinorOverflow += BigInt(this.valueMinor);
      this.valueMinor = valueMinor;
    } else {
      this.valueMinor = next;
    }
  }

  proportionalValueMinor(): bigint {
    return this.valueMinorOverflow + BigInt(this.valueMinor);
  }
}

export function noExclusions(): ConversionExclusions {
  return { wrongEvent: 0, outsideWindow: 0, ineligible: 0, reversed: 0, held: 0, notReceived: 0, duplicate: 0, overCap: 0 };
}

/** Parses a non-negative money string to integer minor units; NaN if malformed, too precise or too large. */
export function parseMinorUnits(text: string, digits: number): number {
  if (typeof text !== 'string') return NaN;
  const n = text.length;
  if (n === 0 || n > 17) return NaN;
  let whole = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) break;
    const d = c - 48;
    if (d < 0 || d > 9) return NaN;
    whole = whole * 10 + d;
  }
  if (i === 0) return NaN;
  let frac = 0;
  let fracDigits = 0;
  if (i < n) {
    if (i === n - 1) return NaN; // "12."
    for (let j = i + 1; j < n; j++) {
      const d = text.charCodeAt(j) - 48;
      if (d < 0 || d > 9) return NaN;
      frac = frac * 10 + d;
      fracDigits++;
    }
    if (fracDigits > digits) return NaN;
  }
  let scaledWhole = whole;
  for (let k = 0; k < digits; k++) scaledWhole *= 10;
  for (let k = fracDigits; k < digits; k++) frac *= 10;
  const minor = scaledWhole + frac;
  return minor <= SAFE ? minor : NaN;
}

/** Money strings are validated before a slot is built, so these parses cannot fail. */
function minor(text: string, digits: number): bigint {
  const dot = text.indexOf('.');
  const whole = dot < 0 ? text : text.slice(0, dot);
  const frac = dot < 0 ? '' : text.slice(dot + 1);
  return BigInt(whole + frac.padEnd(digits, '0'));
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b < a ? q + 1n : q;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b > a ? q - 1n : q;
}

function toThreshold(value: bigint): number {
  if (value > BigInt(SAFE)) return Number.POSITIVE_INFINITY;
  if (value < -BigInt(SAFE)) return Number.NEGATIVE_INFINITY;
  return Number(value);
}

/** A CPA charge of one version in one period, with its running aggregates. */
export class CpaSlot {
  readonly kind = 'CPA' as const;
  readonly windowMs: number;
  readonly holdMs: number;
  /** Listed geos; scanned, not hashed: lists are short and the scan is cheaper per record. */
  readonly geos: readonly string[] | null;
  private readonly geoSet: ReadonlySet<string> | null;
  readonly newCustomersOnly: boolean;
  readonly minValueMinor: number;
  readonly cap: number | null;
  /** true when the payout does not depend on the value (pct 0): every conversion pays the same. */
  readonly constantPayout: boolean;
  /** value < lowBelow → pays min; value > highAbove → pays max (integer minor units). */
  readonly lowBelow: number;
  readonly highAbove: number;
  readonly tally = new PayoutTally();
  /** Per partner listed on this charge in this version. */
  readonly partners = new Map<string, PayoutTally>();
  private readonly partnerIds: string[] = [];
  private readonly partnerTallies: PayoutTally[] = [];
  readonly excluded = noExclusions();
  /** Conversions of the charge's version in the period whose event this charge pays for. */
  matched = 0;

  get payout(): CpaPayout {
    return this.charge.payout ?? this.charge.payoutTiers!.tiers[0]!.payout;
  }

  constructor(
    readonly charge: CpaCharge,
    readonly versionIndex: number,
    private readonly digits: number,
    listedPartners: readonly string[],
  ) {
    this.windowMs = charge.attributionWindowDays * DAY_MS;
    this.holdMs = charge.holdDays * DAY_MS;
    this.geos = charge.eligibility.geos;
    this.geoSet = this.geos !== null && this.geos.length > 8 ? new Set(this.geos) : null;
    this.newCustomersOnly = charge.eligibility.newCustomersOnly;
    this.minValueMinor = charge.eligibility.minValue === null ? 0 : Number(minor(charge.eligibility.minValue, digits));
    this.cap = charge.maxConversionsPerPeriod;
    for (const partnerId of listedPartners) {
      if (this.partners.has(partnerId)) continue;
      const tally = new PayoutTally();
      this.partners.set(partnerId, tally);
      this.partnerIds.push(partnerId);
      this.partnerTallies.push(tally);
    }

    // payout(v) = flat + v · p / 100 in units of 10^-(digits+8) with p scaled by 10^6:
    //   payoutScaled = flatMinor · 10^8 + vMinor · pScaled
    const payout = this.payout;
    const pScaled = minor(payout.percentOfValue, 6);
    this.constantPayout = pScaled === 0n;
    const flatScaled = minor(payout.flat, digits) * 10n ** 8n;
    if (this.constantPayout) {
      this.lowBelow = Number.NEGATIVE_INFINITY;
      this.highAbove = Number.POSITIVE_INFINITY;
    } else {
      // pays min  ⇔ vMinor · p < minScaled − flatScaled ⇔ vMinor < ceil((min − flat) / p)
      this.lowBelow = payout.min === null
        ? Number.NEGATIVE_INFINITY
        : toThreshold(ceilDiv(minor(payout.min, digits) * 10n ** 8n - flatScaled, pScaled));
      // pays max  ⇔ vMinor · p > maxScaled − flatScaled ⇔ vMinor > floor((max − flat) / p)
      this.highAbove = payout.max === null
        ? Number.POSITIVE_INFINITY
        : toThreshold(floorDiv(minor(payout.max, digits) * 10n ** 8n - flatScaled, pScaled));
    }
  }

  /** Counts one billable conversion. */
  add(valueMinor: number, partnerId: string | null | undefined): void {
    tallyOne(this, this.tally, valueMinor);
    if (partnerId === null || partnerId === undefined) return;
    const ids = this.partnerIds;
    for (let k = 0; k < ids.length; k++) {
      if (ids[k] === partnerId) {
        tallyOne(this, this.partnerTallies[k]!, valueMinor);
        return;
      }
    }
  }

  /** Rule 3's geo test. */
  geoAllowed(geo: string): boolean {
    const geos = this.geos;
    if (geos === null) return true;
    if (this.geoSet !== null) return this.geoSet.has(geo);
    for (let k = 0; k < geos.length; k++) if (geos[k] === geo) return true;
    return false;
  }

  /** The exact payout of a tally under this charge's terms. */
  exactAmount(tally: PayoutTally): Decimal {
    const { flat, percentOfValue, min, max } = this.payout;
    if (this.constantPayout) return decFromInteger(tally.count).times(clamp(decOfTerm(flat), min, max));
    let amount = ZERO;
    if (tally.atMin > 0) amount = amount.plus(decFromInteger(tally.atMin).times(decOfTerm(min!)));
    if (tally.atMax > 0) amount = amount.plus(decFromInteger(tally.atMax).times(decOfTerm(max!)));
    if (tally.proportional > 0) {
      const values = shiftLeft(decFromInteger(tally.proportionalValueMinor()), this.digits);
      amount = amount
        .plus(decFromInteger(tally.proportional).times(decOfTerm(flat)))
        .plus(shiftLeft(values.times(decOfTerm(percentOfValue)), 2));
    }
    return amount;
  }

  explain(version: number, exact: Decimal, rounding: RoundingMode, amount: string): CpaUsageExplanation {
    const { flat, percentOfValue, min, max } = this.payout;
    const proportional = this.constantPayout ? 0 : this.tally.proportional;
    return {
      kind: 'CPA_USAGE',
      version,
      chargeId: this.charge.id,
      event: this.charge.event,
      quantity: String(this.tally.count),
      payout: { flat, percentOfValue, min, max },
      atMin: this.constantPayout ? 0 : this.tally.atMin,
      atMax: this.constantPayout ? 0 : this.tally.atMax,
      proportional,
      proportionalValue: shiftLeft(decFromInteger(this.tally.proportionalValueMinor()), this.digits).toFixed(this.digits),
      payoutTiers: null,
      overrides: [],
      attribution: 'FIRST_RECORD',
      touches: null,
      excluded: { ...this.excluded },
      exactAmount: exact.toFixed(),
      rounding,
      amount,
    };
  }
}

function clamp(value: Decimal, min: string | null, max: string | null): Decimal {
  if (min !== null && value.lt(decOfTerm(min))) return decOfTerm(min);
  if (max !== null && value.gt(decOfTerm(max))) return decOfTerm(max);
  return value;
}

function tallyOne(slot: CpaSlot, tally: PayoutTally, valueMinor: number): void {
  tally.count++;
  if (slot.constantPayout) return;
  if (valueMinor < slot.lowBelow) tally.atMin++;
  else if (valueMinor > slot.highAbove) tally.atMax++;
  else {
    tally.proportional++;
    tally.addValue(valueMinor);
  }
}
