/**
 * The rating engine's public shapes (see rate.ts for the entry points). Everything here is
 * plain data: money and quantities as decimal strings, JSON-serialisable, with keys built in
 * a fixed order so that identical inputs give byte-identical output.
 */
import type { ContractTerms, RoundingMode, Usage } from '../terms/types';

/** In the order lines appear on a first run (FORMAT.md v2), then ADJUSTMENT (re-runs). */
export const LineType = {
  USAGE: 'USAGE',
  GUARANTEE_CREDIT: 'GUARANTEE_CREDIT',
  CAP_ADJUSTMENT: 'CAP_ADJUSTMENT',
  MINIMUM_TRUE_UP: 'MINIMUM_TRUE_UP',
  CREDIT: 'CREDIT',
  AGENCY_COMMISSION: 'AGENCY_COMMISSION',
  ADJUSTMENT: 'ADJUSTMENT',
} as const;
export type LineType = (typeof LineType)[keyof typeof LineType];

export const Flag = { DISCREPANCY: 'DISCREPANCY' } as const;
export type Flag = (typeof Flag)[keyof typeof Flag];

/** A line an earlier run invoiced (any period of the contract). */
export interface InvoicedLine {
  period: string;
  type: LineType;
  adjusts?: LineType;
  chargeId?: string;
  version?: number;
  quantity: string;
  amount: string;
}

/** A rounded payout (or, from a re-run, a change of payout) reported by an earlier run. */
export interface InvoicedPayout {
  period: string;
  partnerId: string;
  chargeId: string;
  amount: string;
}

/** Everything earlier runs invoiced for this contract, for ANY period. */
export interface PriorRuns {
  lines: InvoicedLine[];
  payouts: InvoicedPayout[];
  /**
   * The periods earlier runs rated, whether or not they invoiced anything. A run with nothing
   * to bill leaves no line and no payout, yet the next run of its period is still a later run
   * (ADJUSTMENT lines, FORMAT.md), not a second first run. Absent: a period counts as run when
   * a line or payout names it.
   */
  periods?: string[];
}

export interface RateRequest {
  contract: ContractTerms;
  /** May hold records of other periods: the engine selects the period's own. */
  usage: Usage;
  /** `YYYY-MM`, a month in the contract's zone. */
  period: string;
  /** ISO instant: what the run knows (versions recorded, usage received, reversals). */
  asOf: string;
  prior: PriorRuns;
  /**
   * True when the terms were read from the contract store (contracts/terms.ts
   * `toContractTerms`), which holds only terms that passed the contract rules when they were
   * written: create, amend and renew each check them, and that every stored contract's terms
   * pass them is tested over random lifecycles (test/hardening/lifecycle-model.test.ts). The
   * versions' contract rules (terms/validate.ts `validateContractTerms`) are then not run
   * again for every period rated; the credits' rules and the engine's own guards
   * (validate-request.ts) still are. Absent or false: the terms are checked in full (quotes,
   * the conformance suite, proposed amendments, any other caller).
   */
  termsCheckedOnWrite?: boolean;
}

// ---------------------------------------------------------------------------------------
// Explanations: why each line says what it says. One shape per line kind.

export interface TierUse {
  upTo: number | null;
  rate: string;
  /** Impressions priced in this tier (GRADUATED), or the whole quantity in the tier reached (VOLUME). */
  quantity: string;
}

export interface SourceCounts {
  billableSource: 'FIRST_PARTY' | 'THIRD_PARTY';
  firstParty: string;
  thirdParty: string;
  discrepancyThresholdPct: string | null;
  /** |firstParty − thirdParty| / billable × 100 > threshold, both sources above 0. */
  discrepancy: boolean;
}

export interface CpmUsageExplanation {
  /** CPCV_USAGE: a CPCV charge; quantity, tiers and partner shares count completed views, rate per view. */
  kind: 'CPM_USAGE' | 'CPCV_USAGE';
  version: number;
  chargeId: string;
  quantity: string;
  pricing:
    | { model: 'FLAT'; rate: string; per: 1000 | 1 }
    | { model: 'GRADUATED' | 'VOLUME'; per: 1000 | 1; tiers: TierUse[] };
  /** Impressions (CPM) or completed views (CPCV) per source. */
  sources: SourceCounts;
  exactAmount: string;
  rounding: RoundingMode;
  amount: string;
}

export interface ConversionExclusions {
  wrongEvent: number;
  outsideWindow: number;
  ineligible: number;
  reversed: number;
  held: number;
  notReceived: number;
  duplicate: number;
  overCap: number;
}

export interface PayoutTerms {
  flat: string;
  percentOfValue: string;
  min: string | null;
  max: string | null;
}

/** How the conversions paid under one payout came out: at its min, at its max, or proportionally. */
export interface PayoutUse {
  payout: PayoutTerms;
  /** Conversions paid with this payout. */
  count: number;
  /** Of those: paid `min`, paid `max`, and paid `flat + value × pct / 100`. */
  atMin: number;
  atMax: number;
  proportional: number;
  /** Sum of the values of the proportional ones. */
  proportionalValue: string;
  exactAmount: string;
}

/** v2 payout tiers: which ranks each tier paid (GRADUATED), or the tier N reached (VOLUME). */
export interface PayoutTierUse extends PayoutUse {
  upTo: number | null;
  /** Ranks [fromRank, toRank] of the line paid by this tier (overridden ranks included); null when none. */
  fromRank: number | null;
  toRank: number | null;
  /** Ranks in the range paid by a partner override instead. */
  overridden: number;
}

/** v2 partner override: who it names and what it paid. */
export interface OverrideUse extends PayoutUse {
  partnerIds: string[];
}

/** v2 attribution: touches per partner that won (billed or judged) and lost (duplicates). */
export interface TouchCounts {
  partnerId: string | null;
  won: number;
  lost: number;
}

export interface CpaUsageExplanation {
  kind: 'CPA_USAGE';
  version: number;
  chargeId: string;
  event: string;
  quantity: string;
  /** The single payout (v1), or null when the charge has payoutTiers. */
  payout: PayoutTerms | null;
  /** Billable conversions paid `min`, paid `max`, and paid `flat + value × pct / 100`, under every payout. */
  atMin: number;
  atMax: number;
  proportional: number;
  /** Sum of the values of the proportional ones. */
  proportionalValue: string;
  /** v2: the tiers (null without payoutTiers), N being the line's quantity. */
  payoutTiers: { model: 'GRADUATED' | 'VOLUME'; tiers: PayoutTierUse[] } | null;
  /** v2: each partner override with its count (empty without overrides). */
  overrides: OverrideUse[];
  /** v2: FIRST_RECORD (v1 rule 7), LAST_TOUCH or FIRST_TOUCH. */
  attribution: 'FIRST_RECORD' | 'LAST_TOUCH' | 'FIRST_TOUCH';
  /** v2, touch attribution only: touches won and lost per partner (null partner: records without one). */
  touches: TouchCounts[] | null;
  excluded: ConversionExclusions;
  exactAmount: string;
  rounding: RoundingMode;
  amount: string;
}

export interface GuaranteeExplanation {
  kind: 'GUARANTEE_CREDIT';
  version: number;
  maxCostPerConversion: string;
  mediaChargeIds: string[];
  conversionChargeIds: string[];
  /** M: the period's rounded USAGE amounts of the media charges (every version). */
  media: string;
  /** C: the period's USAGE quantities of the conversion charges (every version). */
  conversions: string;
  /** maxCostPerConversion × C. */
  allowed: string;
  /** −max(0, M − allowed). */
  amount: string;
}

export interface CreditUse {
  id: string;
  reason: 'MAKE_GOOD' | 'SERVICE_CREDIT' | 'GOODWILL';
  amount: string;
  recordedAt: string | null;
}

export interface CreditExplanation {
  kind: 'CREDIT';
  /** The period's credits the run sees (recordedAt ≤ asOf), by id. */
  credits: CreditUse[];
  amount: string;
}

export interface CapExplanation {
  kind: 'CAP_ADJUSTMENT';
  version: number;
  scope: 'PERIOD' | 'CONTRACT';
  cap: string;
  /** CONTRACT scope: USAGE, GUARANTEE_CREDIT and CAP_ADJUSTMENT amounts invoiced for earlier periods. */
  alreadyInvoiced: string | null;
  /** The rounded USAGE lines plus GUARANTEE_CREDIT. */
  usage: string;
  capped: string;
  exactAmount: string;
  rounding: RoundingMode;
  amount: string;
}

export interface MinimumExplanation {
  kind: 'MINIMUM_TRUE_UP';
  version: number;
  minimum: string;
  prorate: boolean;
  activeDays: number;
  daysInPeriod: number;
  usage: string;
  capAdjustment: string;
  exactAmount: string;
  rounding: RoundingMode;
  amount: string;
}

export interface CommissionExplanation {
  kind: 'AGENCY_COMMISSION';
  version: number;
  commissionPct: string;
  /** USAGE + GUARANTEE_CREDIT + CAP_ADJUSTMENT + MINIMUM_TRUE_UP + CREDIT. */
  base: string;
  exactAmount: string;
  rounding: RoundingMode;
  amount: string;
}

export type FreshExplanation =
  | CpmUsageExplanation
  | CpaUsageExplanation
  | GuaranteeExplanation
  | CapExplanation
  | MinimumExplanation
  | CreditExplanation
  | CommissionExplanation;

export interface AdjustmentExplanation {
  kind: 'ADJUSTMENT';
  adjusts: LineType;
  previouslyInvoiced: { quantity: string; amount: string };
  recomputed: { quantity: string; amount: string };
  /** The fresh computation's line, or null when the line is gone from it. */
  fresh: FreshExplanation | null;
}

export type LineExplanation = FreshExplanation | AdjustmentExplanation;

// ---------------------------------------------------------------------------------------

export interface RatedLine {
  type: LineType;
  adjusts?: LineType;
  chargeId?: string;
  version?: number;
  quantity: string;
  amount: string;
  explanation: LineExplanation;
}

export interface PartnerPayout {
  partnerId: string;
  amount: string;
}

export interface PartnerChargePayout {
  partnerId: string;
  chargeId: string;
  amount: string;
}

export interface RatedPeriod {
  period: string;
  currency: string;
  isRerun: boolean;
  lines: RatedLine[];
  subtotal: string;
  total: string;
  partnerPayouts: PartnerPayout[];
  partnerPayoutsByCharge: PartnerChargePayout[];
  flags: string[];
}
