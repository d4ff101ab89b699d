/**
 * Zod schemas of the contract-terms and usage shapes (FORMAT.md). Strict: unknown keys are
 * rejected. They check shapes and currency-free rules; the currency-dependent and
 * cross-reference rules live in the pure domain (shared/domain/terms/validate.ts).
 */
// Before any schema is built here: API schemas call .openapi() on these (see zod-openapi.ts).
import './zod-openapi';
import * as z from 'zod';
import { isDay, isPeriod, isUtcInstant } from '../domain/kernel/calendar';
import type { Charge, ContractTerms, Conversion, Impression, Version, VersionTerms } from '../domain/terms/types';

const DECIMAL = /^\d+(\.\d+)?$/;

/** Non-negative money as a decimal string; its digits are checked against the currency later. */
export const MoneyString = z.string().max(40).regex(DECIMAL, 'must be a non-negative decimal string such as "12.50"');
/** Rates carry at most 6 decimals. */
export const RateString = z.string().max(40).regex(/^\d+(\.\d{1,6})?$/, 'must be a non-negative decimal string with at most 6 decimals');
/** Percentages: 0 to 100, at most 6 decimals. */
export const PercentString = RateString.refine((v) => Number(v) <= 100, 'a percentage is at most 100');
export const Day = z.string().refine(isDay, 'must be a calendar day YYYY-MM-DD');
export const Instant = z.string().refine(isUtcInstant, 'must be an ISO 8601 instant in UTC such as 2027-01-05T10:00:00Z');
export const Id = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/, 'must be 1-128 letters, digits, or . _ : -');
const Count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const Tier = z.strictObject({ upTo: Count.positive().nullable(), rate: RateString });

const Tiers = z.array(Tier).min(1).max(50).superRefine((tiers, ctx) => {
  tiers.forEach((tier, i) => {
    const last = i === tiers.length - 1;
    if (last && tier.upTo !== null) ctx.addIssue({ code: 'custom', path: [i, 'upTo'], message: 'the last tier must have upTo: null' });
    if (!last && tier.upTo === null) ctx.addIssue({ code: 'custom', path: [i, 'upTo'], message: 'only the last tier may be unbounded' });
    const prev = tiers[i - 1]?.upTo;
    if (i > 0 && tier.upTo !== null && prev != null && tier.upTo <= prev) {
      ctx.addIssue({ code: 'custom', path: [i, 'upTo'], message: 'tiers must be in ascending upTo order' });
    }
  });
});

const CpmPricing = z.discriminatedUnion('model', [
  z.strictObject({ model: z.literal('FLAT'), rate: RateString }),
  z.strictObject({ model: z.literal('GRADUATED'), tiers: Tiers }),
  z.strictObject({ model: z.literal('VOLUME'), tiers: Tiers }),
]);

const Source = z.enum(['FIRST_PARTY', 'THIRD_PARTY']);

export const CpmChargeSchema = z.strictObject({
  id: Id,
  kind: z.literal('CPM'),
  pricing: CpmPricing,
  billableSource: Source.default('FIRST_PARTY'),
  discrepancyThresholdPct: PercentString.nullable().optional(),
});

/** v2: a CPCV charge prices completed views with the CPM pricing shapes (rate per view). No discrepancy threshold. */
export const CpcvChargeSchema = z.strictObject({
  id: Id,
  kind: z.literal('CPCV'),
  pricing: CpmPricing,
  billableSource: Source.default('FIRST_PARTY'),
});

export const CpaPayoutSchema = z.strictObject({
  flat: MoneyString.default('0'),
  percentOfValue: PercentString.default('0'),
  min: MoneyString.nullable().default(null),
  max: MoneyString.nullable().default(null),
});

/** v2 performance tiers: ascending `upTo` in conversions, the last null (as CPM tiers). */
const PayoutTier = z.strictObject({ upTo: Count.positive().nullable(), payout: CpaPayoutSchema });
const PayoutTiers = z.array(PayoutTier).min(1).max(50).superRefine((tiers, ctx) => {
  tiers.forEach((tier, i) => {
    const last = i === tiers.length - 1;
    if (last && tier.upTo !== null) ctx.addIssue({ code: 'custom', path: [i, 'upTo'], message: 'the last tier must have upTo: null' });
    if (!last && tier.upTo === null) ctx.addIssue({ code: 'custom', path: [i, 'upTo'], message: 'only the last tier may be unbounded' });
    const prev = tiers[i - 1]?.upTo;
    if (i > 0 && tier.upTo !== null && prev != null && tier.upTo <= prev) {
      ctx.addIssue({ code: 'custom', path: [i, 'upTo'], message: 'tiers must be in ascending upTo order' });
    }
  });
});

export const CpaPayoutTiersSchema = z.strictObject({ model: z.enum(['GRADUATED', 'VOLUME']), tiers: PayoutTiers });

export const PartnerOverrideSchema = z.strictObject({ partnerIds: z.array(Id).min(1).max(100), payout: CpaPayoutSchema });

export const CpaChargeSchema = z.strictObject({
  id: Id,
  kind: z.literal('CPA'),
  event: z.string().min(1).max(64),
  // Exactly one of payout and payoutTiers: checked with the other cross-field rules (terms/validate.ts).
  payout: CpaPayoutSchema.nullable().optional(),
  payoutTiers: CpaPayoutTiersSchema.nullable().optional(),
  partnerOverrides: z.array(PartnerOverrideSchema).max(50).nullable().optional(),
  attribution: z.enum(['FIRST_RECORD', 'LAST_TOUCH', 'FIRST_TOUCH']).nullable().optional(),
  attributionWindowDays: Count.max(3650),
  eligibility: z
    .strictObject({
      geos: z.array(z.string().min(1).max(8)).max(300).nullable().default(null),
      newCustomersOnly: z.boolean().default(false),
      minValue: MoneyString.nullable().default(null),
    })
    .default({ geos: null, newCustomersOnly: false, minValue: null }),
  holdDays: Count.max(3650).default(0),
  maxConversionsPerPeriod: Count.nullable().default(null),
});

export const ChargeSchema = z.discriminatedUnion('kind', [CpmChargeSchema, CpcvChargeSchema, CpaChargeSchema]);

export const PartnerShareSchema = z.strictObject({
  partnerId: Id,
  chargeIds: z.array(Id).min(1).max(100),
  percentOfRevenue: PercentString.optional(),
  flatPerConversion: MoneyString.optional(),
});

export const VersionTermsSchema = z.strictObject({
  charges: z.array(ChargeSchema).min(1).max(100),
  minimumCommitment: z.strictObject({ amount: MoneyString, prorate: z.boolean().default(false) }).nullable().default(null),
  budgetCap: z.strictObject({ amount: MoneyString, scope: z.enum(['PERIOD', 'CONTRACT']) }).nullable().default(null),
  agencyCommissionPct: PercentString.nullable().default(null),
  partners: z.array(PartnerShareSchema).max(100).default([]),
  performanceGuarantee: z.strictObject({
    maxCostPerConversion: MoneyString,
    mediaChargeIds: z.array(Id).max(100),
    conversionChargeIds: z.array(Id).max(100),
  }).nullable().optional(),
});

export const VersionSchema = VersionTermsSchema.extend({
  effectiveFrom: Day,
  recordedAt: Instant.nullable().optional(),
});

/** v2: an approved credit of one period (contract-level). Amount digits and unique ids: terms/validate.ts. */
export const CreditSchema = z.strictObject({
  id: Id,
  period: z.string().refine(isPeriod, 'must be a period YYYY-MM'),
  amount: MoneyString,
  reason: z.enum(['MAKE_GOOD', 'SERVICE_CREDIT', 'GOODWILL']),
  recordedAt: Instant.nullable().optional(),
});

export const ContractTermsSchema = z.strictObject({
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
  timezone: z.string().min(1).max(64),
  startDate: Day,
  endDate: Day,
  rounding: z.enum(['HALF_EVEN', 'HALF_UP']).default('HALF_EVEN'),
  versions: z.array(VersionSchema).min(1).max(200),
  credits: z.array(CreditSchema).max(1000).optional(),
});

export const ImpressionSchema = z.strictObject({
  date: Day,
  chargeId: Id,
  count: Count,
  source: Source,
  partnerId: Id.nullable().optional(),
  receivedAt: Instant.nullable().optional(),
  /** v2: completed views (0..count) for CPCV charges; `count` bounds it (checked against the record). */
  completedViews: Count.optional(),
}).refine((r) => r.completedViews === undefined || r.completedViews <= r.count, {
  path: ['completedViews'], message: 'completedViews may not exceed count',
});

export const ConversionSchema = z.strictObject({
  id: Id,
  event: z.string().min(1).max(64),
  occurredAt: Instant,
  exposureAt: Instant,
  /** Absent: 0 (FORMAT.md clarifications). */
  value: MoneyString.default('0'),
  geo: z.string().min(1).max(8),
  newCustomer: z.boolean(),
  partnerId: Id.nullable().optional(),
  reversedAt: Instant.nullable().optional(),
  receivedAt: Instant.nullable().optional(),
});

export const UsageSchema = z.strictObject({
  impressions: z.array(ImpressionSchema).default([]),
  conversions: z.array(ConversionSchema).default([]),
});

// Compile-time proof that the schemas produce the domain's types.
type Assert<T extends true> = T;
export type _Checks = [
  Assert<z.output<typeof ChargeSchema> extends Charge ? true : false>,
  Assert<z.output<typeof VersionTermsSchema> extends VersionTerms ? true : false>,
  Assert<z.output<typeof VersionSchema> extends Version ? true : false>,
  Assert<z.output<typeof ContractTermsSchema> extends ContractTerms ? true : false>,
  Assert<z.output<typeof ImpressionSchema> extends Impression ? true : false>,
  Assert<z.output<typeof ConversionSchema> extends Conversion ? true : false>,
];
