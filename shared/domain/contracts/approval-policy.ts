/**
 * Maker-checker approval. A version's committed value is what the advertiser commits to over
 * the version's term: the minimum commitment times the billing periods (months) of the term,
 * or the budget cap (CONTRACT scope: its amount; PERIOD scope: amount times periods), whichever
 * is larger. At or above the currency's threshold, two approvals by two different people are
 * needed, one of them holding `finance`; below it, one approval. The author never approves.
 *
 * A version can also change what was already invoiced: a backdated amendment re-rates past
 * periods. Its impact (impact.ts: the total change a re-run of every invoiced period it touches
 * would bill, counted in absolute value per period) is judged against the same threshold when
 * an approval is given: at or above it, two approvals including finance, like a large
 * commitment. Each approval records the impact its approver was shown.
 *
 * Thresholds default to 100000.00 for USD, EUR and GBP and can be configured per currency. A
 * currency WITHOUT a threshold is always treated as at/above it (two approvals, one finance):
 * converting to a known currency would need exchange rates the domain does not have, and a
 * missing threshold must fail safe rather than let a large JPY contract through on one approval.
 */
import Big from 'big.js';
import { ConflictError, ForbiddenError } from '../kernel/errors';
import type { VersionTerms } from '../terms/types';
import type { Approval, ContractVersion } from './model';
import { nextVersionStatus, VersionAction } from './transitions';

export type ApprovalThresholds = Readonly<Record<string, string>>;

export const DEFAULT_APPROVAL_THRESHOLDS: ApprovalThresholds = Object.freeze({ USD: '100000.00', EUR: '100000.00', GBP: '100000.00' });

export interface ApprovalRequirement {
  approvals: 1 | 2;
  financeRequired: boolean;
  committedValue: string;
  /** null: the currency has no threshold, so the stricter rule applies. */
  threshold: string | null;
}

export interface Approver {
  sub: string;
  roles: readonly string[];
}

const FINANCE = 'finance';

/** Billing periods (calendar months) touched by [from, to], both `YYYY-MM-DD`, inclusive. */
export function periodsInTerm(from: string, to: string): number {
  if (to < from) return 0;
  const index = (day: string) => Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7)) - 1;
  return index(to) - index(from) + 1;
}

export function committedValue(terms: VersionTerms, from: string, to: string): Big {
  const periods = periodsInTerm(from, to);
  const minimum = terms.minimumCommitment ? new Big(terms.minimumCommitment.amount).times(periods) : new Big(0);
  const cap = terms.budgetCap
    ? terms.budgetCap.scope === 'CONTRACT'
      ? new Big(terms.budgetCap.amount)
      : new Big(terms.budgetCap.amount).times(periods)
    : new Big(0);
  return minimum.gt(cap) ? minimum : cap;
}

export function requirementFor(value: Big, currency: string, thresholds: ApprovalThresholds): ApprovalRequirement {
  const threshold = Object.hasOwn(thresholds, currency) ? thresholds[currency]! : null;
  const dual = threshold === null || value.gte(threshold);
  return { approvals: dual ? 2 : 1, financeRequired: dual, committedValue: value.toFixed(), threshold };
}

/** What an approver was shown of a version's effect on invoiced periods when approving it. */
export interface ApprovalImpact {
  /** The instant the periods were re-rated at. */
  asOf: string;
  currency: string;
  /** Sum of the absolute total change of each invoiced period the version touches. */
  absolute: string;
  /** Net total change over those periods. */
  total: string;
  periods: { period: string; total: string }[];
}

/**
 * The requirement fixed at submission, made stricter when the impact on invoiced periods is at
 * or above the threshold (or the currency has none): two approvals, one of them finance.
 */
export function requirementWithImpact(requirement: ApprovalRequirement, impact: Pick<ApprovalImpact, 'absolute'> | null): ApprovalRequirement {
  if (!impact) return requirement;
  const dual = requirement.threshold === null || new Big(impact.absolute).gte(requirement.threshold);
  return dual ? { ...requirement, approvals: 2, financeRequired: true } : requirement;
}

export function isSatisfied(requirement: ApprovalRequirement, approvals: readonly Pick<Approval, 'approverId' | 'roles'>[]): boolean {
  const distinct = new Set(approvals.map((a) => a.approverId));
  const hasFinance = approvals.some((a) => a.roles.includes(FINANCE));
  return distinct.size >= requirement.approvals && (!requirement.financeRequired || hasFinance);
}

/**
 * Checks one approval against the policy. Guards in order: the version must be pending (409
 * `illegal_transition`), the approver must not be an author (403 `author_cannot_approve`), nor
 * have approved already (409 `already_approved`). Returns whether the policy is now met.
 */
export function checkApproval(
  version: Pick<ContractVersion, 'status' | 'authors' | 'requirement'>,
  existing: readonly Pick<Approval, 'approverId' | 'roles'>[],
  approver: Approver,
  impact: Pick<ApprovalImpact, 'absolute'> | null = null,
): { satisfied: boolean; requirement: ApprovalRequirement } {
  nextVersionStatus(version.status, VersionAction.APPROVE);
  if (version.authors.includes(approver.sub)) {
    throw new ForbiddenError('the author of a version cannot approve it', 'author_cannot_approve');
  }
  if (existing.some((a) => a.approverId === approver.sub)) {
    throw new ConflictError('you have already approved this version', 'already_approved');
  }
  const requirement = requirementWithImpact(version.requirement ?? { approvals: 2, financeRequired: true, committedValue: '0', threshold: null }, impact);
  return { requirement, satisfied: isSatisfied(requirement, [...existing, { approverId: approver.sub, roles: [...approver.roles] }]) };
}

/** Parses the APPROVAL_THRESHOLDS configuration (JSON object currency -> decimal string). */
export function parseThresholds(json: string | undefined): ApprovalThresholds {
  if (json === undefined || json.trim() === '') return DEFAULT_APPROVAL_THRESHOLDS;
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('APPROVAL_THRESHOLDS must be a JSON object');
  const out: Record<string, string> = { ...DEFAULT_APPROVAL_THRESHOLDS };
  for (const [currency, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (!/^[A-Z]{3}$/.test(currency) || typeof value !== 'string' || !/^\d+(\.\d+)?$/.test(value)) {
      throw new TypeError(`APPROVAL_THRESHOLDS: "${currency}" must map to a decimal string`);
    }
    out[currency] = value;
  }
  return Object.freeze(out);
}
