/**
 * Drafts a termination: once approved, the contract ends on `effectiveDate` (its last active
 * day) and is TERMINATED after it. The version carries the terms in force on that day, unchanged.
 */
import type { Clock } from '../kernel/clock';
import { ConflictError } from '../kernel/errors';
import { assertWithinTerm, loadAggregate } from './aggregate';
import { commitDraft } from './draft-version';
import { assertVersionLock } from './guards';
import type { ContractAggregate, ContractVersion } from './model';
import { versionInEffect } from './terms';
import { VersionKind } from './status';
import type { ContractStore } from './store';

export interface DraftTerminationInput {
  contractId: string;
  effectiveDate: string;
  reason: string;
  expectedVersion?: number;
}

export async function draftTermination(
  deps: { store: ContractStore; clock: Clock },
  input: DraftTerminationInput,
  actor: string,
): Promise<{ aggregate: ContractAggregate; version: ContractVersion }> {
  const aggregate = await loadAggregate(deps.store, input.contractId);
  const { contract } = aggregate;
  assertVersionLock(contract, input.expectedVersion);
  assertWithinTerm(contract, input.effectiveDate, 'effectiveDate');
  const base = versionInEffect(contract, aggregate.versions, input.effectiveDate);
  if (!base) throw new ConflictError('the contract has no approved terms on that day', 'illegal_transition');
  return commitDraft(
    deps,
    aggregate,
    {
      kind: VersionKind.TERMINATION,
      effectiveFrom: input.effectiveDate,
      terms: structuredClone(base.terms),
      renewal: null,
      termination: { effectiveDate: input.effectiveDate, reason: input.reason },
    },
    actor,
  );
}
