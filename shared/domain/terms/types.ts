/**
 * Contract terms, in the shapes of the billing conformance format (FORMAT.md). The API, the
 * billing runs and the conformance runner all speak these types. Money and rates are decimal
 * strings; counts are integers; days are YYYY-MM-DD in the contract's zone; instants are ISO UTC.
 */
export const RoundingMode = { HALF_EVEN: 'HALF_EVEN', HALF_UP: 'HALF_UP' } as const;
export type RoundingMode = (typeof RoundingMode)[keyof typeof RoundingMode];

export const MeasurementSource = { FIRST_PARTY: 'FIRST_PARTY', THIRD_PARTY: 'THIRD_PARTY' } as const;
export type MeasurementSource = (typeof MeasurementSource)[keyof typeof MeasurementSource];

export interface Tier {
  /** Cumulative inclusive upper bound in impressions; null = unbounded (last tier only). */
  upTo: number | null;
  rate: string;
}

export type CpmPricing =
  | { model: 'FLAT'; rate: string }
  | { model: 'GRADUATED' | 'VOLUME'; tiers: Tier[] };

export interface CpmCharge {
  id: string;
  kind: 'CPM';
  pricing: CpmPricing;
  billableSource?: MeasurementSource;
  discrepancyThresholdPct?: string | null;
}

/**
 * Cost per completed view (v2): the same pricing shapes as CPM, but the rate is per view (not
 * per thousand) and tiers count views. Quantity: the `completedViews` of billable records.
 */
export interface CpcvCharge {
  id: string;
  kind: 'CPCV';
  pricing: CpmPricing;
  billableSource?: MeasurementSource;
}

export interface CpaPayout {
  flat: string;
  percentOfValue: string;
  min: string | null;
  max: string | null;
}

export interface CpaEligibility {
  geos: string[] | null;
  newCustomersOnly: boolean;
  minValue: string | null;
}

/** v2 performance tiers: one payout per tier of ranks (GRADUATED) or of the line's count (VOLUME). */
export interface CpaPayoutTier {
  /** Cumulative inclusive upper bound in conversions (ranks); null = unbounded (last tier only). */
  upTo: number | null;
  payout: CpaPayout;
}

export interface CpaPayoutTiers {
  model: 'GRADUATED' | 'VOLUME';
  tiers: CpaPayoutTier[];
}

/** v2 partner-specific pricing: the listed partners' conversions are paid this payout instead. */
export interface PartnerOverride {
  partnerIds: string[];
  payout: CpaPayout;
}

export const Attribution = { FIRST_RECORD: 'FIRST_RECORD', LAST_TOUCH: 'LAST_TOUCH', FIRST_TOUCH: 'FIRST_TOUCH' } as const;
export type Attribution = (typeof Attribution)[keyof typeof Attribution];

export interface CpaCharge {
  id: string;
  kind: 'CPA';
  event: string;
  /** Exactly one of `payout` and `payoutTiers` is set (checked by validateVersionTerms). */
  payout?: CpaPayout | null;
  payoutTiers?: CpaPayoutTiers | null;
  partnerOverrides?: PartnerOverride[] | null;
  /** Which touch of a conversion id wins; absent = FIRST_RECORD (v1 rule 7). */
  attribution?: Attribution | null;
  attributionWindowDays: number;
  eligibility: CpaEligibility;
  holdDays: number;
  maxConversionsPerPeriod: number | null;
}

export type Charge = CpmCharge | CpcvCharge | CpaCharge;
export type ChargeKind = Charge['kind'];

/** Exactly one of the two forms is set (checked by validateVersionTerms). */
export interface PartnerShare {
  partnerId: string;
  chargeIds: string[];
  percentOfRevenue?: string;
  flatPerConversion?: string;
}

export interface MinimumCommitment {
  amount: string;
  prorate: boolean;
}

export const CapScope = { PERIOD: 'PERIOD', CONTRACT: 'CONTRACT' } as const;
export type CapScope = (typeof CapScope)[keyof typeof CapScope];

export interface BudgetCap {
  amount: string;
  scope: CapScope;
}

/**
 * v2: the media cost per conversion the advertiser pays at most in a period; the excess comes
 * back as a GUARANTEE_CREDIT line. Media: CPM or CPCV charges; conversions: CPA charges.
 */
export interface PerformanceGuarantee {
  maxCostPerConversion: string;
  mediaChargeIds: string[];
  conversionChargeIds: string[];
}

/** The terms of one version: what the API calls `terms`. */
export interface VersionTerms {
  charges: Charge[];
  minimumCommitment: MinimumCommitment | null;
  budgetCap: BudgetCap | null;
  agencyCommissionPct: string | null;
  partners: PartnerShare[];
  performanceGuarantee?: PerformanceGuarantee | null;
}

/** A version as the engine sees it: terms plus when they take effect and when they became known. */
export interface Version extends VersionTerms {
  effectiveFrom: string;
  /** When it was approved; absent = known before every run. */
  recordedAt?: string | null;
}

export const CreditReason = { MAKE_GOOD: 'MAKE_GOOD', SERVICE_CREDIT: 'SERVICE_CREDIT', GOODWILL: 'GOODWILL' } as const;
export type CreditReason = (typeof CreditReason)[keyof typeof CreditReason];

/** v2: an approved credit (make-good) of one period; contract-level, not versioned. */
export interface Credit {
  id: string;
  /** `YYYY-MM`. */
  period: string;
  /** Positive money in the contract's currency. */
  amount: string;
  reason: CreditReason;
  /** When it was approved; a run with asOf < recordedAt does not see it. Absent = always. */
  recordedAt?: string | null;
}

export interface ContractTerms {
  currency: string;
  timezone: string;
  startDate: string;
  endDate: string;
  rounding: RoundingMode;
  versions: Version[];
  /** v2: approved credits, any period; absent = none. */
  credits?: Credit[] | null;
}

export interface Impression {
  date: string;
  chargeId: string;
  count: number;
  source: MeasurementSource;
  partnerId?: string | null;
  receivedAt?: string | null;
  /** v2: completed views among `count` (0..count), billed by CPCV charges; absent = 0. */
  completedViews?: number;
  /**
   * Decoded at ingestion (usage/decode.ts): epoch ms of `receivedAt`, null when it has none.
   * Absent on records given as FORMAT.md text; then rating parses `receivedAt`.
   */
  receivedMs?: number | null;
}

/**
 * What ingestion decodes once from a conversion's text and stores beside it
 * (usage/decode.ts), so that rating reads numbers instead of parsing strings. A record read
 * back from the usage store carries all of these; a record given as FORMAT.md text (the API,
 * files, the conformance suite) carries none, and rating parses its text. Never part of the
 * API: the schemas refuse these fields.
 */
export interface DecodedConversion {
  /** Epoch ms of occurredAt and exposureAt. */
  occurredMs: number;
  exposureMs: number;
  /** Epoch ms of reversedAt and receivedAt; null when the record has none. */
  reversedMs: number | null;
  receivedMs: number | null;
  /** `value` as an integer of its own decimals: "12.5" is 125 at scale 1 ("" or absent: 0 at 0). */
  valueUnits: number;
  valueScale: number;
  /** 32-bit FNV-1a hash of `id` (billing/first-ids.ts `idHash`). */
  idHash: number;
}

/**
 * A conversion record. v2: several records may share an `id`, one per partner that reports a
 * touch of the conversion (differing in `partnerId` and `exposureAt`); the charge's
 * `attribution` decides which one is billed.
 */
export interface Conversion extends Partial<DecodedConversion> {
  id: string;
  event: string;
  occurredAt: string;
  exposureAt: string;
  value: string;
  geo: string;
  newCustomer: boolean;
  partnerId?: string | null;
  reversedAt?: string | null;
  receivedAt?: string | null;
}

export interface Usage {
  impressions: Impression[];
  conversions: Conversion[];
}
