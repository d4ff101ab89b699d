/** Creates a contract in DRAFT with its first version (number 1, INITIAL, DRAFT). */
import type { Clock } from '../kernel/clock';
import { ValidationError, type ErrorDetail } from '../kernel/errors';
import type { VersionTerms } from '../terms/types';
import { validateContractTerms } from '../terms/validate';
import { newDraftVersion } from './draft-version';
import type { Contract, ContractAggregate } from './model';
import { ContractStatus, VersionKind } from './status';
import type { AdvertiserLookup, ContractStore, IdGenerator } from './store';
import { assertTermsSize } from './terms-size';

export interface CreateContractInput
  extends Pick<Contract, 'advertiserId' | 'name' | 'currency' | 'timezone' | 'startDate' | 'endDate' | 'rounding' | 'autoRenew' | 'poNumber'> {
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
  assertTermsSize(input.terms);
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
    poNumber: input.poNumber ?? null,
    terminatedOn: null,
    createdBy: actor,
    createdAt: at,
    updatedAt: at,
    actor,
    version: 1,
  };
  const version = newDraftVersion(contract, 1, { kind: VersionKind.INITIAL, effectiveFrom, terms, renewal: null, termination: null }, actor, now);
  await deps.store.commit({ contract: { next: contract, expectedVersion: null }, versions: [{ next: version, expectedVersion: null }], approvals: [] });
  return { contract, versions: [version], approvals: [] };
}
