/** Response bodies of the contract lifecycle routes (shapes documented in shared/schemas/api/contracts.ts). */
import type { Approval, Contract, ContractAggregate, ContractVersion } from '../../shared/domain/contracts/model';
import { contractToday, versionInEffect } from '../../shared/domain/contracts/terms';

const { freeze } = Object;

export function presentVersion(version: ContractVersion, approvals?: Approval[]) {
  const { actor: _actor, ...rest } = version;
  return approvals
    ? { ...rest, approvals: approvals.map(({ approverId, roles, comment, at }) => ({ approverId, roles, comment, at })) }
    : rest;
}

export function presentSummary(contract: Contract) {
  const { actor: _actor, ...rest } = contract;
  return rest;
}

export function presentContract(aggregate: ContractAggregate, now: Date) {
  const day = contractToday(aggregate.contract, now);
  const inEffect = versionInEffect(aggregate.contract, aggregate.versions, day);
  return freeze({
    ...presentSummary(aggregate.contract),
    versions: aggregate.versions.map((v) => presentVersion(v)),
    inEffect: { day, number: inEffect?.number ?? null },
  });
}
