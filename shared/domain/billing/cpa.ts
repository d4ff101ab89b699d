/**
 * CPA: how much a charge pays for the conversions it bills, exactly (FORMAT.md "Charge, CPA"
 * and v2 sections 1–3).
 *
 * Which payout pays a conversion:
 *   - a partner override (v2 §2) when the conversion's partner is listed in one;
 *   - else, with `payoutTiers` (v2 §1), the tier of its rank k (GRADUATED: the first tier whose
 *     upTo is null or ≥ k) or of the line's count N (VOLUME: the first tier whose upTo is null
 *     or ≥ N), ranks taken in (occurredAt, id) order among the line's billable conversions;
 *   - else the charge's single `payout` (v1).
 * Each conversion's exact payout is clamp(flat + value × percentOfValue / 100, min, max).
 *
 * Payouts are not summed conversion by conversion in decimals. For each payout, the clamp is
 * decided by comparing the value, in integer minor units, with two thresholds computed once
 * (PayoutRule); a tally then counts conversions paid min, paid max and paid proportionally
 * (with the sum of their values), and the exact amount is priced once from those aggregates:
 *   atMin × min + atMax × max + proportional × flat + Σvalue × pct / 100.
 * A line's exact amount is the sum over its payouts; a partner's the same over its own tallies.
 */
import type { Attribution, CpaCharge, CpaPayout, RoundingMode } from '../terms/types';
import { decOfTerm, decFromInteger, shiftLeft, ZERO, type Decimal } from '../kernel/money';
import { DAY_MS } from './day-index';
import type { ConversionExclusions, CpaUsageExplanation, OverrideUse, PayoutTierUse, PayoutUse, TouchCounts } from './types';

const SAFE = Number.MAX_SAFE_INTEGER;

/** Aggregate of the conversions paid with one payout (for a line, or one partner on it). */
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

function clamp(value: Decimal, min: string | null, max: string | null): Decimal {
  if (min !== null && value.lt(decOfTerm(min))) return decOfTerm(min);
  if (max !== null && value.gt(decOfTerm(max))) return decOfTerm(max);
  return value;
}

/** A payout's clamp thresholds (see PayoutRule). */
interface Thresholds {
  readonly constantPayout: boolean;
  readonly lowBelow: number;
  readonly highAbove: number;
}

function thresholdsOf(payout: CpaPayout, digits: number): Thresholds {
  // payout(v) = flat + v · p / 100 in units of 10^-(digits+8) with p scaled by 10^6:
  //   payoutScaled = flatMinor · 10^8 + vMinor · pScaled
  const pScaled = minor(payout.percentOfValue, 6);
  if (pScaled === 0n) return { constantPayout: true, lowBelow: Number.NEGATIVE_INFINITY, highAbove: Number.POSITIVE_INFINITY };
  const flatScaled = minor(payout.flat, digits) * 10n ** 8n;
  return {
    constantPayout: false,
    // pays min  ⇔ vMinor · p < minScaled − flatScaled ⇔ vMinor < ceil((min − flat) / p)
    lowBelow: payout.min === null
      ? Number.NEGATIVE_INFINITY
      : toThreshold(ceilDiv(minor(payout.min, digits) * 10n ** 8n - flatScaled, pScaled)),
    // pays max  ⇔ vMinor · p > maxScaled − flatScaled ⇔ vMinor > floor((max − flat) / p)
    highAbove: payout.max === null
      ? Number.POSITIVE_INFINITY
      : toThreshold(floorDiv(minor(payout.max, digits) * 10n ** 8n - flatScaled, pScaled)),
  };
}

// Payouts are few and repeat from contract to contract ("25.00", "2.00 + 7.5% in 5.00..40.00"),
// while their thresholds take a dozen BigInt operations: every CPA charge of every contract
// rated would compute the same ones again. Keyed by the payout's text and the currency's
// digits, the only inputs; cleared when full, like the parsed terms of kernel/money.ts.
const THRESHOLD_CACHE_LIMIT = 10_000;
const thresholdCache = new Map<string, Thresholds>();

function cachedThresholds(payout: CpaPayout, digits: number): Thresholds {
  const key = `${payout.flat}|${payout.percentOfValue}|${payout.min}|${payout.max}|${digits}`;
  let found = thresholdCache.get(key);
  if (found === undefined) {
    found = thresholdsOf(payout, digits);
    if (thresholdCache.size >= THRESHOLD_CACHE_LIMIT) thresholdCache.clear();
    thresholdCache.set(key, found);
  }
  return found;
}

/** One payout's clamp, decided on integer minor units. */
export class PayoutRule {
  /** true when the payout does not depend on the value (pct 0): every conversion pays the same. */
  readonly constantPayout: boolean;
  /** value < lowBelow → pays min; value > highAbove → pays max (integer minor units). */
  readonly lowBelow: number;
  readonly highAbove: number;

  constructor(readonly payout: CpaPayout, private readonly digits: number) {
    const thresholds = cachedThresholds(payout, digits);
    this.constantPayout = thresholds.constantPayout;
    this.lowBelow = thresholds.lowBelow;
    this.highAbove = thresholds.highAbove;
  }

  tally(tally: PayoutTally, valueMinor: number): void {
    tally.count++;
    if (this.constantPayout) return;
    if (valueMinor < this.lowBelow) tally.atMin++;
    else if (valueMinor > this.highAbove) tally.atMax++;
    else {
      tally.proportional++;
      tally.addValue(valueMinor);
    }
  }

  /** The exact payout of a tally under this payout. */
  exactAmount(tally: PayoutTally): Decimal {
    const { flat, percentOfValue, min, max } = this.payout;
    if (tally.count === 0) return ZERO;
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

  /** The explanation of a tally whose exact amount (`exactAmount(tally)`) is known. */
  use(tally: PayoutTally, exact: Decimal): PayoutUse {
    const { flat, percentOfValue, min, max } = this.payout;
    const constant = this.constantPayout;
    return {
      payout: { flat, percentOfValue, min, max },
      count: tally.count,
      atMin: constant ? 0 : tally.atMin,
      atMax: constant ? 0 : tally.atMax,
      proportional: constant ? 0 : tally.proportional,
      proportionalValue: shiftLeft(decFromInteger(tally.proportionalValueMinor()), this.digits).toFixed(this.digits),
      exactAmount: exact.toFixed(),
    };
  }
}

/** Touches of one partner on a touch-attributed charge (v2 §3). */
interface TouchTally {
  won: number;
  lost: number;
}

/**
 * A CPA charge of one version in one period: its billability rules in integer form, its
 * payouts, and the running tallies of the conversions it bills.
 *
 * Payout rules are indexed: [0, tierCount) the tiers (or the single payout at 0), then the
 * overrides. Each line tally and each partner tally is kept per rule.
 */
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
  readonly attribution: Attribution;
  /** LAST_TOUCH or FIRST_TOUCH: v2 §3 replaces rule 7. */
  readonly byTouch: boolean;
  readonly latestTouchWins: boolean;

  /** The single payout's rule, or the tiers' rules in order (v2 §1). */
  private readonly tierRules: PayoutRule[];
  private readonly tierBounds: (number | null)[];
  readonly tierModel: 'GRADUATED' | 'VOLUME' | null;
  private readonly overrideRules: PayoutRule[];
  /** Override partner ids and the index of their override's rule, as parallel arrays (scanned). */
  private readonly overridePartnerIds: string[] = [];
  private readonly overrideRuleOfPartner: number[] = [];
  private readonly rules: PayoutRule[];
  /** Line tallies, per rule. */
  readonly tallies: PayoutTally[];
  /** Per tier (GRADUATED): ranks it covered, and how many of those an override paid. */
  private readonly tierRanks: { from: number | null; to: number | null; overridden: number }[];
  /**
   * Whether a conversion's payout depends on the others of the line (tiers), so the line's
   * conversions are collected and ranked before they are tallied (see usage-selection.ts).
   */
  readonly ranked: boolean;

  /** Per partner listed on this charge in this version: a tally per rule. */
  private readonly partnerIds: string[] = [];
  private readonly partnerTallies: PayoutTally[][] = [];
  readonly excluded = noExclusions();
  /** Conversions of the charge's version in the period whose event this charge pays for. */
  matched = 0;
  /**
   * Touches per partner (null: none named), as parallel arrays in the order partners first
   * appeared: a charge's touches name a few partners, and a scan per touch is cheaper than a
   * Map's get and set.
   */
  private readonly touchPartners: (string | null)[] = [];
  private readonly touchCounts: TouchTally[] = [];

  constructor(
    readonly charge: CpaCharge,
    readonly versionIndex: number,
    private readonly digits: number,
    listedPartners: readonly string[],
  ) {
    this.windowMs = charge.attributionWindowDays * DAY_MS;
    this.holdMs = charge.holdDays * DAY_MS;
    const eligibility = charge.eligibility ?? { geos: null, newCustomersOnly: false, minValue: null };
    this.geos = eligibility.geos ?? null;
    this.geoSet = this.geos !== null && this.geos.length > 8 ? new Set(this.geos) : null;
    this.newCustomersOnly = eligibility.newCustomersOnly ?? false;
    this.minValueMinor = eligibility.minValue === null || eligibility.minValue === undefined ? 0 : Number(minor(eligibility.minValue, digits));
    this.cap = charge.maxConversionsPerPeriod ?? null;
    this.attribution = charge.attribution ?? 'FIRST_RECORD';
    this.byTouch = this.attribution !== 'FIRST_RECORD';
    this.latestTouchWins = this.attribution === 'LAST_TOUCH';

    const tiers = charge.payoutTiers ?? null;
    this.tierModel = tiers === null ? null : tiers.model;
    this.tierRules = tiers === null ? [new PayoutRule(charge.payout!, digits)] : tiers.tiers.map((t) => new PayoutRule(t.payout, digits));
    this.tierBounds = tiers === null ? [null] : tiers.tiers.map((t) => t.upTo);
    this.tierRanks = this.tierRules.map(() => ({ from: null, to: null, overridden: 0 }));
    this.overrideRules = [];
    for (const override of charge.partnerOverrides ?? []) {
      const rule = this.tierRules.length + this.overrideRules.length;
      this.overrideRules.push(new PayoutRule(override.payout, digits));
      for (const partnerId of override.partnerIds) {
        if (this.overridePartnerIds.includes(partnerId)) continue;
        this.overridePartnerIds.push(partnerId);
        this.overrideRuleOfPartner.push(rule);
      }
    }
    this.rules = [...this.tierRules, ...this.overrideRules];
    this.tallies = this.rules.map(() => new PayoutTally());
    this.ranked = tiers !== null;
    for (const partnerId of listedPartners) {
      if (this.partnerIds.includes(partnerId)) continue;
      this.partnerIds.push(partnerId);
      this.partnerTallies.push(this.rules.map(() => new PayoutTally()));
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

  /** v2 §2: the override rule paying this partner's conversions, or −1. */
  overrideRuleOf(partnerId: string | null | undefined): number {
    if (partnerId === null || partnerId === undefined) return -1;
    const ids = this.overridePartnerIds;
    for (let k = 0; k < ids.length; k++) if (ids[k] === partnerId) return this.overrideRuleOfPartner[k]!;
    return -1;
  }

  /** v2 §1: the tier paying rank k (GRADUATED) or every conversion of a line of N (VOLUME). */
  tierOf(rankOrCount: number): number {
    const bounds = this.tierBounds;
    for (let t = 0; t < bounds.length; t++) {
      const upTo = bounds[t]!;
      if (upTo === null || upTo >= rankOrCount) return t;
    }
    return bounds.length - 1;
  }

  /** Counts one billable conversion of an unranked line: its override, else the single payout. */
  add(valueMinor: number, partnerId: string | null | undefined): void {
    const override = this.overrideRuleOf(partnerId);
    this.addWith(override >= 0 ? override : 0, valueMinor, partnerId);
  }

  /**
   * Counts the billable conversions of a ranked line (v2 §1), given in rank order (occurredAt,
   * then id). Overridden conversions take their rank and count in N.
   */
  addRanked(values: readonly number[], partners: readonly (string | null | undefined)[]): void {
    const n = values.length;
    const volumeTier = this.tierModel === 'VOLUME' ? this.tierOf(n) : -1;
    for (let k = 0; k < n; k++) {
      const rank = k + 1;
      const tier = volumeTier >= 0 ? volumeTier : this.tierOf(rank);
      const ranks = this.tierRanks[tier]!;
      if (ranks.from === null) ranks.from = rank;
      ranks.to = rank;
      const override = this.overrideRuleOf(partners[k]);
      if (override >= 0) ranks.overridden++;
      this.addWith(override >= 0 ? override : tier, values[k]!, partners[k]);
    }
  }

  private addWith(rule: number, valueMinor: number, partnerId: string | null | undefined): void {
    const payout = this.rules[rule]!;
    payout.tally(this.tallies[rule]!, valueMinor);
    if (partnerId === null || partnerId === undefined) return;
    const ids = this.partnerIds;
    for (let k = 0; k < ids.length; k++) {
      if (ids[k] === partnerId) {
        payout.tally(this.partnerTallies[k]![rule]!, valueMinor);
        return;
      }
    }
  }

  /** v2 §3: a touch of this charge won its conversion id, or lost it to another touch. */
  countTouch(partnerId: string | null | undefined, won: boolean): void {
    const key = partnerId ?? null;
    const partners = this.touchPartners;
    let at = 0;
    while (at < partners.length && partners[at] !== key) at++;
    if (at === partners.length) {
      partners.push(key);
      this.touchCounts.push({ won: 0, lost: 0 });
    }
    const counts = this.touchCounts[at]!;
    if (won) counts.won++;
    else counts.lost++;
  }

  /** Billable conversions of the line. */
  get count(): number {
    let count = 0;
    for (const tally of this.tallies) count += tally.count;
    return count;
  }

  /**
   * Each rule's exact amount on the line, once the selection has finished: the line's amount
   * and its explanation both read them, and each is a few decimal operations.
   */
  private lineAmounts: Decimal[] | null = null;

  private ruleAmounts(): Decimal[] {
    return (this.lineAmounts ??= this.rules.map((rule, r) => rule.exactAmount(this.tallies[r]!)));
  }

  /** The line's exact amount. */
  exactAmount(): Decimal {
    const amounts = this.ruleAmounts();
    let amount = ZERO;
    for (let r = 0; r < amounts.length; r++) if (this.tallies[r]!.count > 0) amount = amount.plus(amounts[r]!);
    return amount;
  }

  /** A listed partner's billable conversions and their exact payouts; null when not listed. */
  partner(partnerId: string): { count: number; exact: Decimal } | null {
    const at = this.partnerIds.indexOf(partnerId);
    if (at < 0) return null;
    const tallies = this.partnerTallies[at]!;
    return { count: tallies.reduce((sum, t) => sum + t.count, 0), exact: this.sumRules(tallies) };
  }

  private sumRules(tallies: readonly PayoutTally[]): Decimal {
    let amount = ZERO;
    for (let r = 0; r < this.rules.length; r++) {
      if (tallies[r]!.count > 0) amount = amount.plus(this.rules[r]!.exactAmount(tallies[r]!));
    }
    return amount;
  }

  explain(version: number, exact: Decimal, rounding: RoundingMode, amount: string): CpaUsageExplanation {
    const amounts = this.ruleAmounts();
    const uses = this.rules.map((rule, r) => rule.use(this.tallies[r]!, amounts[r]!));
    const total = (field: 'atMin' | 'atMax' | 'proportional') => uses.reduce((sum, u) => sum + u[field], 0);
    let proportionalMinor = 0n;
    for (const tally of this.tallies) proportionalMinor += tally.proportionalValueMinor();
    const tierCount = this.tierRules.length;
    const tiers: PayoutTierUse[] | null = this.tierModel === null ? null : uses.slice(0, tierCount).map((use, t) => ({
      upTo: this.tierBounds[t]!,
      fromRank: this.tierRanks[t]!.from,
      toRank: this.tierRanks[t]!.to,
      overridden: this.tierRanks[t]!.overridden,
      ...use,
    }));
    const overrides: OverrideUse[] = (this.charge.partnerOverrides ?? []).map((override, o) => ({
      partnerIds: [...override.partnerIds],
      ...uses[tierCount + o]!,
    }));
    const touches: TouchCounts[] | null = this.byTouch
      ? this.touchPartners.map((partnerId, k) => ({ partnerId, won: this.touchCounts[k]!.won, lost: this.touchCounts[k]!.lost }))
        .sort((a, b) => (a.partnerId === b.partnerId ? 0 : a.partnerId === null ? 1 : b.partnerId === null ? -1 : a.partnerId < b.partnerId ? -1 : 1))
      : null;
    const single = this.charge.payout ?? null;
    return {
      kind: 'CPA_USAGE',
      version,
      chargeId: this.charge.id,
      event: this.charge.event,
      quantity: String(this.count),
      payout: single === null ? null : { flat: single.flat, percentOfValue: single.percentOfValue, min: single.min, max: single.max },
      atMin: total('atMin'),
      atMax: total('atMax'),
      proportional: total('proportional'),
      proportionalValue: shiftLeft(decFromInteger(proportionalMinor), this.digits).toFixed(this.digits),
      payoutTiers: tiers === null ? null : { model: this.tierModel!, tiers },
      overrides,
      attribution: this.attribution,
      touches,
      excluded: { ...this.excluded },
      exactAmount: exact.toFixed(),
      rounding,
      amount,
    };
  }
}
