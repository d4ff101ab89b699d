/** Creates a contract in DRAFT with its first version (number 1, INITIAL, DRAFT). */
import type { Clock } from '../kernel/clock';
import { ValidationError, type ErrorDetail } from '../kernel/errors';
import type { RoundingMode, VersionTerms } from '../terms/types';
import { validateContractTerms } from '../terms/validate';
import type { AutoRenew, Contract, ContractAggregate, ContractVersion } from './model';
import { contractToday } from './terms';
import { ContractStatus, VersionKind, VersionStatus } from './status';
import type { AdvertiserLookup, ContractStore, IdGenerator } from './store';

export interface CreateContractInput {
  advertiserId: string;
  name: string;
  currency: string;
  timezone: string;
  startDate: string;
  endDate: string;
  rounding: RoundingMode;
  autoRenew: AutoRenew | false;
  terms: VersionTerms & { effectiveFrom?: string };
}

export interface CreateContractDeps {
  store: ContractStore;
  advertisers: AdvertiserLookup;
  clock: Clock;
  newId: IdGenerator;
}

/** `versions.0.x` (validateContractTerms) is `terms.x` in the request body. */
const toBodyPath = (detail: ErrorDetail): ErrorDetail => ({ ...detail, path: detail.path.replace(/^versions\.0(\.|$)/, 'terms$1').replace(/\.$/, '') });

export async function createContract(deps: CreateContractDeps, input: CreateContractInput, actor: string): Promise<ContractAggregate> {
  const { effectiveFrom = input.startDate, ...terms } = input.terms;
  const details = validateContractTerms({
    currency: input.currency,
    timezone: input.timezone,
    startDate: input.startDate,
    endDate: input.endDate,
    rounding: input.rounding,
    versions: [{ ...terms, effectiveFrom }],
  }).map(toBodyPath);

  // The advertiser is billed in one currency: a contract in another could never be invoiced.
  const advertiser = await deps.advertisers.getAdvertiser(input.advertiserId);
  if (!advertiser) details.push({ path: 'advertiserId', message: `no advertiser "${input.advertiserId}"` });
  else if (advertiser.currency !== input.currency) {
    details.push({ path: 'currency', message: `advertiser ${advertiser.id} is billed in ${advertiser.currency}, not ${input.currency}` });
  }
  if (details.length > 0) throw new ValidationError('the contract is not valid', details);

  const now = deps.clock.now();
  const at = now.toISOString();
  const id = deps.newId();
  const contract: Contract = {
    id,
    advertiserId: input.advertiserId,
    name: input.name,
    currency: input.currency,
    timezone: input.timezone,
    startDate: input.startDate,
    endDate: input.endDate,
    rounding: input.rounding,
    autoRenew: input.autoRenew,
    status: ContractStatus.DRAFT,
    terminatedOn: null,
    createdBy: actor,
    createdAt: at,
    updatedAt: at,
    actor,
    version: 1,
  };
  const version: ContractVersion = {
    contractId: id,
    number: 1,
    kind: VersionKind.INITIAL,
    status: VersionStatus.DRAFT,
    effectiveFrom,
    terms,
    backdated: effectiveFrom < contractToday(contract, now),
    recordedAt: null,
    renewal: null,
    termination: null,
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
  await deps.store.commit({ contract: { next: contract, expectedVersion: null }, versions: [{ next: version, expectedVersion: null }], approvals: [] });
  return { contract, versions: [version], approvals: [] };
}
