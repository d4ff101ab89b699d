/**
 * The rating engine: a pure function from (contract terms, usage, period, asOf, what earlier
 * runs invoiced) to the lines of one period's invoice. Billing runs, invoices, the quote API
 * and the conformance runner all call it; the rules it implements are those of
 * shared/conformance/FORMAT.md.
 *
 * Public API
 * ----------
 *   ratePeriod(request: RateRequest): RatedPeriod
 *     Rates one period. `request.usage` may hold records of any period (the engine selects);
 *     `request.prior` holds every line and payout earlier runs reported for the contract, any
 *     period, and the periods they rated. When it holds anything for `request.period` (a
 *     line, a payout, or the period itself), the run is a re-run and returns
 *     ADJUSTMENT lines (and payout changes) against what was invoiced. Throws ValidationError
 *     (kernel/errors.ts) with field paths (`contract.versions.0.charges.1.pricing.rate`,
 *     `usage.impressions.12.chargeId`, `period`, `asOf`) for invalid inputs, before billing
 *     anything. Deterministic: identical inputs give byte-identical JSON.
 *
 *   rateCase(input: CaseInput): CaseRunResult[]
 *     Executes a sequence of runs of one contract in order, each run's lines and payouts
 *     appended to `prior` for the next (a case of the conformance suite, or a quote). A run
 *     with invalid inputs yields `{ ok: false, error }` and invoices nothing.
 *
 *   invoicedBy(rated): PriorRuns — what a rated run adds to `prior` (lines and payouts by
 *   charge, tagged with the period, and the period), for callers that store runs themselves.
 *
 *   Types: RateRequest, PriorRuns, InvoicedLine, InvoicedPayout, RatedPeriod, RatedLine,
 *   LineType, LineExplanation (types.ts).
 *
 * Line conventions: USAGE lines carry chargeId and version (1-based position in the full
 * `versions` list) and are left out when their quantity is 0; period-level lines
 * (GUARANTEE_CREDIT, CAP_ADJUSTMENT, MINIMUM_TRUE_UP, CREDIT, AGENCY_COMMISSION, in that
 * order after the USAGE lines) carry neither, have quantity "0" and are left out when their
 * amount is 0. Amounts have exactly the currency's minor digits.
 * `subtotal` excludes AGENCY_COMMISSION (and its adjustments), `total` includes every line.
 *
 * How a period is rated
 * ---------------------
 *   1. validate the request (validate-request.ts), plan the period: which visible version
 *      governs each active day (versions.ts);
 *   2. one pass per record kind decodes each record (record-decoding.ts), applies the
 *      billability rules and adds integer counts and minor-unit values to per-(charge,
 *      version) slots (usage-selection.ts, cpm.ts, cpa.ts);
 *   3. each slot is priced once and rounded once (cpm.ts, cpa.ts), then the period lines
 *      (period-lines.ts) and partner payouts (partners.ts);
 *   4. a re-run turns the fresh lines into adjustments (rerun.ts).
 */
import { DomainError, ValidationError, type ErrorDetail } from '../kernel/errors';
import { decFromInteger, Dec, formatMoney, roundMoney, ZERO, type Decimal } from '../kernel/money';
import type { ContractTerms, RoundingMode, Usage } from '../terms/types';
import { explainCpm, priceImpressions, sourceCounts, type CpmSlot } from './cpm';
import type { CpaSlot } from './cpa';
import { partnerPayouts, type PartnerAmount } from './partners';
import { periodLines } from './period-lines';
import { adjustmentLines, payoutChanges, type FreshLine } from './rerun';
import { Flag, LineType, type InvoicedLine, type InvoicedPayout, type PriorRuns, type RatedLine, type RatedPeriod, type RateRequest } from './types';
import { ConversionSelection, ImpressionSelection } from './usage-selection';
import { Problems, validateRequestTerms } from './validate-request';
import { buildPlan, type PeriodPlan } from './versions';

export type * from './types';
export { LineType, Flag } from './types';

interface Fresh {
  lines: FreshLine[];
  payouts: PartnerAmount[];
  flags: string[];
}

function priceUsage(plan: PeriodPlan, mode: RoundingMode): { lines: FreshLine[]; exactBySlot: Map<CpmSlot | CpaSlot, Decimal>; flags: Set<string> } {
  const currency = plan.contract.currency;
  const lines: FreshLine[] = [];
  const exactBySlot = new Map<CpmSlot | CpaSlot, Decimal>();
  const flags = new Set<string>();
  for (const segment of plan.segments) {
    const version = segment.versionIndex + 1;
    for (const slot of segment.slots) {
      if (slot.kind !== 'CPA') {
        const quantity = slot.quantity;
        const price = priceImpressions(slot.charge, quantity);
        exactBySlot.set(slot, price.exact);
        const sources = sourceCounts(slot);
        if (sources.discrepancy) flags.add(Flag.DISCREPANCY);
        if (quantity === 0) continue;
        const amount = roundMoney(price.exact, currency, mode);
        lines.push({
          type: LineType.USAGE, chargeId: slot.charge.id, version, quantity: decFromInteger(quantity), amount,
          explanation: explainCpm(slot, version, price, sources, mode, formatMoney(amount, currency)),
        });
      } else {
        slot.excluded.wrongEvent = segment.conversions - slot.matched;
        const exact = slot.exactAmount();
        exactBySlot.set(slot, exact);
        const count = slot.count;
        if (count === 0) continue;
        const amount = roundMoney(exact, currency, mode);
        lines.push({
          type: LineType.USAGE, chargeId: slot.charge.id, version, quantity: decFromInteger(count), amount,
          explanation: slot.explain(version, exact, mode, formatMoney(amount, currency)),
        });
      }
    }
  }
  return { lines, exactBySlot, flags };
}

function rateFresh(request: Omit<RateRequest, 'usage'>, plan: PeriodPlan, mode: RoundingMode): Fresh {
  const currency = plan.contract.currency;
  const usage = priceUsage(plan, mode);
  const lines = [...usage.lines];
  for (const line of periodLines(plan, request, usage.lines, mode)) {
    lines.push({ type: line.type, quantity: ZERO, amount: line.amount, explanation: line.explanation });
  }
  return {
    lines,
    payouts: partnerPayouts(plan, usage.exactBySlot, currency, mode),
    flags: [...usage.flags].sort(),
  };
}

function totals(lines: readonly { type: LineType; adjusts?: LineType; amount: Decimal }[]): { subtotal: Decimal; total: Decimal } {
  let subtotal = ZERO;
  let total = ZERO;
  for (const line of lines) {
    total = total.plus(line.amount);
    const kind = line.type === LineType.ADJUSTMENT ? line.adjusts : line.type;
    if (kind !== LineType.AGENCY_COMMISSION) subtotal = subtotal.plus(line.amount);
  }
  return { subtotal, total };
}

function payoutOutput(payouts: readonly PartnerAmount[], currency: string): Pick<RatedPeriod, 'partnerPayouts' | 'partnerPayoutsByCharge'> {
  const perPartner = new Map<string, Decimal>();
  for (const p of payouts) perPartner.set(p.partnerId, (perPartner.get(p.partnerId) ?? ZERO).plus(p.amount));
  return {
    partnerPayouts: [...perPartner.entries()]
      .filter(([, amount]) => !amount.eq(ZERO))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([partnerId, amount]) => ({ partnerId, amount: formatMoney(amount, currency) })),
    partnerPayoutsByCharge: payouts
      .filter((p) => !p.amount.eq(ZERO))
      .map((p) => ({ partnerId: p.partnerId, chargeId: p.chargeId, amount: formatMoney(p.amount, currency) })),
  };
}

/** Rates one period of a contract. See the file header. */
export function ratePeriod(request: RateRequest): RatedPeriod {
  const rating = new PeriodRating(request, request.usage.conversions);
  rating.add(request.usage);
  return rating.finish();
}

/** A page of usage: some of the period's records, in the order the whole usage gives them. */
export interface UsagePage {
  impressions: readonly Usage['impressions'][number][];
  conversions: readonly Usage['conversions'][number][];
}

/**
 * Rates one period from its usage given page by page, as a store reads it, holding running
 * aggregates instead of the records: the same rated period, byte for byte, as `ratePeriod` on
 * one usage of all the pages' records in the order given (impressions after impressions,
 * conversions after conversions), and the same errors. What is kept across pages is compact:
 * per CPM/CPCV charge and version counts; per conversion id its first position and id (rule 7);
 * the candidates of §3's contests; the conversions that rule 8 and §1's ranks must order
 * (usage-selection.ts). A page can be dropped once it has been added.
 */
export async function ratePeriodFromPages(request: Omit<RateRequest, 'usage'>, pages: AsyncIterable<UsagePage> | Iterable<UsagePage>): Promise<RatedPeriod> {
  const rating = new PeriodRating(request, null);
  for await (const page of pages) rating.add(page);
  return rating.finish();
}

/** One period's rating: the terms checked and the plan made, then usage added (all at once or page by page), then priced. */
class PeriodRating {
  private readonly problems = new Problems();
  private readonly plan: PeriodPlan;
  private readonly impressions: ImpressionSelection;
  private readonly conversions: ConversionSelection;

  constructor(private readonly request: Omit<RateRequest, 'usage'>, allConversions: readonly Usage['conversions'][number][] | null) {
    validateRequestTerms(request, this.problems);
    this.problems.throwIfAny();
    this.plan = buildPlan(request.contract, request.period, request.asOf);
    this.impressions = new ImpressionSelection(this.plan, this.problems);
    this.conversions = new ConversionSelection(this.plan, this.problems, allConversions);
  }

  add(page: UsagePage): void {
    if (page.impressions.length > 0) this.impressions.add(page.impressions);
    if (page.conversions.length > 0) this.conversions.add(page.conversions);
  }

  finish(): RatedPeriod {
    this.impressions.finish();
    this.conversions.finish();
    this.problems.throwIfAny();
    return rated(this.request, this.plan);
  }
}

function rated(request: Omit<RateRequest, 'usage'>, plan: PeriodPlan): RatedPeriod {
  const { contract, period } = request;
  const mode: RoundingMode = contract.rounding ?? 'HALF_EVEN';
  const currency = contract.currency;
  const fresh = rateFresh(request, plan, mode);
  const isRerun = (request.prior.periods?.includes(period) ?? false)
    || request.prior.lines.some((l) => l.period === period) || request.prior.payouts.some((p) => p.period === period);

  if (!isRerun) {
    const { subtotal, total } = totals(fresh.lines);
    return {
      period,
      currency,
      isRerun,
      lines: fresh.lines.map((line) => toRatedLine(line, currency)),
      subtotal: formatMoney(subtotal, currency),
      total: formatMoney(total, currency),
      ...payoutOutput(fresh.payouts, currency),
      flags: fresh.flags,
    };
  }

  const lines = adjustmentLines(period, fresh.lines, request.prior.lines, currency);
  const { subtotal, total } = totals(lines.map((l) => ({ type: l.type, adjusts: l.adjusts, amount: Dec(l.amount) })));
  return {
    period,
    currency,
    isRerun,
    lines,
    subtotal: formatMoney(subtotal, currency),
    total: formatMoney(total, currency),
    ...payoutOutput(payoutChanges(period, fresh.payouts, request.prior.payouts), currency),
    flags: fresh.flags,
  };
}

function toRatedLine(line: FreshLine, currency: string): RatedLine {
  return {
    type: line.type,
    ...(line.chargeId !== undefined ? { chargeId: line.chargeId } : {}),
    ...(line.version !== undefined ? { version: line.version } : {}),
    quantity: line.quantity.toFixed(),
    amount: formatMoney(line.amount, currency),
    explanation: line.explanation,
  };
}

// ---------------------------------------------------------------------------------------
// Sequences of runs

export interface CaseRun {
  period: string;
  asOf: string;
}

export interface CaseInput {
  contract: ContractTerms;
  usage: Usage;
  runs: readonly CaseRun[];
  /** What runs before this sequence invoiced; empty by default. */
  prior?: PriorRuns;
}

export interface RunFailure {
  kind: DomainError['kind'];
  code: string;
  message: string;
  details: ErrorDetail[];
}

export type CaseRunResult =
  | { ok: true; period: string; asOf: string; rated: RatedPeriod }
  | { ok: false; period: string; asOf: string; error: RunFailure };

/** What a rated run adds to `prior` for the runs after it. */
export function invoicedBy(rated: RatedPeriod): PriorRuns {
  const lines: InvoicedLine[] = rated.lines.map((line) => ({
    period: rated.period,
    type: line.type,
    ...(line.adjusts !== undefined ? { adjusts: line.adjusts } : {}),
    ...(line.chargeId !== undefined ? { chargeId: line.chargeId } : {}),
    ...(line.version !== undefined ? { version: line.version } : {}),
    quantity: line.quantity,
    amount: line.amount,
  }));
  const payouts: InvoicedPayout[] = rated.partnerPayoutsByCharge.map((p) => ({ period: rated.period, ...p }));
  // The period is recorded even when the run invoiced nothing: its next run is a re-run.
  return { lines, payouts, periods: [rated.period] };
}

/**
 * Runs a sequence of runs in order, each seeing what the earlier ones invoiced. A run whose
 * inputs are invalid yields its error and invoices nothing; the following runs still execute.
 */
export function rateCase(input: CaseInput): CaseRunResult[] {
  const prior: Required<PriorRuns> = {
    lines: [...(input.prior?.lines ?? [])],
    payouts: [...(input.prior?.payouts ?? [])],
    periods: [...(input.prior?.periods ?? [])],
  };
  const results: CaseRunResult[] = [];
  for (const run of input.runs) {
    try {
      const rated = ratePeriod({ contract: input.contract, usage: input.usage, period: run.period, asOf: run.asOf, prior });
      const invoiced = invoicedBy(rated);
      prior.lines.push(...invoiced.lines);
      prior.payouts.push(...invoiced.payouts);
      prior.periods.push(...(invoiced.periods ?? []));
      results.push({ ok: true, period: run.period, asOf: run.asOf, rated });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      results.push({
        ok: false, period: run.period, asOf: run.asOf,
        error: { kind: error.kind, code: error.code, message: error.message, details: error.details },
      });
    }
  }
  return results;
}

/** The error a whole case yields when its inputs were rejected before rating (e.g. by a schema). */
export function rejectedCase(runs: readonly CaseRun[], error: ValidationError): CaseRunResult[] {
  return runs.map((run) => ({
    ok: false as const, period: run.period, asOf: run.asOf,
    error: { kind: error.kind, code: error.code, message: error.message, details: error.details },
  }));
}
