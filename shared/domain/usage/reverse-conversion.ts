/**
 * Reverses a stored conversion: every touch of its id (one per partner that reported it),
 * at once. From `reversedAt` on, billing runs no longer count it whichever touch would win (a
 * run with an earlier asOf still does, so a re-run of a billed period issues an adjustment).
 * A reversal is final: reversing again is a conflict, never a silent overwrite of the first date.
 */
import { ConflictError, NotFoundError, ValidationError } from '../kernel/errors';
import type { ConversionReversal, IngestDeps, StoredConversion, UsageContract } from './types';

export interface ReverseConversionRequest extends ConversionReversal {
  contract: UsageContract;
  conversionId: string;
  actor: string;
  origin: string;
}

/** The first touch as reversed, and how many touches the reversal covers. */
export type ReversedConversion = StoredConversion & { touches: number };

export async function reverseConversion(deps: IngestDeps, request: ReverseConversionRequest): Promise<ReversedConversion> {
  const touches = await deps.store.findTouches(request.contract.id, request.conversionId);
  if (touches.length === 0) throw new NotFoundError('conversion', request.conversionId);
  const open = touches.filter((touch) => touch.reversedAt === null);
  if (open.length === 0) {
    throw new ConflictError(`conversion ${request.conversionId} was already reversed at ${touches[0]!.reversedAt}`, 'conversion_already_reversed');
  }
  const earliest = touches.reduce((min, touch) => (Date.parse(touch.occurredAt) < Date.parse(min.occurredAt) ? touch : min));
  if (Date.parse(request.reversedAt) < Date.parse(earliest.occurredAt)) {
    throw new ValidationError('a conversion cannot be reversed before it occurred', [
      { path: 'reversedAt', message: `must not be before the conversion's occurredAt ${earliest.occurredAt}` },
    ]);
  }
  const meta = { actor: request.actor, origin: request.origin, ingestedAt: deps.clock.now().toISOString() };
  const reversed = await deps.store.reverseConversion(open, { reversedAt: request.reversedAt, reason: request.reason }, meta);
  const byArrival = new Map(reversed.map((touch) => [touch.arrival, touch]));
  const first = byArrival.get(touches[0]!.arrival) ?? touches[0]!;
  return { ...first, touches: touches.length };
}
