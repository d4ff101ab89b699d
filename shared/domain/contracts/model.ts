/**
 * The contract aggregate: a contract, its numbered versions and their approvals. Every mutable
 * record carries `version`, its optimistic-lock counter (the ETag); the store writes a change
 * only if the counters are still those that were read.
 */
import type { RoundingMode, VersionTerms } from '../terms/types';
import type { ContractStatus, VersionKind, VersionStatus } from './status';
import type { ApprovalImpact, ApprovalRequirement } from './approval-policy';
import type { Credit } from '../credits/model';

export interface AutoRenew {
  termMonths: number;
  /** The contract renews unless terminated at least this many days before endDate. */
  noticeDays: number;
}

export interface Contract {
  id: string;
  advertiserId: string;
  name: string;
  currency: string;
  timezone: string;
  startDate: string;
  /** Last active day, inclusive; renewals extend it, an approved termination moves it. */
  endDate: string;
  rounding: RoundingMode;
  autoRenew: AutoRenew | false;
  status: ContractStatus;
  /** The advertiser's purchase order / insertion order number, printed on its invoices. */
  poNumber?: string | null;
  /** Set by an approved termination: the contract ends on this day as TERMINATED, not EXPIRED. */
  terminatedOn: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Who made the last change. */
  actor: string;
  version: number;
}

export interface RenewalDetails {
  termMonths: number;
  rateUpliftPct: string | null;
  previousEndDate: string;
  newEndDate: string;
}

export interface TerminationDetails {
  effectiveDate: string;
  reason: string;
}

export interface ContractVersion {
  contractId: string;
  number: number;
  kind: VersionKind;
  status: VersionStatus;
  effectiveFrom: string;
  terms: VersionTerms;
  /** effectiveFrom was before the contract-local day the version was drafted. */
  backdated: boolean;
  /** When it was approved: the instant from which billing runs see it. */
  recordedAt: string | null;
  renewal: RenewalDetails | null;
  termination: TerminationDetails | null;
  /** Whoever created, edited or submitted it: none of them may approve it (maker-checker). */
  authors: string[];
  /** Fixed at submission from the committed value and the thresholds. */
  requirement: ApprovalRequirement | null;
  rejection: { by: string; reason: string; at: string } | null;
  supersededBy: number | null;
  createdBy: string;
  createdAt: string;
  submittedAt: string | null;
  updatedAt: string;
  actor: string;
  version: number;
}

export interface Approval {
  contractId: string;
  versionNumber: number;
  approverId: string;
  /** The approver's roles when approving (the finance requirement is judged on them). */
  roles: string[];
  comment: string | null;
  at: string;
  /** The impact on invoiced periods the approver was shown (absent on approvals recorded before impacts existed). */
  impact?: ApprovalImpact | null;
}

export interface ContractAggregate {
  contract: Contract;
  /** Ascending by number. */
  versions: ContractVersion[];
  approvals: Approval[];
  /**
   * The contract's credits (shared/domain/credits), read with the aggregate so a billing run
   * rates the approved ones without another read. Read-only here: commits never write them.
   */
  credits?: Credit[];
}

/** A change of one aggregate, written atomically by the store. `expectedVersion` null = create. */
export interface AggregateChange {
  contract: { next: Contract; expectedVersion: number | null };
  versions: { next: ContractVersion; expectedVersion: number | null }[];
  approvals: Approval[];
}

export const approvalsOf = (aggregate: ContractAggregate, number: number): Approval[] =>
  aggregate.approvals.filter((a) => a.versionNumber === number);
