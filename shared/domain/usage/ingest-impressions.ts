/**
 * Ingests impression day-aggregates for one contract. A record identified by (charge, day,
 * source, partner) REPLACES the stored count: feeds re-send a day as its numbers firm up.
 * Within one batch the last record of an identity wins; the earlier ones count as duplicates.
 */
import type { Impression } from '../terms/types';
import { assertBatchSize, enforceMode, screen } from './batch';
import { impressionIdentity, impressionPeriod } from './period';
import type { IngestDeps, IngestOutcome, IngestRequest, PlannedImpression, WriteMeta } from './types';
import { validateImpression } from './validate';

/** The stored form of valid impressions, last-wins per identity; pure. */
export function planImpressions(records: readonly Impression[], receivedAt: string): { planned: PlannedImpression[]; duplicates: number } {
  const byIdentity = new Map<string, PlannedImpression>();
  for (const record of records) {
    const identity = impressionIdentity(record);
    // Delete first so the surviving record takes the position of the last one sent.
    byIdentity.delete(identity);
    byIdentity.set(identity, {
      ...record,
      partnerId: record.partnerId ?? null,
      period: impressionPeriod(record),
      // The feed's own receivedAt (a replay of history) wins over the server clock.
      receivedAt: record.receivedAt ?? receivedAt,
    });
  }
  const planned = [...byIdentity.values()];
  return { planned, duplicates: records.length - planned.length };
}

export async function ingestImpressions(deps: IngestDeps, request: IngestRequest<Impression>): Promise<IngestOutcome> {
  assertBatchSize(request.records.length);
  const { valid, rejected } = screen(request.records, request.contract, validateImpression);
  enforceMode(request.mode, rejected);
  const now = deps.clock.now().toISOString();
  const { planned, duplicates } = planImpressions(valid.map((v) => v.record), now);
  if (planned.length > 0) {
    const meta: WriteMeta = { actor: request.actor, origin: request.origin, ingestedAt: now };
    await deps.store.putImpressions(request.contract.id, planned, meta);
  }
  return { accepted: planned.length, duplicates, rejected };
}
