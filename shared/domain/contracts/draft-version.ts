/** Building a new DRAFT version and committing it with the contract's lock (one open version at a time). */
import type { Clock } from '../kernel/clock';
import { assertNoOpenVersion, nextVersionNumber, touchContract } from './aggregate';
import type { Contract, ContractAggregate, ContractVersion } from './model';
import { contractToday } from './terms';
import { ContractStatus, VersionKind, VersionStatus } from './status';
import type { ContractStore } from './store';
import { ContractAction, nextContractStatus } from './transitions';

export type DraftFields = Pick<ContractVersion, 'kind' | 'effectiveFrom' | 'terms' | 'renewal' | 'termination'>;

/** A version record as drafted: nothing recorded, required, decided or submitted yet. */
export function newDraftVersion(contract: Contract, number: number, fields: DraftFields, actor: string, now: Date): ContractVersion {
  const at = now.toISOString();
  return {
    contractId: contract.id,
    number,
    kind: fields.kind,
    status: VersionStatus.DRAFT,
    effectiveFrom: fields.effectiveFrom,
    terms: fields.terms,
    backdated: fields.effectiveFrom < contractToday(contract, now),
    recordedAt: null,
    renewal: fields.renewal,
    termination: fields.termination,
    authors: [actor],
    requirement: null,
    rejection: null,
    supersededBy: null,
    createdBy: actor,
    createdAt: at,
    submittedAt: null,
    updatedAt: at,
    actor,
    version: 1,
  };
}

export async function commitDraft(
  deps: { store: ContractStore; clock: Clock },
  aggregate: ContractAggregate,
  fields: DraftFields,
  actor: string,
): Promise<{ aggregate: ContractAggregate; version: ContractVersion }> {
  const { contract } = aggregate;
  assertNoOpenVersion(aggregate);
  // Only a change of an ACTIVE contract is a new version of it; a DRAFT contract is reworked
  // through a new INITIAL version (after its first one was rejected).
  if (fields.kind !== VersionKind.INITIAL) nextContractStatus(contract.status, ContractAction.KEEP_ACTIVE);
  else if (contract.status !== ContractStatus.DRAFT) nextContractStatus(contract.status, ContractAction.SUBMIT_INITIAL);

  const now = deps.clock.now();
  const version = newDraftVersion(contract, nextVersionNumber(aggregate), fields, actor, now);
  const nextContract = touchContract(contract, {}, actor, now);
  await deps.store.commit({
    contract: { next: nextContract, expectedVersion: contract.version },
    versions: [{ next: version, expectedVersion: null }],
    approvals: [],
  });
  return { aggregate: { ...aggregate, contract: nextContract, versions: [...aggregate.versions, version] }, version };
}
