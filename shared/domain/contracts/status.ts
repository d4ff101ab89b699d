/** Statuses of contracts and versions, and the kinds of versions (API.md names the statuses). */
export const ContractStatus = {
  DRAFT: 'DRAFT',
  PENDING_APPROVAL: 'PENDING_APPROVAL',
  ACTIVE: 'ACTIVE',
  EXPIRED: 'EXPIRED',
  TERMINATED: 'TERMINATED',
} as const;
export type ContractStatus = (typeof ContractStatus)[keyof typeof ContractStatus];

export const VersionStatus = {
  DRAFT: 'DRAFT',
  PENDING_APPROVAL: 'PENDING_APPROVAL',
  APPROVED: 'APPROVED',
  REJECTED: 'REJECTED',
  SUPERSEDED: 'SUPERSEDED',
} as const;
export type VersionStatus = (typeof VersionStatus)[keyof typeof VersionStatus];

/** Why a version exists; it decides what approving it does to the contract. */
export const VersionKind = {
  /** The terms the contract starts with (also a rework after the first draft was rejected). */
  INITIAL: 'INITIAL',
  /** New terms from `effectiveFrom`, possibly backdated. */
  AMENDMENT: 'AMENDMENT',
  /** Extends endDate by termMonths, optionally with uplifted rates from the day after the old end. */
  RENEWAL: 'RENEWAL',
  /** Ends the contract on `effectiveDate`; carries the terms in force, unchanged. */
  TERMINATION: 'TERMINATION',
} as const;
export type VersionKind = (typeof VersionKind)[keyof typeof VersionKind];

/** Versions still open for work or decision: a contract has at most one at a time. */
export const OPEN_VERSION_STATUSES: readonly VersionStatus[] = [VersionStatus.DRAFT, VersionStatus.PENDING_APPROVAL];
