/**
 * The rating engine's public shapes (see rate.ts for the entry points). Everything here is
 * plain data: money and quantities as decimal strings, JSON-serialisable, with keys built in
 * a fixed order so that identical inputs give byte-identical output.
 */
import type { ContractTerms, RoundingMode, Usage } from '../terms/types';

export const LineType = {
  USAGE: 'USAGE',
  CAP_ADJUSTMENT: 'CAP_ADJUSTMENT',
  MINIMUM_TRUE_UP: 'MINIMUM_TRUE_UP',
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
  kind: 'CPM_USAGE';
  version: number;
  chargeId: string;
  quantity: string;
  pricing:
    | { model: 'FLAT'; rate: string; per: 1000 }
    | { model: 'GRADUATED' | 'VOLUME'; per: 1000; tiers: TierUse[] };
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

export interface CpaUsageExplanation {
  kind: 'CPA_USAGE';
  version: number;
  chargeId: string;
  event: string;
  quantity: string;
  payout: { flat: string; percentOfValue: string; min: string | null; max: string | null };
  /** Billable conversions paid `min`, paid `max`, and paid `flat + value × pct / 100`. */
  atMin: number;
  atMax: number;
  proportional: number;
  /** Sum of the values of the proportional ones. */
  proportionalValue: string;
  excluded: ConversionExclusions;
  exactAmount: string;
  rounding: RoundingMode;
  amount: string;
}

export interface CapExplanation {
  kind: 'CAP_ADJUSTMENT';
  version: number;
  scope: 'PERIOD' | 'CONTRACT';
  cap: string;
  /** CONTRACT scope: USAGE and CAP_ADJUSTMENT amounts invoiced for earlier periods. */
  alreadyInvoiced: string | null;
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
  base: string;
  exactAmount: string;
  rounding: RoundingMode;
  amount: string;
}

export type FreshExplanation =
  | CpmUsageExplanation
  | CpaUsageExplanation
  | CapExplanation
  | MinimumExplanation
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
