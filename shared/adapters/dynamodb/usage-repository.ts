/**
 * Usage on the one table (keys: usageKeys in table.ts). Written for the billing read: all of
 * a contract's usage for a period sits in USAGE_SHARDS partitions `USAGE#<contract>#<period>#<n>`
 * and comes back with one paged, strongly consistent Query per shard, in parallel, no Scan.
 *
 * - Impressions are day-aggregates: BatchWriteItem puts (25 per request) that REPLACE the item
 *   of the same identity; UnprocessedItems are retried with capped, jittered exponential backoff.
 * - Conversions: one TransactWriteItems per chunk, each conversion a conditional put of its
 *   id marker (`USAGECONV#<contract>#<id>`, attribute_not_exists) with the put of its usage
 *   item. A cancelled chunk names its duplicate ids (CancellationReasons); the rest is retried.
 *   The marker is needed because the usage item's key holds the period: the same id re-sent
 *   with another occurredAt would otherwise land in another partition, unseen.
 * - Audit: every usage item carries `actor` and `entityType: 'usage'`, and names its own chain,
 *   `usage#<contractId>#<period>#<shard>`, rather than the contract's: usage volume is huge and
 *   would flood the contract's chain (its terms, versions and approvals) with day counts, and a
 *   chain per partition stays inside one stream shard, so no two consumers race for its head.
 *
 * Money (a conversion's value) stays a decimal string; counts are DynamoDB numbers (integers
 * up to 2^53, which the schemas enforce).
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { isPeriod } from '../../domain/kernel/calendar';
import { ConflictError, ValidationError } from '../../domain/kernel/errors';
import type { Conversion, Impression, Usage } from '../../domain/terms/types';
import type {
  ConversionReversal,
  PlannedConversion,
  PlannedImpression,
  StoredConversion,
  UsageStore,
  WriteMeta,
} from '../../domain/usage/types';
import { USAGE_SHARDS, usageKeys } from './table';

export const UsageItemKind = { IMPRESSION: 'IMPRESSION', CONVERSION: 'CONVERSION' } as const;
export type UsageItemKind = (typeof UsageItemKind)[keyof typeof UsageItemKind];

/** BatchWriteItem takes at most 25 puts. */
const BATCH_WRITE_LIMIT = 25;
/** TransactWriteItems takes at most 100 actions: 50 conversions of two puts each. */
const CONVERSIONS_PER_TRANSACTION = 50;

export interface UsageRepositoryOptions {
  /** Requests in flight per call; bounded so one big batch cannot starve the Lambda's sockets. */
  concurrency?: number;
  /** Attempts for unprocessed items and conflicting transactions before giving up. */
  maxAttempts?: number;
  /** Backoff base and cap, ms (full jitter). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Items per Query page; DynamoDB's 1 MB page when absent (tests set it to exercise paging). */
  pageLimit?: number;
}

/** A page of one period's usage, as the streaming read yields it. */
export interface UsagePage {
  impressions: Impression[];
  conversions: Conversion[];
}

/** The audit chain of a usage item: its partition (the audit consumer derives the same from the pk). */
export const usageAggregate = (pk: string) => `usage#${pk.slice('USAGE#'.length)}`;

/** Attributes the billing read needs; the audit attributes stay on the table. */
const READ_ATTRIBUTES = [
  'usageKind', 'date', 'chargeId', 'count', 'source', 'partnerId', 'receivedAt',
  'conversionId', 'event', 'occurredAt', 'exposureAt', 'value', 'geo', 'newCustomer', 'reversedAt',
] as const;
// Several of these (date, count, source, value) are reserved words: alias them all.
const READ_NAMES = Object.fromEntries(READ_ATTRIBUTES.map((name, i) => [`#a${i}`, name]));
const READ_PROJECTION = Object.keys(READ_NAMES).join(', ');

type Item = Record<string, unknown>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function impressionItem(contractId: string, record: PlannedImpression, meta: WriteMeta): Item {
  const key = usageKeys.impression(contractId, record.period, record);
  return {
    ...key,
    entityType: 'usage',
    usageKind: UsageItemKind.IMPRESSION,
    aggregate: usageAggregate(key.pk),
    contractId,
    period: record.period,
    date: record.date,
    chargeId: record.chargeId,
    count: record.count,
    source: record.source,
    partnerId: record.partnerId ?? undefined,
    receivedAt: record.receivedAt,
    actor: meta.actor,
    origin: meta.origin,
    ingestedAt: meta.ingestedAt,
  };
}

function conversionItem(contractId: string, record: PlannedConversion, meta: WriteMeta): Item {
  const key = usageKeys.conversion(contractId, record.period, record.id);
  return {
    ...key,
    entityType: 'usage',
    usageKind: UsageItemKind.CONVERSION,
    aggregate: usageAggregate(key.pk),
    contractId,
    period: record.period,
    conversionId: record.id,
    event: record.event,
    occurredAt: record.occurredAt,
    exposureAt: record.exposureAt,
    value: record.value,
    geo: record.geo,
    newCustomer: record.newCustomer,
    partnerId: record.partnerId ?? undefined,
    // Absent rather than null, so "not reversed" is one condition: attribute_not_exists.
    reversedAt: record.reversedAt ?? undefined,
    receivedAt: record.receivedAt,
    actor: meta.actor,
    origin: meta.origin,
    ingestedAt: meta.ingestedAt,
  };
}

function toImpression(item: Item): Impression {
  return {
    date: item.date as string,
    chargeId: item.chargeId as string,
    count: Number(item.count),
    source: item.source as Impression['source'],
    partnerId: (item.partnerId as string | undefined) ?? null,
    receivedAt: item.receivedAt as string,
  };
}

function toConversion(item: Item): Conversion {
  return {
    id: item.conversionId as string,
    event: item.event as string,
    occurredAt: item.occurredAt as string,
    exposureAt: item.exposureAt as string,
    value: item.value as string,
    geo: item.geo as string,
    newCustomer: item.newCustomer as boolean,
    partnerId: (item.partnerId as string | undefined) ?? null,
    reversedAt: (item.reversedAt as string | undefined) ?? null,
    receivedAt: item.receivedAt as string,
  };
}

function toStoredConversion(item: Item): StoredConversion {
  return {
    ...toConversion(item),
    contractId: item.contractId as string,
    partnerId: (item.partnerId as string | undefined) ?? null,
    reversedAt: (item.reversedAt as string | undefined) ?? null,
    receivedAt: item.receivedAt as string,
    period: item.period as string,
    reversalReason: (item.reversalReason as string | undefined) ?? null,
  };
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A stable order, whatever shard a record came from: impressions by day, charge, source, partner. */
function compareImpressions(a: Impression, b: Impression): number {
  return compareText(a.date, b.date) || compareText(a.chargeId, b.chargeId) || compareText(a.source, b.source) || compareText(a.partnerId ?? '', b.partnerId ?? '');
}

/** Conversions by occurredAt (as instants: offsets may differ), then id: the order rule 8 counts in. */
function compareConversions(a: Conversion, b: Conversion): number {
  return Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || compareText(a.id, b.id);
}

export class DynamoUsageRepository implements UsageStore {
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly pageLimit: number | undefined;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: UsageRepositoryOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 8;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.backoffBaseMs = options.backoffBaseMs ?? 50;
    this.backoffCapMs = options.backoffCapMs ?? 5_000;
    this.pageLimit = options.pageLimit;
  }

  private backoff(attempt: number): Promise<void> {
    const ceiling = Math.min(this.backoffCapMs, this.backoffBaseMs * 2 ** attempt);
    return sleep(Math.random() * ceiling);
  }

  async putImpressions(contractId: string, records: readonly PlannedImpression[], meta: WriteMeta): Promise<void> {
    const items = records.map((record) => impressionItem(contractId, record, meta));
    await inParallel(chunk(items, BATCH_WRITE_LIMIT), this.concurrency, (batch) => this.batchPut(batch));
  }

  private async batchPut(items: Item[]): Promise<void> {
    let pending = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= this.maxAttempts) {
        throw new Error(`DynamoDB left ${pending.length} usage items unprocessed after ${this.maxAttempts} attempts`);
      }
      if (attempt > 0) await this.backoff(attempt);
      const out = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
      pending = (out.UnprocessedItems?.[this.tableName] ?? []).flatMap((r) => (r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : []));
    }
  }

  async addConversions(contractId: string, records: readonly PlannedConversion[], meta: WriteMeta): Promise<{ duplicateIds: string[] }> {
    const duplicateIds: string[] = [];
    await inParallel(chunk(records, CONVERSIONS_PER_TRANSACTION), Math.max(1, Math.floor(this.concurrency / 2)), async (part) => {
      duplicateIds.push(...(await this.addConversionChunk(contractId, part, meta)));
    });
    return { duplicateIds };
  }

  /** One transaction per chunk; returns the chunk's ids that were already stored. */
  private async addConversionChunk(contractId: string, records: readonly PlannedConversion[], meta: WriteMeta): Promise<string[]> {
    const duplicates: string[] = [];
    let pending = [...records];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= this.maxAttempts) {
        throw new Error(`conversions of contract ${contractId} could not be stored after ${this.maxAttempts} attempts`);
      }
      const TransactItems = pending.flatMap((record) => [
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...usageKeys.conversionId(contractId, record.id),
              contractId,
              conversionId: record.id,
              period: record.period,
              createdAt: meta.ingestedAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        { Put: { TableName: this.tableName, Item: conversionItem(contractId, record, meta) } },
      ]);
      try {
        // The token makes the SDK's own retry of a lost response a no-op, not a false "duplicate".
        await this.client.send(new TransactWriteCommand({ TransactItems, ClientRequestToken: randomUUID() }));
        return duplicates;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const taken = new Set<string>();
        pending.forEach((record, i) => {
          if (reasons[2 * i]?.Code === 'ConditionalCheckFailed') taken.add(record.id);
        });
        duplicates.push(...taken);
        pending = pending.filter((record) => !taken.has(record.id));
        // Only duplicates: retry the rest at once. A conflict or throttle: back off first.
        const contended = reasons.some((r) => r.Code !== undefined && r.Code !== 'None' && r.Code !== 'ConditionalCheckFailed');
        if (taken.size === 0 && !contended) throw error;
        if (contended) await this.backoff(attempt + 1);
      }
    }
    return duplicates;
  }

  async findConversion(contractId: string, conversionId: string): Promise<StoredConversion | null> {
    const marker = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: usageKeys.conversionId(contractId, conversionId), ConsistentRead: true }),
    );
    if (!marker.Item) return null;
    const key = usageKeys.conversion(contractId, marker.Item.period as string, conversionId);
    const found = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    // Marker and item are written in one transaction: one without the other is corruption, not "absent".
    if (!found.Item) throw new Error(`conversion ${conversionId} of contract ${contractId} has a marker but no item at ${key.pk}/${key.sk}`);
    return toStoredConversion(found.Item);
  }

  async reverseConversion(conversion: StoredConversion, reversal: ConversionReversal, meta: WriteMeta): Promise<StoredConversion> {
    const { contractId } = conversion;
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: usageKeys.conversion(contractId, conversion.period, conversion.id),
          UpdateExpression: 'SET reversedAt = :at, reversalReason = :reason, actor = :actor, origin = :origin, reversalRecordedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(reversedAt)',
          ExpressionAttributeValues: {
            ':at': reversal.reversedAt,
            ':reason': reversal.reason,
            ':actor': meta.actor,
            ':origin': meta.origin,
            ':now': meta.ingestedAt,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toStoredConversion(out.Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new ConflictError(`conversion ${conversion.id} is already reversed`, 'conversion_already_reversed', { cause: error });
      }
      throw error;
    }
  }

  /**
   * Exactly the records whose period is `period` (impressions by their day's month, conversions
   * by occurredAt's month in the contract's zone, as ingestion attributed them), in a stable order.
   */
  async loadPeriodUsage(contractId: string, period: string): Promise<Usage> {
    assertPeriod(period);
    const shards = Array.from({ length: USAGE_SHARDS }, (_, shard) => shard);
    const pages = await Promise.all(shards.map((shard) => this.readShard(contractId, period, shard)));
    const usage: Usage = { impressions: [], conversions: [] };
    for (const items of pages) collect(items, usage);
    usage.impressions.sort(compareImpressions);
    usage.conversions.sort(compareConversions);
    return usage;
  }

  /**
   * The same records page by page (shard after shard, unsorted), for a contract whose period
   * does not fit in memory at once. Each page holds at most 1 MB of items.
   */
  async *streamPeriodUsage(contractId: string, period: string): AsyncGenerator<UsagePage> {
    assertPeriod(period);
    for (let shard = 0; shard < USAGE_SHARDS; shard++) {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await this.client.send(this.shardQuery(contractId, period, shard, start));
        const page: UsagePage = { impressions: [], conversions: [] };
        collect(out.Items ?? [], page);
        yield page;
        start = out.LastEvaluatedKey;
      } while (start);
    }
  }

  private shardQuery(contractId: string, period: string, shard: number, start: Record<string, unknown> | undefined) {
    return new QueryCommand({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': usageKeys.periodShard(contractId, period, shard) },
      ExpressionAttributeNames: READ_NAMES,
      ProjectionExpression: READ_PROJECTION,
      // A billing run right after a late feed must see it.
      ConsistentRead: true,
      ExclusiveStartKey: start,
      Limit: this.pageLimit,
    });
  }

  private async readShard(contractId: string, period: string, shard: number): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(this.shardQuery(contractId, period, shard, start));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

function assertPeriod(period: string): void {
  if (!isPeriod(period)) throw new ValidationError('a period is YYYY-MM', [{ path: 'period', message: `not a period: "${period}"` }]);
}

function collect(items: readonly Item[], into: UsagePage): void {
  for (const item of items) {
    if (item.usageKind === UsageItemKind.IMPRESSION) into.impressions.push(toImpression(item));
    else if (item.usageKind === UsageItemKind.CONVERSION) into.conversions.push(toConversion(item));
  }
}
