/** The ingestion view of a contract aggregate (shared/domain/contracts): zone, currency, charges. */
import type { ContractAggregate } from '../contracts/model';
import { VersionKind, VersionStatus } from '../contracts/status';
import type { UsageContract, UsageContractLookup } from './types';

/** A rejected version never bills, so its charges do not make a record valid; approved ones decide by day. */
export function usageContractOf(aggregate: ContractAggregate): UsageContract {
  const { contract, versions } = aggregate;
  return {
    id: contract.id,
    currency: contract.currency,
    timezone: contract.timezone,
    startDate: contract.startDate,
    endDate: contract.endDate,
    versions: versions
      .filter((v) => v.status !== VersionStatus.REJECTED)
      .map((v) => ({
        effectiveFrom: v.effectiveFrom,
        approved: v.status === VersionStatus.APPROVED && v.kind !== VersionKind.TERMINATION,
        charges: v.terms.charges,
      })),
  };
}

export function usageContractLookup(store: { get(contractId: string): Promise<ContractAggregate | null> }): UsageContractLookup {
  return async (contractId) => {
    const aggregate = await store.get(contractId);
    return aggregate ? usageContractOf(aggregate) : null;
  };
}
