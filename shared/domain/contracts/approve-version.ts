/**
 * Records one approval; when the policy is met the version becomes APPROVED in the same
 * transaction, with `recordedAt` = now (billing runs with an earlier asOf do not see it), and
 * every approved version taking effect on or after its effectiveFrom is SUPERSEDED (FORMAT.md:
 * versions are ordered by effectiveFrom, each runs until the next one starts). What it does to
 * the contract depends on the kind: INITIAL activates it, RENEWAL extends endDate, TERMINATION
 * moves endDate to the termination date (TERMINATED at once if that day is already past).
 *
 * The impact on invoiced periods (deps.impactOf) is computed after the guards, on the aggregate
 * as read, and recorded on the approval: it can make the policy ask for two approvals.
 *
 * Two approvers racing: both read the same locks, one transaction wins, the other is retried on
 * fresh state and then either adds the second approval or finds the version APPROVED (409).
 */
import type { Clock } from '../kernel/clock';
import { ConflictError } from '../kernel/errors';
import { findVersion, loadAggregate, touchContract, touchVersion, withOptimisticRetry } from './aggregate';
import { checkApproval, type ApprovalImpact, type Approver } from './approval-policy';
import { assertVersionLock } from './guards';
import { approvalsOf, type Approval, type AggregateChange, type Contract, type ContractAggregate, type ContractVersion } from './model';
import { contractToday } from './terms';
import { ContractStatus, VersionKind, VersionStatus } from './status';
import type { ContractStore } from './store';
import { ContractAction, nextContractStatus, nextVersionStatus, VersionAction } from './transitions';
import type { VersionActionInput } from './submit-version';

export interface ApproveInput extends VersionActionInput {
  comment: string | null;
}

export interface ApproveResult {
  aggregate: ContractAggregate;
  approval: Approval;
  /** Whether this approval completed the policy (the version is APPROVED). */
  approved: boolean;
}

function contractAfterApproval(contract: Contract, version: ContractVersion, now: Date): Partial<Contract> {
  switch (version.kind) {
    case VersionKind.INITIAL:
      return { status: nextContractStatus(contract.status, ContractAction.ACTIVATE) };
    case VersionKind.AMENDMENT:
      return { status: nextContractStatus(contract.status, ContractAction.KEEP_ACTIVE) };
    case VersionKind.RENEWAL: {
      const renewal = version.renewal!;
      if (renewal.previousEndDate !== contract.endDate || contract.terminatedOn !== null) {
        throw new ConflictError(`the contract's end changed since this renewal was drafted (now ${contract.endDate})`, 'stale_renewal');
      }
      return { status: nextContractStatus(contract.status, ContractAction.KEEP_ACTIVE), endDate: renewal.newEndDate };
    }
    case VersionKind.TERMINATION: {
      const { effectiveDate } = version.termination!;
      if (effectiveDate > contract.endDate) {
        throw new ConflictError(`the contract already ends on ${contract.endDate}, before ${effectiveDate}`, 'stale_termination');
      }
      const ended = effectiveDate < contractToday(contract, now);
      return {
        status: nextContractStatus(contract.status, ended ? ContractAction.TERMINATE : ContractAction.KEEP_ACTIVE),
        endDate: effectiveDate,
        terminatedOn: effectiveDate,
      };
    }
  }
}

/**
 * What the contract and its versions become when `version` is approved at `now`: the version
 * APPROVED with recordedAt = now, the approved versions it supersedes SUPERSEDED, the contract
 * moved as its kind says. The approval itself and the impact preview (impact.ts) both use it.
 */
export function approvalOutcome(
  aggregate: ContractAggregate,
  version: ContractVersion,
  actor: string,
  now: Date,
): { contract: Contract; versions: { next: ContractVersion; expectedVersion: number }[] } {
  const approved = touchVersion(version, { status: nextVersionStatus(version.status, VersionAction.APPROVE), recordedAt: now.toISOString() }, actor, now);
  const versions = [{ next: approved, expectedVersion: version.version }];
  if (version.kind !== VersionKind.TERMINATION) {
    for (const older of aggregate.versions) {
      if (older.number === version.number || older.status !== VersionStatus.APPROVED || older.kind === VersionKind.TERMINATION) continue;
      if (older.effectiveFrom < version.effectiveFrom) continue;
      versions.push({
        next: touchVersion(older, { status: nextVersionStatus(older.status, VersionAction.SUPERSEDE), supersededBy: version.number }, actor, now),
        expectedVersion: older.version,
      });
    }
  }
  return { contract: touchContract(aggregate.contract, contractAfterApproval(aggregate.contract, version, now), actor, now), versions };
}

/**
 * The aggregate as it would be once `version` is approved at `now` (nothing is written). A
 * draft is taken as submitted first (and a draft contract with it), as it must be to be approved.
 */
export function asIfApproved(aggregate: ContractAggregate, version: ContractVersion, now: Date): ContractAggregate {
  const submitted = { ...version, status: VersionStatus.PENDING_APPROVAL };
  const contract =
    version.kind === VersionKind.INITIAL && aggregate.contract.status === ContractStatus.DRAFT
      ? { ...aggregate.contract, status: ContractStatus.PENDING_APPROVAL }
      : aggregate.contract;
  const outcome = approvalOutcome({ ...aggregate, contract }, submitted, 'preview', now);
  const changed = new Map(outcome.versions.map((v) => [v.next.number, v.next]));
  return {
    contract: outcome.contract,
    versions: aggregate.versions.map((v) => changed.get(v.number) ?? v),
    approvals: aggregate.approvals,
    // Credits are the contract's, not the version's: the re-run after the approval rates them too.
    ...(aggregate.credits !== undefined ? { credits: aggregate.credits } : {}),
  };
}

export interface ApproveDeps {
  store: ContractStore;
  clock: Clock;
  /**
   * The version's impact on invoiced periods, computed on the aggregate as read for this
   * approval (impact.ts); it can make the policy stricter and is recorded on the approval.
   */
  impactOf?: (aggregate: ContractAggregate, version: ContractVersion, now: Date) => Promise<ApprovalImpact | null>;
}

export async function approveVersion(deps: ApproveDeps, input: ApproveInput, approver: Approver): Promise<ApproveResult> {
  return withOptimisticRetry(async () => {
    const aggregate = await loadAggregate(deps.store, input.contractId);
    const version = findVersion(aggregate, input.number);
    const { contract } = aggregate;
    assertVersionLock(version, input.expectedVersion);
    // Guards first (pending, not an author, not twice), so a refused approval re-rates nothing.
    checkApproval(version, approvalsOf(aggregate, version.number), approver);
    const now = deps.clock.now();
    const impact = deps.impactOf ? await deps.impactOf(aggregate, version, now) : null;
    const { satisfied } = checkApproval(version, approvalsOf(aggregate, version.number), approver, impact);

    const at = now.toISOString();
    const approval: Approval = {
      contractId: contract.id,
      versionNumber: version.number,
      approverId: approver.sub,
      roles: [...approver.roles],
      comment: input.comment,
      at,
      ...(deps.impactOf ? { impact } : {}),
    };
    const change: AggregateChange = { contract: { next: contract, expectedVersion: contract.version }, versions: [], approvals: [approval] };
    if (!satisfied) {
      // The version's lock moves too, so a concurrent approval is serialized behind this one.
      change.versions.push({ next: touchVersion(version, {}, approver.sub, now), expectedVersion: version.version });
      change.contract.next = touchContract(contract, {}, approver.sub, now);
    } else {
      const outcome = approvalOutcome(aggregate, version, approver.sub, now);
      change.versions.push(...outcome.versions);
      change.contract.next = outcome.contract;
    }
    await deps.store.commit(change);
    const changed = new Map(change.versions.map((v) => [v.next.number, v.next]));
    return {
      aggregate: {
        contract: change.contract.next,
        versions: aggregate.versions.map((v) => changed.get(v.number) ?? v),
        approvals: [...aggregate.approvals, approval],
      },
      approval,
      approved: satisfied,
    };
  });
}
