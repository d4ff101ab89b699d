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

  async addConversions(contractId: string, records: readonly PlannedConversion[]): Promise<{ duplicateIds: string[]; touchIds: string[] }> {
    this.writes += 1;
    const duplicateIds: string[] = [];
    const touchIds: string[] = [];
    for (const r of records) {
      const key = `${contractId}|${r.id}|${r.partnerId ?? ''}`;
      const idKnown = [...this.conversions.values()].some((c) => c.contractId === contractId && c.id === r.id);
      if (this.conversions.has(key)) duplicateIds.push(r.id);
      else {
        this.conversions.set(key, { ...r, contractId, reversalReason: null, firstTouch: !idKnown });
        if (idKnown) touchIds.push(r.id);
      }
    }
    return { duplicateIds, touchIds };
  }

  async findConversion(contractId: string, id: string): Promise<StoredConversion | null> {
    return (await this.findTouches(contractId, id))[0] ?? null;
  }

  async findTouches(contractId: string, id: string): Promise<StoredConversion[]> {
    return [...this.conversions.values()]
      .filter((c) => c.contractId === contractId && c.id === id)
      .sort((a, b) => Number(b.firstTouch) - Number(a.firstTouch) || (a.arrival < b.arrival ? -1 : 1));
  }

  async reverseConversion(touches: readonly StoredConversion[], reversal: ConversionReversal): Promise<StoredConversion[]> {
    const keys = touches.map((t) => `${t.contractId}|${t.id}|${t.partnerId ?? ''}`);
    if (keys.some((key) => this.conversions.get(key)!.reversedAt !== null)) throw new ConflictError('already reversed', 'conversion_already_reversed');
    return keys.map((key) => {
      const next = { ...this.conversions.get(key)!, reversedAt: reversal.reversedAt, reversalReason: reversal.reason };
      this.conversions.set(key, next);
      return next;
    });
  }
}
