/**
 * Shared steps of the contract use cases: loading with 404s, the one-open-version rule, term
 * validation with API field paths, and producing the next record with its lock counter bumped.
 */
import { isDay } from '../kernel/calendar';
import { ConflictError, NotFoundError, ValidationError, type ErrorDetail } from '../kernel/errors';
import type { VersionTerms } from '../terms/types';
import { validateVersionTerms } from '../terms/validate';
import type { Contract, ContractAggregate, ContractVersion } from './model';
import { OPEN_VERSION_STATUSES } from './status';
import type { ContractStore } from './store';
import { assertTermsSize } from './terms-size';

export async function loadAggregate(store: ContractStore, contractId: string): Promise<ContractAggregate> {
  const aggregate = await store.get(contractId);
  if (!aggregate) throw new NotFoundError('contract', contractId);
  return aggregate;
}

export function findVersion(aggregate: ContractAggregate, number: number): ContractVersion {
  const version = aggregate.versions.find((v) => v.number === number);
  if (!version) throw new NotFoundError('version', `${aggregate.contract.id}/${number}`);
  return version;
}

export function openVersion(aggregate: ContractAggregate): ContractVersion | undefined {
  return aggregate.versions.find((v) => OPEN_VERSION_STATUSES.includes(v.status));
}

/** One change at a time: a second draft while one is open would race it to approval. */
export function assertNoOpenVersion(aggregate: ContractAggregate): void {
  const open = openVersion(aggregate);
  if (open) {
    throw new ConflictError(`version ${open.number} is still ${open.status}; approve, reject or finish it first`, 'open_version_exists');
  }
}

export const nextVersionNumber = (aggregate: ContractAggregate): number => Math.max(0, ...aggregate.versions.map((v) => v.number)) + 1;

/** Validates terms against the contract currency; paths are those of the request body. */
export function assertValidTerms(terms: VersionTerms, currency: string, prefix = 'terms'): void {
  assertTermsSize(terms, prefix);
  const details = validateVersionTerms(terms, currency, prefix);
  if (details.length > 0) throw new ValidationError('the terms are not valid', details);
}

export function assertWithinTerm(contract: Contract, day: string, path: string): void {
  const details: ErrorDetail[] = [];
  if (!isDay(day)) details.push({ path, message: 'must be a calendar day YYYY-MM-DD' });
  else if (day < contract.startDate || day > contract.endDate) {
    details.push({ path, message: `must be within the contract term ${contract.startDate}..${contract.endDate}` });
  }
  if (details.length > 0) throw new ValidationError('the date is outside the contract term', details);
}

export function touchContract(contract: Contract, patch: Partial<Contract>, actor: string, now: Date): Contract {
  return { ...contract, ...patch, actor, updatedAt: now.toISOString(), version: contract.version + 1 };
}

export function touchVersion(version: ContractVersion, patch: Partial<ContractVersion>, actor: string, now: Date): ContractVersion {
  return { ...version, ...patch, actor, updatedAt: now.toISOString(), version: version.version + 1 };
}

/**
 * Commits the next state of the contract and of one of its versions, each under the lock
 * counter it was read with, and returns the aggregate as written.
 */
export async function commitVersionChange(
  store: ContractStore,
  aggregate: ContractAggregate,
  version: ContractVersion,
  change: { contract: Contract; version: ContractVersion },
): Promise<ContractAggregate> {
  await store.commit({
    contract: { next: change.contract, expectedVersion: aggregate.contract.version },
    versions: [{ next: change.version, expectedVersion: version.version }],
    approvals: [],
  });
  return { ...aggregate, contract: change.contract, versions: aggregate.versions.map((v) => (v.number === change.version.number ? change.version : v)) };
}

/** Retries a read-decide-write step when another writer changed the aggregate in between. */
export async function withOptimisticRetry<T>(attempt: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ConflictError) || error.code !== 'concurrent_update' || i >= attempts) throw error;
    }
  }
}
