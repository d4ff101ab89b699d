/**
 * Ingests conversions for one contract. A conversion is identified by its id within the
 * contract; each partner that reports it sends a touch, identified by (id, partnerId).
 *
 * - The first record stored with an id is the conversion as FIRST_RECORD bills it (FORMAT.md
 *   rule 7): any later record with that id, in the same batch or a later one, is a duplicate
 *   and counted as such, as in v1.
 * - A later record of a partner not yet stored for that id is still kept, as that partner's
 *   touch: a charge with LAST_TOUCH or FIRST_TOUCH attribution chooses among the touches at
 *   rating time (v2 §3). `touches` counts them; they are among the duplicates.
 * - The same (id, partner) again is dropped.
 *
 * Each touch's period is the month of its occurredAt in the contract's zone.
 */
import type { Conversion } from '../terms/types';
import { assertBatchSize, enforceMode, screen } from './batch';
import { conversionPeriod } from './period';
import type { IngestDeps, IngestOutcome, IngestRequest, PlannedConversion, WriteMeta } from './types';
import { validateConversion } from './validate';

/** The identity of a touch: one per conversion id and partner. */
export const touchKey = (record: Pick<Conversion, 'id' | 'partnerId'>): string => `${record.id}\u0000${record.partnerId ?? ''}`;

/**
 * The stored form of valid conversions, one per touch (first wins per id and partner), the
 * first touch of each id before the others; pure. `receivedAt` is the ingestion instant.
 */
export function planConversions(records: readonly Conversion[], timezone: string, receivedAt: string): { planned: PlannedConversion[]; repeats: number } {
  const byTouch = new Map<string, PlannedConversion>();
  records.forEach((record, index) => {
    const key = touchKey(record);
    if (byTouch.has(key)) return;
    byTouch.set(key, {
      ...record,
      partnerId: record.partnerId ?? null,
      reversedAt: record.reversedAt ?? null,
      period: conversionPeriod(record, timezone),
      receivedAt: record.receivedAt ?? receivedAt,
      arrival: `${receivedAt}#${String(index).padStart(4, '0')}`,
    });
  });
  const planned = [...byTouch.values()];
  return { planned, repeats: records.length - planned.length };
}

export async function ingestConversions(deps: IngestDeps, request: IngestRequest<Conversion>): Promise<IngestOutcome> {
  assertBatchSize(request.records.length);
  const { valid, rejected } = screen(request.records, request.contract, validateConversion);
  enforceMode(request.mode, rejected);
  const now = deps.clock.now().toISOString();
  const { planned } = planConversions(valid.map((v) => v.record), request.contract.timezone, now);
  let touches = 0;
  let stored = 0;
  if (planned.length > 0) {
    const meta: WriteMeta = { actor: request.actor, origin: request.origin, ingestedAt: now };
    const { duplicateIds, touchIds } = await deps.store.addConversions(request.contract.id, planned, meta);
    touches = touchIds.length;
    stored = planned.length - duplicateIds.length;
  }
  // New conversion ids; every other valid record repeats an id the contract already had.
  const accepted = stored - touches;
  return { accepted, duplicates: valid.length - accepted, touches, rejected };
}
