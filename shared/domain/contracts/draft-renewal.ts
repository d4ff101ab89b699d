/**
 * Drafts a renewal: the contract's endDate moves by `termMonths` (addMonths, clamped to month
 * ends) once approved, and the terms in force on the current endDate continue from the next
 * day, every rate and performance price uplifted by `rateUpliftPct` when given (renewal.ts).
 */
import type { Clock } from '../kernel/clock';
import { addDays, addMonths } from '../kernel/calendar';
import { ConflictError } from '../kernel/errors';
import { loadAggregate } from './aggregate';
import { commitDraft } from './draft-version';
import { assertVersionLock } from './guards';
import type { ContractAggregate, ContractVersion } from './model';
import { upliftTerms } from './renewal';
import { versionInEffect } from './terms';
import { VersionKind } from './status';
import type { ContractStore } from './store';

export interface DraftRenewalInput {
  contractId: string;
  termMonths: number;
  rateUpliftPct: string | null;
  expectedVersion?: number;
}

export async function draftRenewal(
  deps: { store: ContractStore; clock: Clock },
  input: DraftRenewalInput,
  actor: string,
): Promise<{ aggregate: ContractAggregate; version: ContractVersion }> {
  const aggregate = await loadAggregate(deps.store, input.contractId);
  const { contract } = aggregate;
  assertVersionLock(contract, input.expectedVersion);
  if (contract.terminatedOn !== null) throw new ConflictError(`the contract is terminated on ${contract.terminatedOn}`, 'illegal_transition');
  const base = versionInEffect(contract, aggregate.versions, contract.endDate);
  if (!base) throw new ConflictError('the contract has no approved terms to renew', 'illegal_transition');
  const newEndDate = addMonths(contract.endDate, input.termMonths);
  return commitDraft(
    deps,
    aggregate,
    {
      kind: VersionKind.RENEWAL,
      effectiveFrom: addDays(contract.endDate, 1),
      terms: upliftTerms(base.terms, input.rateUpliftPct, contract.currency),
      renewal: { termMonths: input.termMonths, rateUpliftPct: input.rateUpliftPct, previousEndDate: contract.endDate, newEndDate },
      termination: null,
    },
    actor,
  );
}
