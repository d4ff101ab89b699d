/**
 * Response bodies of the contract lifecycle routes (shapes documented in shared/schemas/api/contracts.ts).
 *
 * Two views. Internal callers (ops, approvers, finance, admin) see everything but the `actor`
 * bookkeeping. A caller confined to an advertiser (a token with an advertiserId) sees the
 * advertiser view: only APPROVED versions (drafts, pending, rejected and superseded versions
 * are not its business, and a superseded version governs no day any more), and in them only
 * what the advertiser agreed to: no partner revenue shares (`terms.partners`), no approvals,
 * approver ids, comments, authors, thresholds or committed values, no internal user ids. The
 * version view is an allow-list, so a field added to versions later stays internal until it
 * is added here on purpose.
 */
import { findVersion } from '../../shared/domain/contracts/aggregate';
import { approvalsOf, type Approval, type Contract, type ContractAggregate, type ContractVersion } from '../../shared/domain/contracts/model';
import { ContractStatus, VersionStatus } from '../../shared/domain/contracts/status';
import { contractToday, versionInEffect } from '../../shared/domain/contracts/terms';
import { NotFoundError } from '../../shared/domain/kernel/errors';
import { etagOfVersion } from '../http/etag';
import type { Identity } from '../http/identity';
import { tenantOf } from '../http/tenant';

const { freeze } = Object;

/** Whether the caller gets the advertiser view. */
export const seesAdvertiserView = (identity: Identity): boolean => tenantOf(identity) !== null;

export function presentVersion(version: ContractVersion, approvals?: Approval[]) {
  const { actor: _actor, ...rest } = version;
  return approvals
    ? { ...rest, approvals: approvals.map(({ approverId, roles, comment, at, impact }) => ({ approverId, roles, comment, at, impact: impact ?? null })) }
    : rest;
}

/** The advertiser view of an APPROVED version: its agreed terms, without partners or any workflow field. */
export function presentVersionToAdvertiser(version: ContractVersion) {
  const { partners: _partners, ...terms } = version.terms;
  return {
    contractId: version.contractId,
    number: version.number,
    kind: version.kind,
    status: version.status,
    effectiveFrom: version.effectiveFrom,
    terms,
    recordedAt: version.recordedAt,
    renewal: version.renewal,
    termination: version.termination ? { effectiveDate: version.termination.effectiveDate } : null,
    createdAt: version.createdAt,
    updatedAt: version.updatedAt,
    version: version.version,
  };
}

/** Versions an advertiser may see. */
export const visibleToAdvertiser = (version: ContractVersion): boolean => version.status === VersionStatus.APPROVED;

/** Contracts an advertiser may see: those that have (or had) approved terms. */
export const contractVisibleToAdvertiser = (contract: Contract): boolean =>
  contract.status !== ContractStatus.DRAFT && contract.status !== ContractStatus.PENDING_APPROVAL;

/** 200: version `number` of the aggregate, in the caller's view, under the version's ETag. */
export function versionResponse(aggregate: ContractAggregate, number: number, identity?: Identity) {
  const version = findVersion(aggregate, number);
  if (identity && seesAdvertiserView(identity)) {
    // A version the advertiser may not see is answered like one that does not exist.
    if (!visibleToAdvertiser(version)) throw new NotFoundError('version', `${aggregate.contract.id}/${number}`);
    return { status: 200, body: presentVersionToAdvertiser(version), etag: etagOfVersion(version.version) };
  }
  return { status: 200, body: presentVersion(version, approvalsOf(aggregate, number)), etag: etagOfVersion(version.version) };
}

export function presentSummary(contract: Contract, identity?: Identity) {
  const { actor: _actor, ...rest } = contract;
  const summary = { ...rest, poNumber: contract.poNumber ?? null };
  if (identity && seesAdvertiserView(identity)) {
    const { createdBy: _createdBy, ...visible } = summary;
    return visible;
  }
  return summary;
}

export function presentContract(aggregate: ContractAggregate, now: Date, identity?: Identity) {
  const day = contractToday(aggregate.contract, now);
  const inEffect = versionInEffect(aggregate.contract, aggregate.versions, day);
  const advertiserView = identity !== undefined && seesAdvertiserView(identity);
  return freeze({
    ...presentSummary(aggregate.contract, identity),
    versions: advertiserView
      ? aggregate.versions.filter(visibleToAdvertiser).map(presentVersionToAdvertiser)
      : aggregate.versions.map((v) => presentVersion(v)),
    inEffect: { day, number: inEffect?.number ?? null },
  });
}
