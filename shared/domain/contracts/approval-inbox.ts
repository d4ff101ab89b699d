/**
 * The approval inbox: what awaits a decision, as an approver sees it. Only items the caller may
 * still decide are shown: never one they authored (maker-checker) nor one they already
 * approved. The requirement shown is the policy's for the impact as it is now, so an approver
 * knows before opening it whether finance has to sign too.
 */
import { isSatisfied, requirementWithImpact, type ApprovalImpact, type ApprovalRequirement } from './approval-policy';
import { approvalsOf, type ContractAggregate, type ContractVersion } from './model';
import { CreditStatus, type Credit } from '../credits/model';
import { VersionKind, VersionStatus } from './status';

/** The inbox's kinds (API.md): a contract's first version is `new`. */
export const InboxKind = { NEW: 'new', AMENDMENT: 'amendment', RENEWAL: 'renewal', TERMINATION: 'termination', CREDIT: 'credit' } as const;
export type InboxKind = (typeof InboxKind)[keyof typeof InboxKind];

const KIND_OF_VERSION: Record<VersionKind, InboxKind> = {
  [VersionKind.INITIAL]: InboxKind.NEW,
  [VersionKind.AMENDMENT]: InboxKind.AMENDMENT,
  [VersionKind.RENEWAL]: InboxKind.RENEWAL,
  [VersionKind.TERMINATION]: InboxKind.TERMINATION,
};

export interface InboxItem {
  contractId: string;
  advertiserId: string;
  kind: InboxKind;
  version?: number;
  creditId?: string;
  /** Who drafted it; `authors` holds everyone who drafted, edited or submitted it. */
  author: string;
  authors: string[];
  submittedAt: string;
  currency: string;
  committedValue: string;
  impact: ApprovalImpact | null;
  approvals: { approverId: string; roles: string[]; at: string }[];
  required: { approvals: number; financeRequired: boolean; approvalsStillNeeded: number; financeStillNeeded: boolean };
}

/** Whether `sub` may still decide the version: pending, not among its authors, not approved by them already. */
export function mayDecide(aggregate: ContractAggregate, version: ContractVersion, sub: string): boolean {
  if (version.status !== VersionStatus.PENDING_APPROVAL) return false;
  if (version.authors.includes(sub)) return false;
  return !approvalsOf(aggregate, version.number).some((a) => a.approverId === sub);
}

export function mayDecideCredit(credit: Credit, sub: string): boolean {
  return credit.status === CreditStatus.PENDING_APPROVAL && credit.createdBy !== sub && !credit.approvals.some((a) => a.approverId === sub);
}

function required(requirement: ApprovalRequirement, approvals: readonly { approverId: string; roles: string[] }[]): InboxItem['required'] {
  const distinct = new Set(approvals.map((a) => a.approverId)).size;
  const financeSigned = approvals.some((a) => a.roles.includes('finance'));
  return {
    approvals: requirement.approvals,
    financeRequired: requirement.financeRequired,
    approvalsStillNeeded: isSatisfied(requirement, approvals) ? 0 : Math.max(requirement.approvals - distinct, requirement.financeRequired && !financeSigned ? 1 : 0),
    financeStillNeeded: requirement.financeRequired && !financeSigned,
  };
}

/** A pending credit: its amount is its committed value; it changes no invoice until rated, so no impact. */
export function creditInboxItem(aggregate: ContractAggregate, credit: Credit): InboxItem {
  return {
    contractId: aggregate.contract.id,
    advertiserId: aggregate.contract.advertiserId,
    kind: InboxKind.CREDIT,
    creditId: credit.id,
    author: credit.createdBy,
    authors: [credit.createdBy],
    submittedAt: credit.createdAt,
    currency: aggregate.contract.currency,
    committedValue: credit.requirement.committedValue,
    impact: null,
    approvals: credit.approvals.map(({ approverId, roles, at }) => ({ approverId, roles, at })),
    required: required(credit.requirement, credit.approvals),
  };
}

export function inboxItem(aggregate: ContractAggregate, version: ContractVersion, impact: ApprovalImpact | null): InboxItem {
  const approvals = approvalsOf(aggregate, version.number);
  const requirement = requirementWithImpact(version.requirement ?? { approvals: 2, financeRequired: true, committedValue: '0', threshold: null }, impact);
  return {
    contractId: aggregate.contract.id,
    advertiserId: aggregate.contract.advertiserId,
    kind: KIND_OF_VERSION[version.kind],
    version: version.number,
    author: version.createdBy,
    authors: [...version.authors],
    submittedAt: version.submittedAt ?? version.updatedAt,
    currency: aggregate.contract.currency,
    committedValue: requirement.committedValue,
    impact,
    approvals: approvals.map(({ approverId, roles, at }) => ({ approverId, roles, at })),
    required: required(requirement, approvals),
  };
}
