/**
 * DRAFT -> PENDING_APPROVAL. The approval requirement is fixed here, from the committed value
 * of the terms over the version's own term: an amendment from its effectiveFrom to endDate, a
 * renewal over the added months, a termination over the term it gives up.
 */
import type { Clock } from '../kernel/clock';
import { addDays } from '../kernel/calendar';
import { assertVersionLock } from './guards';
import { commitVersionChange, findVersion, loadAggregate, touchContract, touchVersion, withOptimisticRetry } from './aggregate';
import { committedValue, requirementFor, type ApprovalThresholds } from './approval-policy';
import type { ContractAggregate, ContractVersion, Contract } from './model';
import { VersionKind } from './status';
import type { ContractStore } from './store';
import { ContractAction, nextContractStatus, nextVersionStatus, VersionAction } from './transitions';

export interface VersionActionInput {
  contractId: string;
  number: number;
  /** Optional If-Match: the version's lock counter. */
  expectedVersion?: number;
}

export function termOf(contract: Contract, version: ContractVersion): { from: string; to: string } {
  switch (version.kind) {
    case VersionKind.RENEWAL:
      return { from: version.effectiveFrom, to: version.renewal!.newEndDate };
    case VersionKind.TERMINATION:
      return { from: addDays(version.termination!.effectiveDate, 1), to: contract.endDate };
    default:
      return { from: version.effectiveFrom, to: contract.endDate };
  }
}

export async function submitVersion(
  deps: { store: ContractStore; clock: Clock; thresholds: ApprovalThresholds },
  input: VersionActionInput,
  actor: string,
): Promise<ContractAggregate> {
  return withOptimisticRetry(async () => {
    const aggregate = await loadAggregate(deps.store, input.contractId);
    const version = findVersion(aggregate, input.number);
    const { contract } = aggregate;
    assertVersionLock(version, input.expectedVersion);
    const status = nextVersionStatus(version.status, VersionAction.SUBMIT);
    const contractStatus = nextContractStatus(
      contract.status,
      version.kind === VersionKind.INITIAL ? ContractAction.SUBMIT_INITIAL : ContractAction.KEEP_ACTIVE,
    );
    const { from, to } = termOf(contract, version);
    const requirement = requirementFor(committedValue(version.terms, from, to), contract.currency, deps.thresholds);

    const now = deps.clock.now();
    const next = touchVersion(
      version,
      {
        status,
        requirement,
        submittedAt: now.toISOString(),
        authors: version.authors.includes(actor) ? version.authors : [...version.authors, actor],
      },
      actor,
      now,
    );
    const nextContract = touchContract(contract, { status: contractStatus }, actor, now);
    return commitVersionChange(deps.store, aggregate, version, { contract: nextContract, version: next });
  });
}
