/** An in-memory ContractStore with the same lock semantics as the DynamoDB adapter, for fast use-case tests. */
import { ConflictError } from '../../../shared/domain/kernel/errors';
import type { AggregateChange, ContractAggregate } from '../../../shared/domain/contracts/model';
import type { Advertiser, AdvertiserLookup, ContractStore } from '../../../shared/domain/contracts/store';

export class MemoryContractStore implements ContractStore, AdvertiserLookup {
  readonly aggregates = new Map<string, ContractAggregate>();
  readonly advertisers = new Map<string, Advertiser>();
  commits = 0;

  async get(id: string) {
    const found = this.aggregates.get(id);
    return found ? structuredClone(found) : null;
  }

  async getAdvertiser(id: string) {
    return this.advertisers.get(id) ?? null;
  }

  async commit(change: AggregateChange) {
    const current = this.aggregates.get(change.contract.next.id);
    const lockOk = (actual: number | undefined, expected: number | null) => (expected === null ? actual === undefined : actual === expected);
    if (!lockOk(current?.contract.version, change.contract.expectedVersion)) throw new ConflictError('lock', 'concurrent_update');
    for (const v of change.versions) {
      if (!lockOk(current?.versions.find((x) => x.number === v.next.number)?.version, v.expectedVersion)) throw new ConflictError('lock', 'concurrent_update');
    }
    for (const a of change.approvals) {
      if (current?.approvals.some((x) => x.versionNumber === a.versionNumber && x.approverId === a.approverId)) {
        throw new ConflictError('dup', 'already_approved');
      }
    }
    const versions = new Map((current?.versions ?? []).map((v) => [v.number, v]));
    for (const v of change.versions) versions.set(v.next.number, structuredClone(v.next));
    this.aggregates.set(change.contract.next.id, {
      contract: structuredClone(change.contract.next),
      versions: [...versions.values()].sort((a, b) => a.number - b.number),
      approvals: [...(current?.approvals ?? []), ...structuredClone(change.approvals)],
    });
    this.commits++;
  }

  async *activeContractIds() {
    for (const a of this.aggregates.values()) if (a.contract.status === 'ACTIVE') yield a.contract.id;
  }
}

export const usdAdvertiser: Advertiser = {
  id: 'adv-1', name: 'Acme', currency: 'USD', timezone: 'UTC', createdBy: 'x', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', actor: 'x', version: 1,
};
