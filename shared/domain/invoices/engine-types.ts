/**
 * The rating engine's shapes as invoices consume them. Invoices accept any rated period with
 * these fields (the engine's RatedPeriod is one), and hand PriorRuns back in the engine's own
 * types.
 */
import type { InvoicedLine, InvoicedPayout, LineType, PartnerChargePayout, PriorRuns } from '../billing/types';

export type { InvoicedLine, InvoicedPayout, LineType, PriorRuns };
export type PartnerPayoutByCharge = PartnerChargePayout;

export interface RatedLineInput {
  type: LineType;
  adjusts?: LineType;
  chargeId?: string;
  version?: number;
  /** Decimal string; negative in re-run adjustments. */
  quantity: string;
  /** Decimal string rounded to the currency's minor units. */
  amount: string;
  /** The engine's structured explanation (plain JSON data). */
  explanation?: unknown;
}

export interface RatedPeriodInput {
  period: string;
  currency: string;
  isRerun: boolean;
  lines: readonly RatedLineInput[];
  subtotal: string;
  total: string;
  partnerPayoutsByCharge: readonly PartnerPayoutByCharge[];
  flags: readonly string[];
}
