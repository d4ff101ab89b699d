/**
 * Approving and rejecting a credit (maker-checker). Guards in order: the credit must be
 * PENDING_APPROVAL (409 `illegal_transition`: approving twice, or after a rejection), the
 * caller must not be its author (403 `author_cannot_approve`), nor have approved it already
 * (409 `already_approved`). The approval that meets the requirement makes it APPROVED with
 * `recordedAt` = now: from that instant billing runs rate it.
 */
import type { Clock } from '../kernel/clock';
import { ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError } from '../kernel/errors';
import { withOptimisticRetry } from '../contracts/aggregate';
import { isSatisfied, type Approver } from '../contracts/approval-policy';
import { CreditStatus, type Credit, type CreditApproval, type CreditStore } from './model';

export interface CreditActionInput {
  contractId: string;
  creditId: string;
  /** From an optional If-Match: 412 when the credit changed since the caller read it. */
  expectedVersion?: number;
}

async function loadPendingCredit(store: CreditStore, input: CreditActionInput, actor: string): Promise<Credit> {
  const credit = await store.getCredit(input.contractId, input.creditId);
  if (!credit) throw new NotFoundError('credit', `${input.contractId}/${input.creditId}`);
  if (input.expectedVersion !== undefined && input.expectedVersion !== credit.version) throw new PreconditionFailedError();
  if (credit.status !== CreditStatus.PENDING_APPROVAL) {
    throw new ConflictError(`credit ${credit.id} is ${credit.status}; only a credit pending approval can be approved or rejected`, 'illegal_transition');
  }
  if (credit.createdBy === actor) throw new ForbiddenError('the author of a credit cannot approve or reject it', 'author_cannot_approve');
  return credit;
}

function touch(credit: Credit, patch: Partial<Credit>, actor: string, now: Date): Credit {
  return { ...credit, ...patch, actor, updatedAt: now.toISOString(), version: credit.version + 1 };
}

export async function approveCredit(
  deps: { credits: CreditStore; clock: Clock },
  input: CreditActionInput & { comment: string | null },
  approver: Approver,
): Promise<{ credit: Credit; approved: boolean }> {
  return withOptimisticRetry(async () => {
    const credit = await loadPendingCredit(deps.credits, input, approver.sub);
    if (credit.approvals.some((a) => a.approverId === approver.sub)) {
      throw new ConflictError('you have already approved this credit', 'already_approved');
    }
    const now = deps.clock.now();
    const approval: CreditApproval = { approverId: approver.sub, roles: [...approver.roles], comment: input.comment, at: now.toISOString() };
    const approvals = [...credit.approvals, approval];
    const approved = isSatisfied(credit.requirement, approvals);
    const next = touch(
      credit,
      approved ? { approvals, status: CreditStatus.APPROVED, recordedAt: approval.at } : { approvals },
      approver.sub,
      now,
    );
    await deps.credits.putCredit(next, credit.version);
    return { credit: next, approved };
  });
}

export async function rejectCredit(
  deps: { credits: CreditStore; clock: Clock },
  input: CreditActionInput & { reason: string },
  actor: string,
): Promise<Credit> {
  return withOptimisticRetry(async () => {
    const credit = await loadPendingCredit(deps.credits, input, actor);
    const now = deps.clock.now();
    const next = touch(credit, { status: CreditStatus.REJECTED, rejection: { by: actor, reason: input.reason, at: now.toISOString() } }, actor, now);
    await deps.credits.putCredit(next, credit.version);
    return next;
  });
}
