/**
 * Ingests conversions for one contract. A conversion is identified by its id within the
 * contract: the first record stored with an id is the one billed, and any later record with
 * that id (in the same batch or a later one) is a duplicate, counted and ignored (FORMAT.md
 * rule 7). Each conversion's period is the month of occurredAt in the contract's zone.
 */
import type { Conversion } from '../terms/types';
import { assertBatchSize, enforceMode, screen } from './batch';
import { conversionPeriod } from './period';
import type { IngestDeps, IngestOutcome, IngestRequest, PlannedConversion, WriteMeta } from './types';
import { validateConversion } from './validate';

/** The stored form of valid conversions, first-wins per id; pure. */
export function planConversions(records: readonly Conversion[], timezone: string, receivedAt: string): { planned: PlannedConversion[]; duplicates: number } {
  const byId = new Map<string, PlannedConversion>();
  for (const record of records) {
    if (byId.has(record.id)) continue;
    byId.set(record.id, {
      ...record,
      partnerId: record.partnerId ?? null,
      reversedAt: record.reversedAt ?? null,
      period: conversionPeriod(record, timezone),
      receivedAt: record.receivedAt ?? receivedAt,
    });
  }
  const planned = [...byId.values()];
  return { planned, duplicates: records.length - planned.length };
}

export async function ingestConversions(deps: IngestDeps, request: IngestRequest<Conversion>): Promise<IngestOutcome> {
  assertBatchSize(request.records.length);
  const { valid, rejected } = screen(request.records, request.contract, validateConversion);
  enforceMode(request.mode, rejected);
  const now = deps.clock.now().toISOString();
  const { planned, duplicates } = planConversions(valid.map((v) => v.record), request.contract.timezone, now);
  let stored = 0;
  let alreadyStored = 0;
  if (planned.length > 0) {
    const meta: WriteMeta = { actor: request.actor, origin: request.origin, ingestedAt: now };
    const { duplicateIds } = await deps.store.addConversions(request.contract.id, planned, meta);
    alreadyStored = duplicateIds.length;
    stored = planned.length - alreadyStored;
  }
  return { accepted: stored, duplicates: duplicates + alreadyStored, rejected };
}
