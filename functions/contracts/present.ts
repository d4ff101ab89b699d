/** Response bodies of the contract lifecycle routes (shapes documented in shared/schemas/api/contracts.ts). */
import { findVersion } from '../../shared/domain/contracts/aggregate';
import { approvalsOf, type Approval, type Contract, type ContractAggregate, type ContractVersion } from '../../shared/domain/contracts/model';
import { contractToday, versionInEffect } from '../../shared/domain/contracts/terms';
import { etagOfVersion } from '../http/etag';

const { freeze } = Object;

export function presentVersion(version: ContractVersion, approvals?: Approval[]) {
  const { actor: _actor, ...rest } = version;
  return approvals
    ? { ...rest, approvals: approvals.map(({ approverId, roles, comment, at }) => ({ approverId, roles, comment, at })) }
    : rest;
}

/** 200: version `number` of the aggregate with its approvals, under the version's ETag. */
export function versionResponse(aggregate: ContractAggregate, number: number) {
  const version = findVersion(aggregate, number);
  return { status: 200, body: presentVersion(version, approvalsOf(aggregate, number)), etag: etagOfVersion(version.version) };
}

export function presentSummary(contract: Contract) {
  const { actor: _actor, ...rest } = contract;
  // Contracts created before PO numbers existed have none.
  return { ...rest, poNumber: contract.poNumber ?? null };
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
