/** PENDING_APPROVAL -> REJECTED with a reason; a rejected initial version reopens the contract as DRAFT. */
import type { Clock } from '../kernel/clock';
import { commitVersionChange, findVersion, loadAggregate, touchContract, touchVersion, withOptimisticRetry } from './aggregate';
import { assertVersionLock } from './guards';
import type { ContractAggregate } from './model';
import { VersionKind } from './status';
import type { ContractStore } from './store';
import type { VersionActionInput } from './submit-version';
import { ContractAction, nextContractStatus, nextVersionStatus, VersionAction } from './transitions';

export interface RejectInput extends VersionActionInput {
  reason: string;
}

export async function rejectVersion(deps: { store: ContractStore; clock: Clock }, input: RejectInput, actor: string): Promise<ContractAggregate> {
  return withOptimisticRetry(async () => {
    const aggregate = await loadAggregate(deps.store, input.contractId);
    const version = findVersion(aggregate, input.number);
    const { contract } = aggregate;
    assertVersionLock(version, input.expectedVersion);
    const status = nextVersionStatus(version.status, VersionAction.REJECT);
    const contractStatus = nextContractStatus(contract.status, version.kind === VersionKind.INITIAL ? ContractAction.REOPEN : ContractAction.KEEP_ACTIVE);
    const now = deps.clock.now();
    const next = touchVersion(version, { status, rejection: { by: actor, reason: input.reason, at: now.toISOString() } }, actor, now);
    const nextContract = touchContract(contract, { status: contractStatus }, actor, now);
    return commitVersionChange(deps.store, aggregate, version, { contract: nextContract, version: next });
  });
}
