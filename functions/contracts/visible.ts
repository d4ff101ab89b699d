/** Reading a contract as the caller may see it (the contract routes, credits, spend). */
import { NotFoundError } from '../../shared/domain/kernel/errors';
import type { ContractAggregate } from '../../shared/domain/contracts/model';
import type { Identity } from '../http/identity';
import { assertTenant } from '../http/tenant';
import { lifecycleDeps } from './dependencies';
import { contractVisibleToAdvertiser, seesAdvertiserView } from './present';

/** Reads a contract the caller may see; another tenant's is the same 404 as a missing one. */
export async function visibleContract(identity: Identity, id: string): Promise<ContractAggregate> {
  const aggregate = await lifecycleDeps().contracts.get(id);
  if (!aggregate) throw new NotFoundError('contract', id);
  assertTenant(identity, aggregate.contract.advertiserId, 'contract', id);
  // An advertiser does not see a contract before it has approved terms.
  if (seesAdvertiserView(identity) && !contractVisibleToAdvertiser(aggregate.contract)) throw new NotFoundError('contract', id);
  return aggregate;
}

