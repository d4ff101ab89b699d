/**
 * Drafts an amendment: new terms from `effectiveFrom` (inside the contract term). A past
 * effectiveFrom is allowed and recorded as `backdated: true`; billing re-runs pick it up from
 * its approval time (`recordedAt`). On a DRAFT contract (its first version was rejected) the
 * new version is a rework of the initial terms and must start on startDate.
 */
import type { Clock } from '../kernel/clock';
import { ValidationError } from '../kernel/errors';
import type { VersionTerms } from '../terms/types';
import { assertValidTerms, assertWithinTerm, loadAggregate } from './aggregate';
import { commitDraft } from './draft-version';
import { assertVersionLock } from './guards';
import type { ContractAggregate, ContractVersion } from './model';
import { ContractStatus, VersionKind } from './status';
import type { ContractStore } from './store';

export interface DraftAmendmentInput {
  contractId: string;
  effectiveFrom: string;
  terms: VersionTerms;
  expectedVersion?: number;
}

export async function draftAmendment(
  deps: { store: ContractStore; clock: Clock },
  input: DraftAmendmentInput,
  actor: string,
): Promise<{ aggregate: ContractAggregate; version: ContractVersion }> {
  const aggregate = await loadAggregate(deps.store, input.contractId);
  const { contract } = aggregate;
  assertVersionLock(contract, input.expectedVersion);
  assertWithinTerm(contract, input.effectiveFrom, 'effectiveFrom');
  const rework = contract.status === ContractStatus.DRAFT;
  if (rework && input.effectiveFrom !== contract.startDate) {
    throw new ValidationError('the contract is not active yet: its terms must start on startDate', [
      { path: 'effectiveFrom', message: `must be ${contract.startDate} while the contract is a draft` },
    ]);
  }
  assertValidTerms(input.terms, contract.currency);
  return commitDraft(
    deps,
    aggregate,
    { kind: rework ? VersionKind.INITIAL : VersionKind.AMENDMENT, effectiveFrom: input.effectiveFrom, terms: input.terms, renewal: null, termination: null },
    actor,
  );
}
