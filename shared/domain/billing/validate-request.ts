/**
 * Guards of a rating request. The API and the conformance runner parse inputs with the zod
 * schemas first, but the engine is a public function: it re-checks what it relies on (the
 * contract rules of terms/validate.ts, decimal formats, tiers, the run's period and asOf)
 * and reports every problem with its field path. Usage records are checked in the same pass
 * that selects them (usage-selection.ts), through the same collector.
 */
import { ValidationError, type ErrorDetail } from '../kernel/errors';
import { plainDecimalPlaces, validateContractTerms, validateCredits } from '../terms/validate';
import type { ContractTerms, CpmPricing } from '../terms/types';
import { parseInstant, parsePeriod } from './day-index';
import type { PriorRuns } from './types';

/** At most this many problems are reported; the rest add nothing a caller can act on. */
export const MAX_REPORTED_PROBLEMS = 50;

export class Problems {
  readonly details: ErrorDetail[] = [];
  private dropped = 0;

  add(path: string, message: string): void {
    if (this.details.length < MAX_REPORTED_PROBLEMS) this.details.push({ path, message });
    else this.dropped++;
  }

  get count(): number {
    return this.details.length + this.dropped;
  }

  throwIfAny(): void {
    if (this.count === 0) return;
    const first = this.details[0]!;
    const more = this.count > 1 ? ` (and ${this.count - 1} more)` : '';
    throw new ValidationError(`invalid rating input: ${first.path}: ${first.message}${more}`, [...this.details], 'invalid_rating_input');
  }
}

const AMOUNT = /^-?\d+(\.\d+)?$/;

/** Whether a rate is a non-negative decimal string with at most 6 decimals (`/^\d+(\.\d{1,6})?$/`). */
function isRate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const places = plainDecimalPlaces(value);
  return places >= 0 && places <= 6;
}

function checkRate(value: unknown, path: string, problems: Problems): void {
  if (!isRate(value)) problems.add(path, 'must be a non-negative decimal string with at most 6 decimals');
}

function checkPercent(value: unknown, path: string, problems: Problems): void {
  if (value === null || value === undefined) return;
  if (!isRate(value)) {
    checkRate(value, path, problems);
    return;
  }
  // A rate, so comparing its integer part is exact; above 100 only when the fraction is not zero.
  const dot = value.indexOf('.');
  const whole = Number(dot < 0 ? value : value.slice(0, dot));
  if (whole > 100 || (whole === 100 && dot >= 0 && !onlyZeros(value, dot + 1))) problems.add(path, 'a percentage is at most 100');
}

function onlyZeros(text: string, from: number): boolean {
  for (let k = from; k < text.length; k++) if (text.charCodeAt(k) !== 48 /* 0 */) return false;
  return true;
}

function checkCount(value: unknown, path: string, problems: Problems, nullable = false): void {
  if (nullable && value === null) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) problems.add(path, 'must be a non-negative integer');
}

/** CPM and CPCV pricing: a FLAT rate, or tiers ascending in upTo and ending unbounded. */
function checkPricing(pricing: CpmPricing, path: string, problems: Problems): void {
  if (pricing.model === 'FLAT') {
    checkRate(pricing.rate, `${path}.rate`, problems);
  } else if (pricing.model === 'GRADUATED' || pricing.model === 'VOLUME') {
    if (!Array.isArray(pricing.tiers) || pricing.tiers.length === 0) problems.add(`${path}.tiers`, 'at least one tier is required');
    pricing.tiers?.forEach((tier, t) => {
      const last = t === pricing.tiers.length - 1;
      checkRate(tier.rate, `${path}.tiers.${t}.rate`, problems);
      if (last && tier.upTo !== null) problems.add(`${path}.tiers.${t}.upTo`, 'the last tier must have upTo: null');
      if (!last) {
        if (tier.upTo === null) problems.add(`${path}.tiers.${t}.upTo`, 'only the last tier may be unbounded');
        else checkCount(tier.upTo, `${path}.tiers.${t}.upTo`, problems);
      }
      const previous = t > 0 ? pricing.tiers[t - 1]!.upTo : null;
      if (t > 0 && tier.upTo !== null && previous !== null && tier.upTo <= previous) {
        problems.add(`${path}.tiers.${t}.upTo`, 'tiers must be in ascending upTo order');
      }
    });
  } else {
    problems.add(`${path}.model`, 'must be FLAT, GRADUATED or VOLUME');
  }
}

/** The shape rules the engine relies on beyond validateContractTerms. */
function checkTermShapes(contract: ContractTerms, problems: Problems): void {
  if (contract.rounding !== undefined && contract.rounding !== 'HALF_EVEN' && contract.rounding !== 'HALF_UP') {
    problems.add('contract.rounding', 'must be HALF_EVEN or HALF_UP');
  }
  contract.versions.forEach((version, v) => {
    const at = `contract.versions.${v}`;
    checkPercent(version.agencyCommissionPct, `${at}.agencyCommissionPct`, problems);
    if (version.budgetCap && version.budgetCap.scope !== 'PERIOD' && version.budgetCap.scope !== 'CONTRACT') {
      problems.add(`${at}.budgetCap.scope`, 'must be PERIOD or CONTRACT');
    }
    version.charges.forEach((charge, c) => {
      const path = `${at}.charges.${c}`;
      if (charge.kind === 'CPM' || charge.kind === 'CPCV') {
        checkPricing(charge.pricing, `${path}.pricing`, problems);
        if (charge.billableSource !== undefined && charge.billableSource !== 'FIRST_PARTY' && charge.billableSource !== 'THIRD_PARTY') {
          problems.add(`${path}.billableSource`, 'must be FIRST_PARTY or THIRD_PARTY');
        }
        if (charge.kind === 'CPM') checkPercent(charge.discrepancyThresholdPct, `${path}.discrepancyThresholdPct`, problems);
      } else if (charge.kind === 'CPA') {
        if (charge.payout) checkPercent(charge.payout.percentOfValue, `${path}.payout.percentOfValue`, problems);
        charge.payoutTiers?.tiers?.forEach((tier, t) => checkPercent(tier.payout?.percentOfValue, `${path}.payoutTiers.tiers.${t}.payout.percentOfValue`, problems));
        charge.partnerOverrides?.forEach((override, o) => checkPercent(override.payout?.percentOfValue, `${path}.partnerOverrides.${o}.payout.percentOfValue`, problems));
        checkCount(charge.attributionWindowDays, `${path}.attributionWindowDays`, problems);
        checkCount(charge.holdDays, `${path}.holdDays`, problems);
        checkCount(charge.maxConversionsPerPeriod, `${path}.maxConversionsPerPeriod`, problems, true);
      } else {
        problems.add(`${path}.kind`, 'must be CPM, CPCV or CPA');
      }
    });
    version.partners.forEach((share, p) => checkPercent(share.percentOfRevenue, `${at}.partners.${p}.percentOfRevenue`, problems));
  });
}

/** Checks everything but the usage records (the contract rules only where the terms were not checked on write). */
export function validateRequestTerms(
  request: { contract: ContractTerms; period: string; asOf: string; prior: PriorRuns; termsCheckedOnWrite?: boolean },
  problems: Problems,
): void {
  const { contract } = request;
  if (request.termsCheckedOnWrite === true) {
    // Credits come from their own write path (credits/create-credit.ts), with rules of its own: checked every time.
    for (const detail of validateCredits(contract.credits ?? [], contract.currency)) problems.add(`contract.${detail.path}`, detail.message);
    // A contract with no approved version is never billed; were it asked, the plan needs one.
    if (contract.versions.length === 0) problems.add('contract.versions', 'at least one version is required');
  } else {
    for (const detail of validateContractTerms(contract)) problems.add(`contract.${detail.path}`, detail.message);
  }
  checkTermShapes(contract, problems);
  if (parsePeriod(request.period) === null) problems.add('period', 'must be a period YYYY-MM');
  if (Number.isNaN(parseInstant(request.asOf))) problems.add('asOf', 'must be an ISO 8601 instant');
  request.prior.lines.forEach((line, i) => {
    if (parsePeriod(line.period) === null) problems.add(`prior.lines.${i}.period`, 'must be a period YYYY-MM');
    if (typeof line.amount !== 'string' || !AMOUNT.test(line.amount)) problems.add(`prior.lines.${i}.amount`, 'must be a decimal string');
    if (typeof line.quantity !== 'string' || !AMOUNT.test(line.quantity)) problems.add(`prior.lines.${i}.quantity`, 'must be a decimal string');
  });
  request.prior.payouts.forEach((payout, i) => {
    if (parsePeriod(payout.period) === null) problems.add(`prior.payouts.${i}.period`, 'must be a period YYYY-MM');
    if (typeof payout.amount !== 'string' || !AMOUNT.test(payout.amount)) problems.add(`prior.payouts.${i}.amount`, 'must be a decimal string');
  });
}
