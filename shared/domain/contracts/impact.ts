/**
 * The impact of a draft or pending version on what was already invoiced, before anyone
 * approves it. Every invoiced period the version touches is re-rated with the stored usage as
 * if the version were approved now, exactly as the billing run after the approval would
 * re-rate it: the same engine (ratePeriod), the same prior runs, periods in order, each seeing
 * the adjustments of the ones before (a contract-wide cap carries over). Nothing is stored.
 *
 * Approved credits are rated as the run rates them (each from its approval instant).
 *
 * The current period's usage is rated to date both ways (as things are, and with the version),
 * as spend (usage after the cap, spend.ts: the minimum true-up of a month not over is no
 * spend), and the difference reported: not invoiced yet, it shows what the next invoice holds.
 */
import Big from 'big.js';
import { addDays } from '../kernel/calendar';
import { ConflictError } from '../kernel/errors';
import { formatMoney } from '../kernel/money';
import { invoicedBy, ratePeriod } from '../billing/rate';
import type { PartnerChargePayout, PriorRuns, RatedLine } from '../billing/types';
import { isBilledInPeriod } from '../billing-runs/plan';
import type { Usage } from '../terms/types';
import type { ApprovalImpact } from './approval-policy';
import { asIfApproved } from './approve-version';
import type { ContractAggregate, ContractVersion } from './model';
import { VersionKind, VersionStatus } from './status';
import { contractToday, termsVersions, toContractTerms } from './terms';
import { spendOf } from './spend';

export interface ImpactPorts {
  usage: { loadPeriodUsage(contractId: string, period: string): Promise<Usage> };
  invoices: { loadPriorRuns(contractId: string): Promise<PriorRuns> };
}

export interface PeriodImpact {
  period: string;
  /** The ADJUSTMENT lines the re-run would invoice. */
  lines: RatedLine[];
  subtotal: string;
  /** The total change the re-run would invoice (negative: a credit). */
  total: string;
  /** Changes of partner payouts, per partner and charge. */
  partnerPayouts: PartnerChargePayout[];
}

export interface VersionImpact {
  contractId: string;
  version: number;
  currency: string;
  /** The instant the periods were rated at; the version is taken as approved at that instant. */
  asOf: string;
  periods: PeriodImpact[];
  /** Net total change over the invoiced periods. */
  total: string;
  /** Sum of each period's absolute total change: what the approval policy weighs. */
  absolute: string;
  /** The contract's current (not yet invoiced) period, rated to date without and with the version. */
  currentPeriod: { period: string; before: string; after: string; change: string };
}

const OPEN = new Set<string>([VersionStatus.DRAFT, VersionStatus.PENDING_APPROVAL]);

/** The first contract-local day whose billing the version changes. */
function firstChangedDay(version: ContractVersion): string {
  return version.kind === VersionKind.TERMINATION ? addDays(version.termination!.effectiveDate, 1) : version.effectiveFrom;
}

function invoicedPeriods(prior: PriorRuns): string[] {
  const periods = new Set<string>(prior.periods ?? []);
  for (const line of prior.lines) periods.add(line.period);
  for (const payout of prior.payouts) periods.add(payout.period);
  return [...periods].sort();
}

const merge = (a: PriorRuns, b: PriorRuns): PriorRuns => ({
  lines: [...a.lines, ...b.lines],
  payouts: [...a.payouts, ...b.payouts],
  periods: [...(a.periods ?? []), ...(b.periods ?? [])],
});

/** What a period's usage bills to date after the cap (spend.ts), or zero when the contract is not billed in it. */
function rateToDate(aggregate: ContractAggregate, usage: Usage, period: string, asOf: string, prior: PriorRuns): Big {
  if (!isBilledInPeriod(aggregate.contract, period) || termsVersions(aggregate.versions).length === 0) return new Big(0);
  return spendOf(ratePeriod({ contract: toContractTerms(aggregate.contract, aggregate.versions, aggregate.credits), usage, period, asOf, prior }));
}

export async function previewImpact(ports: ImpactPorts, aggregate: ContractAggregate, number: number, now: Date): Promise<VersionImpact> {
  const version = aggregate.versions.find((v) => v.number === number);
  if (!version) throw new ConflictError(`contract ${aggregate.contract.id} has no version ${number}`, 'not_found');
  if (!OPEN.has(version.status)) {
    throw new ConflictError(`version ${number} is ${version.status}; only a draft or pending version has an impact to preview`, 'version_not_open');
  }
  const { contract } = aggregate;
  const asOf = now.toISOString();
  const after = asIfApproved(aggregate, version, now);
  // With the contract's approved credits, as the billing run rates them: an invoiced credit is
  // not reversed by the preview, and one approved since the last run is in it.
  const afterTerms = toContractTerms(after.contract, after.versions, after.credits);
  const currency = contract.currency;

  const prior = await ports.invoices.loadPriorRuns(contract.id);
  const fromPeriod = firstChangedDay(version).slice(0, 7);
  const touched = invoicedPeriods(prior).filter((period) => period >= fromPeriod && isBilledInPeriod(after.contract, period));
  const currentPeriod = contractToday(contract, now).slice(0, 7);
  const toLoad = [...new Set([...touched, currentPeriod])];
  const usageOf = new Map(await Promise.all(toLoad.map(async (period) => [period, await ports.usage.loadPeriodUsage(contract.id, period)] as const)));

  const periods: PeriodImpact[] = [];
  let chained = prior;
  let total = new Big(0);
  let absolute = new Big(0);
  for (const period of touched) {
    const rated = ratePeriod({ contract: afterTerms, usage: usageOf.get(period)!, period, asOf, prior: chained });
    chained = merge(chained, invoicedBy(rated));
    periods.push({ period, lines: rated.lines, subtotal: rated.subtotal, total: rated.total, partnerPayouts: rated.partnerPayoutsByCharge });
    total = total.plus(rated.total);
    absolute = absolute.plus(new Big(rated.total).abs());
  }

  const usage = usageOf.get(currentPeriod)!;
  const before = touched.includes(currentPeriod) ? new Big(0) : rateToDate(aggregate, usage, currentPeriod, asOf, prior);
  const afterToDate = touched.includes(currentPeriod) ? new Big(periods.find((p) => p.period === currentPeriod)!.total) : rateToDate(after, usage, currentPeriod, asOf, chained);

  return {
    contractId: contract.id,
    version: number,
    currency,
    asOf,
    periods,
    total: formatMoney(total, currency),
    absolute: formatMoney(absolute, currency),
    currentPeriod: {
      period: currentPeriod,
      before: formatMoney(before, currency),
      after: formatMoney(afterToDate, currency),
      change: formatMoney(afterToDate.minus(before), currency),
    },
  };
}

/** What an approval records of an impact: the figures, without the lines. */
export const approvalImpactOf = (impact: VersionImpact): ApprovalImpact => ({
  asOf: impact.asOf,
  currency: impact.currency,
  absolute: impact.absolute,
  total: impact.total,
  periods: impact.periods.map(({ period, total }) => ({ period, total })),
});
