/**
 * Usage on the one table (keys: usageKeys in table.ts). Written for the billing read: all of
 * a contract's usage for a period sits in USAGE_SHARDS partitions `USAGE#<contract>#<period>#<n>`
 * and comes back with one paged, strongly consistent Query per shard, in parallel, no Scan.
 *
 * - Impressions are day-aggregates: BatchWriteItem puts (25 per request) that REPLACE the item
 *   of the same identity; UnprocessedItems are retried with capped, jittered exponential backoff.
 * - Conversions are stored per touch (id and partner, FORMAT.md v2 §3): one TransactWriteItems
 *   per chunk, each touch a conditional put of its id marker (`USAGECONV#<contract>#<id>`), of
 *   its touch marker (same partition, `TOUCH#<partner>`), both attribute_not_exists, with the
 *   put of its usage item. A cancelled chunk names, per record, whether the touch was already
 *   stored (a duplicate, dropped) or only the id (another partner's touch: retried without the
 *   id marker, and it inherits a reversal the id already has); the rest is retried. The
 *   markers are needed because the usage item's key holds the period: the same id re-sent
 *   with another occurredAt would otherwise land in another partition, unseen. The touch that
 *   wrote the id marker is `firstTouch`: the record FIRST_RECORD bills.
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
import { parseInstant } from '../../domain/billing/day-index';
import { decodeConversion, decodeImpression } from '../../domain/usage/decode';
import { USAGE_SHARDS, usageKeys } from './table';

export const UsageItemKind = { IMPRESSION: 'IMPRESSION', CONVERSION: 'CONVERSION' } as const;
export type UsageItemKind = (typeof UsageItemKind)[keyof typeof UsageItemKind];

/** BatchWriteItem takes at most 25 puts. */
const BATCH_WRITE_LIMIT = 25;
/** TransactWriteItems takes at most 100 actions: 33 conversion touches of three puts each. */
const CONVERSIONS_PER_TRANSACTION = 33;

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

/** Attributes the billing read needs (the text and the fields decoded at ingestion); the audit attributes stay on the table. */
const READ_ATTRIBUTES = [
  'usageKind', 'date', 'chargeId', 'count', 'source', 'partnerId', 'receivedAt',
  'conversionId', 'event', 'occurredAt', 'exposureAt', 'value', 'geo', 'newCustomer', 'reversedAt',
  'completedViews', 'firstTouch', 'arrival',
  'occurredMs', 'exposureMs', 'reversedMs', 'receivedMs', 'valueUnits', 'valueScale', 'idHash',
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
    // Decoded once here for rating (usage/decode.ts); a null receivedMs is left absent.
    receivedMs: decodeImpression(record)?.receivedMs ?? undefined,
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
    completedViews: record.completedViews,
    actor: meta.actor,
    origin: meta.origin,
    ingestedAt: meta.ingestedAt,
  };
}

/** The marker that takes a conversion id for the contract (its first touch); conditional on absence when written. */
export function conversionIdMarker(contractId: string, record: PlannedConversion, meta: WriteMeta): Item {
  return { ...usageKeys.conversionId(contractId, record.id), contractId, conversionId: record.id, period: record.period, createdAt: meta.ingestedAt };
}

/** The marker of one touch (id and partner): a touch is stored once; conditional on absence when written. */
export function conversionTouchMarker(contractId: string, record: PlannedConversion, meta: WriteMeta): Item {
  return {
    ...usageKeys.conversionTouch(contractId, record.id, record.partnerId),
    contractId,
    conversionId: record.id,
    partnerId: record.partnerId ?? undefined,
    period: record.period,
    createdAt: meta.ingestedAt,
  };
}

/** The stored item of a conversion touch (exported, with the markers, for the benchmarks' bulk load: bench/lib/seed.ts). */
export function conversionItem(contractId: string, record: PlannedConversion, meta: WriteMeta, firstTouch: boolean, inherited: ConversionReversal | null): Item {
  const key = usageKeys.conversion(contractId, record.period, record.id, record.partnerId);
  const reversedAt = record.reversedAt ?? inherited?.reversedAt ?? undefined;
  // Decoded once here, with the reversal the touch is stored with, for rating (usage/decode.ts).
  const decoded = decodeConversion({ ...record, reversedAt });
  return {
    ...(decoded === null ? {} : { ...decoded, reversedMs: decoded.reversedMs ?? undefined, receivedMs: decoded.receivedMs ?? undefined }),
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
    reversedAt,
    reversalReason: record.reversedAt ? undefined : inherited?.reason,
    receivedAt: record.receivedAt,
    firstTouch,
    arrival: record.arrival,
    actor: meta.actor,
    origin: meta.origin,
    ingestedAt: meta.ingestedAt,
  };
}

function toImpression(item: Item): Impression {
  const impression: Impression = {
    date: item.date as string,
    chargeId: item.chargeId as string,
    count: Number(item.count),
    source: item.source as Impression['source'],
    partnerId: (item.partnerId as string | undefined) ?? null,
    receivedAt: item.receivedAt as string,
  };
  // Only records that carry views say so: a v1 record reads back exactly as it was sent.
  if (item.completedViews !== undefined) impression.completedViews = Number(item.completedViews);
  // Decoded at ingestion; absent on items stored before that, and on impressions without receivedAt.
  if (item.receivedMs !== undefined) impression.receivedMs = item.receivedMs as number;
  return impression;
}

/**
 * A conversion as rating reads it: its text and, when the item has them (items stored before
 * decoding at ingestion have not), the fields decoded at ingestion.
 */
function toRatedConversion(item: Item): Conversion {
  if (item.occurredMs === undefined) return toConversion(item);
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
    occurredMs: item.occurredMs as number,
    exposureMs: item.exposureMs as number,
    reversedMs: (item.reversedMs as number | undefined) ?? null,
    receivedMs: (item.receivedMs as number | undefined) ?? null,
    valueUnits: item.valueUnits as number,
    valueScale: item.valueScale as number,
    idHash: item.idHash as number,
  };
}

/** A conversion's text. */
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
    arrival: (item.arrival as string | undefined) ?? '',
    firstTouch: item.firstTouch === true,
  };
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A stable order, whatever shard a record came from: impressions by day, charge, source, partner. */
function compareImpressions(a: Impression, b: Impression): number {
  return compareText(a.date, b.date) || compareText(a.chargeId, b.chargeId) || compareText(a.source, b.source) || compareText(a.partnerId ?? '', b.partnerId ?? '');
}

type ReadConversion = Conversion & { firstTouch?: boolean; arrival?: string };

/**
 * The first touch of every id (the one stored first, which took the id) before any other
 * touch, each group by occurredAt (as instants: offsets may differ), then id, then the order
 * received. So the touches of one id come in the order they were received, the first stored
 * first, whatever their occurredAt: the engine's "order given" (FIRST_RECORD takes the first,
 * touch ties go to the earlier). The engine depends on no other order (rule 8 and ranks sort
 * by occurredAt and id themselves), so the streaming read, which gives the first touches page
 * by page and the other touches after them in this order, rates the same.
 */
function compareConversions(a: ReadConversion, b: ReadConversion): number {
  return (
    Number(b.firstTouch === true) - Number(a.firstTouch === true) ||
    Date.parse(a.occurredAt) - Date.parse(b.occurredAt) ||
    compareText(a.id, b.id) ||
    compareText(a.arrival ?? '', b.arrival ?? '')
  );
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

  async addConversions(contractId: string, records: readonly PlannedConversion[], meta: WriteMeta): Promise<{ duplicateIds: string[]; touchIds: string[] }> {
    const duplicateIds: string[] = [];
    const touchIds: string[] = [];
    // The first touch of each id goes first, so it is the one that takes the id (FIRST_RECORD);
    // the other touches of the call follow once every id of the call is taken.
    const seen = new Set<string>();
    const firsts: PlannedConversion[] = [];
    const others: PlannedConversion[] = [];
    for (const record of records) {
      (seen.has(record.id) ? others : firsts).push(record);
      seen.add(record.id);
    }
    for (const phase of [firsts, others]) {
      await inParallel(chunk(phase, CONVERSIONS_PER_TRANSACTION), Math.max(1, Math.floor(this.concurrency / 2)), async (part) => {
        const outcome = await this.addConversionChunk(contractId, part, meta);
        duplicateIds.push(...outcome.duplicateIds);
        touchIds.push(...outcome.touchIds);
      });
    }
    return { duplicateIds, touchIds };
  }

  /** One transaction per chunk; returns the chunk's touches already stored, and those stored as a further touch. */
  private async addConversionChunk(
    contractId: string,
    records: readonly PlannedConversion[],
    meta: WriteMeta,
  ): Promise<{ duplicateIds: string[]; touchIds: string[] }> {
    const duplicateIds: string[] = [];
    // Records whose id is already taken: written as further touches, with the id's reversal if any.
    const furtherTouch = new Map<PlannedConversion, ConversionReversal | null>();
    let pending = [...records];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= this.maxAttempts) {
        throw new Error(`conversions of contract ${contractId} could not be stored after ${this.maxAttempts} attempts`);
      }
      // Per record: [id marker (first touches only)], touch marker, usage item.
      const slots: { record: PlannedConversion; idMarker: number | null; touchMarker: number }[] = [];
      const TransactItems: Record<string, unknown>[] = [];
      for (const record of pending) {
        const further = furtherTouch.has(record);
        const idMarker = further ? null : TransactItems.length;
        if (!further) {
          TransactItems.push({
            Put: {
              TableName: this.tableName,
              Item: conversionIdMarker(contractId, record, meta),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          });
        }
        const touchMarker = TransactItems.length;
        TransactItems.push({
          Put: {
            TableName: this.tableName,
            Item: conversionTouchMarker(contractId, record, meta),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        });
        TransactItems.push({ Put: { TableName: this.tableName, Item: conversionItem(contractId, record, meta, !further, furtherTouch.get(record) ?? null) } });
        slots.push({ record, idMarker, touchMarker });
      }
      try {
        // The token makes the SDK's own retry of a lost response a no-op, not a false "duplicate".
        await this.client.send(new TransactWriteCommand({ TransactItems: TransactItems as never, ClientRequestToken: randomUUID() }));
        return { duplicateIds, touchIds: pending.filter((r) => furtherTouch.has(r)).map((r) => r.id) };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const failed = (index: number | null) => index !== null && reasons[index]?.Code === 'ConditionalCheckFailed';
        const dropped = new Set<PlannedConversion>();
        const idTaken: PlannedConversion[] = [];
        for (const slot of slots) {
          if (failed(slot.touchMarker)) dropped.add(slot.record);
          else if (failed(slot.idMarker)) idTaken.push(slot.record);
        }
        for (const record of dropped) duplicateIds.push(record.id);
        for (const [record, reversal] of await this.reversalsOf(contractId, idTaken)) furtherTouch.set(record, reversal);
        pending = pending.filter((record) => !dropped.has(record));
        // Only known ids or touches: retry the rest at once. A conflict or throttle: back off first.
        const contended = reasons.some((r) => r.Code !== undefined && r.Code !== 'None' && r.Code !== 'ConditionalCheckFailed');
        if (dropped.size === 0 && idTaken.length === 0 && !contended) throw error;
        if (contended) await this.backoff(attempt + 1);
      }
    }
    return { duplicateIds, touchIds: [] };
  }

  /** For touches of ids already taken: the reversal each id already has (a late touch is reversed too). */
  private async reversalsOf(contractId: string, records: readonly PlannedConversion[]): Promise<Map<PlannedConversion, ConversionReversal | null>> {
    const out = new Map<PlannedConversion, ConversionReversal | null>();
    await inParallel(records, this.concurrency, async (record) => {
      const marker = await this.client.send(new GetCommand({ TableName: this.tableName, Key: usageKeys.conversionId(contractId, record.id), ConsistentRead: true }));
      const reversedAt = marker.Item?.reversedAt as string | undefined;
      out.set(record, reversedAt ? { reversedAt, reason: (marker.Item?.reversalReason as string | undefined) ?? '' } : null);
    });
    return out;
  }

  async findConversion(contractId: string, conversionId: string): Promise<StoredConversion | null> {
    return (await this.findTouches(contractId, conversionId))[0] ?? null;
  }

  async findTouches(contractId: string, conversionId: string): Promise<StoredConversion[]> {
    const markers = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': usageKeys.conversionId(contractId, conversionId).pk, ':prefix': usageKeys.conversionTouchPrefix },
        ConsistentRead: true,
      }),
    );
    const touches: StoredConversion[] = [];
    await inParallel(markers.Items ?? [], this.concurrency, async (marker) => {
      const key = usageKeys.conversion(contractId, marker.period as string, conversionId, (marker.partnerId as string | undefined) ?? null);
      const found = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      // Marker and item are written in one transaction: one without the other is corruption, not "absent".
      if (!found.Item) throw new Error(`conversion ${conversionId} of contract ${contractId} has a marker but no item at ${key.pk}/${key.sk}`);
      touches.push(toStoredConversion(found.Item));
    });
    return touches.sort((a, b) => Number(b.firstTouch) - Number(a.firstTouch) || compareText(a.arrival, b.arrival));
  }

  async reverseConversion(touches: readonly StoredConversion[], reversal: ConversionReversal, meta: WriteMeta): Promise<StoredConversion[]> {
    if (touches.length === 0) return [];
    const { contractId, id } = touches[0]!;
    const values = {
      ':at': reversal.reversedAt,
      // Decoded as ingestion decodes it, so rating reads the reversal as a number too.
      ':ms': parseInstant(reversal.reversedAt),
      ':reason': reversal.reason,
      ':actor': meta.actor,
      ':origin': meta.origin,
      ':now': meta.ingestedAt,
    };
    const set = 'SET reversedAt = :at, reversedMs = :ms, reversalReason = :reason, actor = :actor, origin = :origin, reversalRecordedAt = :now';
    try {
      // One transaction: the id's marker (so touches arriving later inherit the reversal) and every touch.
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: usageKeys.conversionId(contractId, id),
                UpdateExpression: 'SET reversedAt = :at, reversalReason = :reason',
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(reversedAt)',
                ExpressionAttributeValues: { ':at': reversal.reversedAt, ':reason': reversal.reason },
              },
            },
            ...touches.map((touch) => ({
              Update: {
                TableName: this.tableName,
                Key: usageKeys.conversion(contractId, touch.period, touch.id, touch.partnerId),
                UpdateExpression: set,
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(reversedAt)',
                ExpressionAttributeValues: values,
              },
            })),
          ],
          ClientRequestToken: randomUUID(),
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException || error instanceof ConditionalCheckFailedException) {
        throw new ConflictError(`conversion ${id} is already reversed`, 'conversion_already_reversed', { cause: error });
      }
      throw error;
    }
    return touches.map((touch) => ({ ...touch, reversedAt: reversal.reversedAt, reversalReason: reversal.reason }));
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
    const conversions: { conversion: Conversion; firstTouch: boolean; arrival: string }[] = [];
    for (const items of pages) {
      for (const item of items) {
        if (item.usageKind === UsageItemKind.IMPRESSION) usage.impressions.push(toImpression(item));
        else if (item.usageKind === UsageItemKind.CONVERSION) {
          conversions.push({ conversion: toRatedConversion(item), firstTouch: item.firstTouch === true, arrival: (item.arrival as string | undefined) ?? '' });
        }
      }
    }
    usage.impressions.sort(compareImpressions);
    conversions.sort((a, b) => compareConversions({ ...a.conversion, firstTouch: a.firstTouch, arrival: a.arrival }, { ...b.conversion, firstTouch: b.firstTouch, arrival: b.arrival }));
    usage.conversions = conversions.map((c) => c.conversion);
    return usage;
  }

  /**
   * The same records page by page, for a contract whose period does not fit in memory at once
   * (the billing run rates from it: billing/rate.ts `ratePeriodFromPages`). Shard after shard,
   * each page holds at most 1 MB of items: impressions and the first touch of each conversion
   * id as they come; the other touches of an id (another partner's report of a known
   * conversion) are held back and come last, sorted as `loadPeriodUsage` sorts them, so that
   * every id's touches come in the same order as there, the only order rating depends on.
   * Memory: one page, and the held-back touches.
   */
  async *streamPeriodUsage(contractId: string, period: string): AsyncGenerator<UsagePage> {
    assertPeriod(period);
    const later: { conversion: Conversion; arrival: string }[] = [];
    for (let shard = 0; shard < USAGE_SHARDS; shard++) {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await this.client.send(this.shardQuery(contractId, period, shard, start));
        const page: UsagePage = { impressions: [], conversions: [] };
        for (const item of out.Items ?? []) {
          if (item.usageKind === UsageItemKind.IMPRESSION) page.impressions.push(toImpression(item));
          else if (item.usageKind !== UsageItemKind.CONVERSION) continue;
          else if (item.firstTouch === true) page.conversions.push(toRatedConversion(item));
          else later.push({ conversion: toRatedConversion(item), arrival: (item.arrival as string | undefined) ?? '' });
        }
        yield page;
        start = out.LastEvaluatedKey;
      } while (start);
    }
    later.sort((a, b) => compareConversions({ ...a.conversion, arrival: a.arrival }, { ...b.conversion, arrival: b.arrival }));
    for (let i = 0; i < later.length; i += HELD_BACK_PAGE) {
      yield { impressions: [], conversions: later.slice(i, i + HELD_BACK_PAGE).map((c) => c.conversion) };
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

/** Held-back touches are given in pages of this many. */
const HELD_BACK_PAGE = 1_000;
