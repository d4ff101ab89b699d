/** Replaces a DRAFT version's terms (and an amendment's effectiveFrom); If-Match is required. */
import type { Clock } from '../kernel/clock';
import { ConflictError, PreconditionFailedError, ValidationError } from '../kernel/errors';
import type { VersionTerms } from '../terms/types';
import { assertValidTerms, assertWithinTerm, commitVersionChange, findVersion, loadAggregate, touchContract, touchVersion } from './aggregate';
import type { ContractAggregate } from './model';
import { contractToday } from './terms';
import { VersionKind } from './status';
import type { ContractStore } from './store';
import { nextVersionStatus, VersionAction } from './transitions';

export interface UpdateDraftInput {
  contractId: string;
  number: number;
  terms: VersionTerms;
  effectiveFrom?: string;
  /** The version's lock counter the client read (If-Match). */
  expectedVersion: number;
}

export async function updateDraftVersion(deps: { store: ContractStore; clock: Clock }, input: UpdateDraftInput, actor: string): Promise<ContractAggregate> {
  const aggregate = await loadAggregate(deps.store, input.contractId);
  const version = findVersion(aggregate, input.number);
  const { contract } = aggregate;
  if (version.version !== input.expectedVersion) throw new PreconditionFailedError();
  nextVersionStatus(version.status, VersionAction.EDIT);
  if (version.kind === VersionKind.TERMINATION) {
    throw new ConflictError('a termination carries no terms of its own; reject it and draft another', 'illegal_transition');
  }
  let effectiveFrom = version.effectiveFrom;
  if (input.effectiveFrom !== undefined && input.effectiveFrom !== version.effectiveFrom) {
    if (version.kind !== VersionKind.AMENDMENT) {
      throw new ValidationError('only an amendment can move its effectiveFrom', [{ path: 'effectiveFrom', message: `a ${version.kind} version's effectiveFrom is fixed` }]);
    }
    assertWithinTerm(contract, input.effectiveFrom, 'effectiveFrom');
    effectiveFrom = input.effectiveFrom;
  }
  assertValidTerms(input.terms, contract.currency);

  const now = deps.clock.now();
  const next = touchVersion(
    version,
    {
      terms: input.terms,
      effectiveFrom,
      backdated: effectiveFrom < contractToday(contract, now),
      authors: version.authors.includes(actor) ? version.authors : [...version.authors, actor],
    },
    actor,
    now,
  );
  const nextContract = touchContract(contract, {}, actor, now);
  try {
    return await commitVersionChange(deps.store, aggregate, version, { contract: nextContract, version: next });
  } catch (error) {
    // Another write landed between the read and this one: the client's If-Match is stale now.
    if (error instanceof ConflictError && error.code === 'concurrent_update') throw new PreconditionFailedError();
    throw error;
  }
}
