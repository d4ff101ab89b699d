/**
 * Stored shapes the benchmarks write directly (setup, never timed): contract versions as
 * approval leaves them, and conversions as the usage repository stores them; the routes under
 * test read them, so no lifecycle through the API is needed first.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conversionIdMarker, conversionItem, conversionTouchMarker } from '../../shared/adapters/dynamodb/usage-repository';
import type { ContractVersion } from '../../shared/domain/contracts/model';
import type { PlannedConversion, WriteMeta } from '../../shared/domain/usage/types';
import { VersionTermsSchema } from '../../shared/schemas/terms';

/** BatchWriteItem takes at most 25 puts. */
const BATCH_WRITE_LIMIT = 25;

/** Version 1 of a contract, INITIAL and APPROVED, with the given terms (charges as the API takes them). */
export function approvedInitialVersion(contractId: string, effectiveFrom: string, charges: unknown[], at: string): ContractVersion {
  return {
    contractId,
    number: 1,
    kind: 'INITIAL',
    status: 'APPROVED',
    effectiveFrom,
    terms: VersionTermsSchema.parse({ charges }),
    backdated: false,
    recordedAt: at,
    renewal: null,
    termination: null,
    authors: ['bench'],
    requirement: { approvals: 1, financeRequired: false, committedValue: '0', threshold: '100000.00' },
    rejection: null,
    supersededBy: null,
    createdBy: 'bench',
    createdAt: at,
    submittedAt: at,
    updatedAt: at,
    actor: 'bench',
    version: 1,
  };
}

/**
 * Writes conversions as the usage repository stores them (its conversionItem, and with
 * `markers` its id and touch markers too: the same items as its addConversions) with
 * BatchWriteItem instead of its conditional transactions, for loads of a size DynamoDB Local
 * takes too long to store transactionally. Each record must be the first touch of a new id, as
 * in a generated book. Calls `progress(stored)` as batches complete.
 */
export async function bulkPutConversions(
  client: DynamoDBDocumentClient,
  tableName: string,
  contractId: string,
  records: readonly PlannedConversion[],
  options: { meta: WriteMeta; markers: boolean; concurrency?: number; progress?: (stored: number) => void },
): Promise<void> {
  const items = records.flatMap((record) => [
    ...(options.markers ? [conversionIdMarker(contractId, record, options.meta), conversionTouchMarker(contractId, record, options.meta)] : []),
    conversionItem(contractId, record, options.meta, true, null),
  ]);
  const perRecord = options.markers ? 3 : 1;
  let next = 0;
  let stored = 0;
  const worker = async () => {
    while (next < items.length) {
      const start = next;
      next += BATCH_WRITE_LIMIT;
      let requests = items.slice(start, start + BATCH_WRITE_LIMIT).map((Item) => ({ PutRequest: { Item } }));
      const size = requests.length;
      while (requests.length > 0) {
        const out = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      }
      stored += size;
      options.progress?.(Math.floor(stored / perRecord));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
}
