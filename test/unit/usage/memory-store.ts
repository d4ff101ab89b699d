/** An in-memory UsageStore for the pure use-case tests (the DynamoDB one is tested on DynamoDB Local). */
import { ConflictError } from '../../../shared/domain/kernel/errors';
import type { ConversionReversal, PlannedConversion, PlannedImpression, StoredConversion, UsageStore, WriteMeta } from '../../../shared/domain/usage/types';
import { impressionIdentity } from '../../../shared/domain/usage/period';

export class MemoryUsageStore implements UsageStore {
  readonly impressions = new Map<string, PlannedImpression & { meta: WriteMeta }>();
  readonly conversions = new Map<string, StoredConversion>();
  writes = 0;

  async putImpressions(contractId: string, records: readonly PlannedImpression[], meta: WriteMeta): Promise<void> {
    this.writes += 1;
    for (const r of records) this.impressions.set(`${contractId}|${impressionIdentity(r)}`, { ...r, meta });
  }

  async addConversions(contractId: string, records: readonly PlannedConversion[]): Promise<{ duplicateIds: string[] }> {
    this.writes += 1;
    const duplicateIds: string[] = [];
    for (const r of records) {
      const key = `${contractId}|${r.id}`;
      if (this.conversions.has(key)) duplicateIds.push(r.id);
      else this.conversions.set(key, { ...r, contractId, reversalReason: null });
    }
    return { duplicateIds };
  }

  async findConversion(contractId: string, id: string): Promise<StoredConversion | null> {
    return this.conversions.get(`${contractId}|${id}`) ?? null;
  }

  async reverseConversion(conversion: StoredConversion, reversal: ConversionReversal): Promise<StoredConversion> {
    const key = `${conversion.contractId}|${conversion.id}`;
    const current = this.conversions.get(key)!;
    if (current.reversedAt !== null) throw new ConflictError('already reversed', 'conversion_already_reversed');
    const next = { ...current, reversedAt: reversal.reversedAt, reversalReason: reversal.reason };
    this.conversions.set(key, next);
    return next;
  }
}
