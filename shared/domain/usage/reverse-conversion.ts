/**
 * Reverses a stored conversion: from `reversedAt` on, billing runs no longer count it (a run
 * with an earlier asOf still does, so a re-run of a billed period issues an adjustment). A
 * reversal is final: reversing again is a conflict, never a silent overwrite of the first date.
 */
import { ConflictError, NotFoundError, ValidationError } from '../kernel/errors';
import type { ConversionReversal, IngestDeps, StoredConversion, UsageContract } from './types';

export interface ReverseConversionRequest extends ConversionReversal {
  contract: UsageContract;
  conversionId: string;
  actor: string;
  origin: string;
}

export async function reverseConversion(deps: IngestDeps, request: ReverseConversionRequest): Promise<StoredConversion> {
  const stored = await deps.store.findConversion(request.contract.id, request.conversionId);
  if (!stored) throw new NotFoundError('conversion', request.conversionId);
  if (stored.reversedAt !== null) {
    throw new ConflictError(`conversion ${request.conversionId} was already reversed at ${stored.reversedAt}`, 'conversion_already_reversed');
  }
  if (Date.parse(request.reversedAt) < Date.parse(stored.occurredAt)) {
    throw new ValidationError('a conversion cannot be reversed before it occurred', [
      { path: 'reversedAt', message: `must not be before the conversion's occurredAt ${stored.occurredAt}` },
    ]);
  }
  const meta = { actor: request.actor, origin: request.origin, ingestedAt: deps.clock.now().toISOString() };
  return deps.store.reverseConversion(stored, { reversedAt: request.reversedAt, reason: request.reason }, meta);
}
