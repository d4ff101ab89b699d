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

export interface CpaCharge {
  id: string;
  kind: 'CPA';
  event: string;
  payout: CpaPayout;
  attributionWindowDays: number;
  eligibility: CpaEligibility;
  holdDays: number;
  maxConversionsPerPeriod: number | null;
}

export type Charge = CpmCharge | CpaCharge;

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

/** The terms of one version: what the API calls `terms`. */
export interface VersionTerms {
  charges: Charge[];
  minimumCommitment: MinimumCommitment | null;
  budgetCap: BudgetCap | null;
  agencyCommissionPct: string | null;
  partners: PartnerShare[];
}

/** A version as the engine sees it: terms plus when they take effect and when they became known. */
export interface Version extends VersionTerms {
  effectiveFrom: string;
  /** When it was approved; absent = known before every run. */
  recordedAt?: string | null;
}

export interface ContractTerms {
  currency: string;
  timezone: string;
  startDate: string;
  endDate: string;
  rounding: RoundingMode;
  versions: Version[];
}

export interface Impression {
  date: string;
  chargeId: string;
  count: number;
  source: MeasurementSource;
  partnerId?: string | null;
  receivedAt?: string | null;
}

export interface Conversion {
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
