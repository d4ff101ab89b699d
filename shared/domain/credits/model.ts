/**
 * Credits (make-goods): money the advertiser is owed for one billing period, outside the
 * contract's versioned terms. A credit is created PENDING_APPROVAL by operations and becomes
 * APPROVED under the same maker-checker policy as a version (approval-policy.ts): never by its
 * author, and at or above the currency's threshold by two people, one of them finance. Only an
 * APPROVED credit is rated, with `recordedAt` = the approval instant, so a run whose asOf is
 * earlier does not see it and the next run or re-run of its period invoices it (FORMAT.md v2 §6).
 */
import type { ApprovalRequirement } from '../contracts/approval-policy';
import { CreditReason } from '../terms/types';

export const CreditStatus = {
  PENDING_APPROVAL: 'PENDING_APPROVAL',
  APPROVED: 'APPROVED',
  REJECTED: 'REJECTED',
} as const;
export type CreditStatus = (typeof CreditStatus)[keyof typeof CreditStatus];

export { CreditReason };
export const CREDIT_REASONS = Object.values(CreditReason) as [CreditReason, ...CreditReason[]];

export interface CreditApproval {
  approverId: string;
  /** The approver's roles when approving (the finance requirement is judged on them). */
  roles: string[];
  comment: string | null;
  at: string;
}

export interface Credit {
  contractId: string;
  id: string;
  /** The billing period `YYYY-MM` whose invoice carries the credit. */
  period: string;
  /** Positive money in the contract's currency, at most its minor-unit digits. */
  amount: string;
  reason: CreditReason;
  note: string | null;
  status: CreditStatus;
  /** Fixed at creation from the amount and the currency's threshold. */
  requirement: ApprovalRequirement;
  approvals: CreditApproval[];
  rejection: { by: string; reason: string; at: string } | null;
  /** The approval instant: billing runs with an earlier asOf do not see the credit. */
  recordedAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Who made the last change. */
  actor: string;
  /** Optimistic-lock counter (the ETag). */
  version: number;
}

/** Where credits live; the DynamoDB adapter implements it. */
export interface CreditStore {
  getCredit(contractId: string, creditId: string): Promise<Credit | null>;
  /** Every credit of the contract, oldest first. */
  listCredits(contractId: string): Promise<Credit[]>;
  /**
   * Writes the credit if its stored lock counter is still `expectedVersion` (null: it must not
   * exist yet); otherwise a ConflictError `concurrent_update`.
   */
  putCredit(credit: Credit, expectedVersion: number | null): Promise<void>;
}
