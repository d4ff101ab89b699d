/**
 * The audit chains in the table. One chain per aggregate:
 *   AUDIT#<aggregate> / SEQ#<seq, 12 digits>  one entry (never updated, never deleted by this code)
 *   AUDIT#<aggregate> / HEAD                  lastSeq, lastHash; gsi2 AUDITCHAINS/<aggregate> lists every chain
 *   AUDITEVENT#<eventId> / AUDITEVENT         marks a stream record as recorded (aggregate, seq)
 *
 * An append is ONE TransactWriteItems of those three puts, each with a condition, so a chain
 * only ever grows by one entry at the seq after its head, and each stream record lands at most
 * once. Entry images are stored as canonical JSON text: re-reading gives back exactly the value
 * that was hashed, whatever DynamoDB does with number formats or nesting.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { canonicalJson, type JsonValue } from '../../domain/audit/canonical-json';
import { emptyHead, sealEntry, type ChainHead } from '../../domain/audit/chain';
import type { AuditAction, AuditDraft, AuditEntry, AuditImage, ImageRef } from '../../domain/audit/entry';
import {
  AppendOutcome,
  type AppendResult,
  type AuditChainReader,
  type AuditChainWriter,
  type EntryPageRequest,
  type Page,
  type PageRequest,
  type SequencedChainWriter,
  type SequencedHead,
} from '../../domain/audit/ports';
import { ConflictError, DomainError, ErrorKind, ValidationError } from '../../domain/kernel/errors';
import { INDEXES, keys } from './table';

export const AUDIT_PAGE_LIMIT = { default: 100, max: 1000 } as const;
/** Appends that lose the race for the head re-read it and try again, this many times in all. */
export const MAX_APPEND_ATTEMPTS = 8;
const APPEND_RETRY_JITTER_MS = 20;
/** Order of the puts in the append transaction; cancellation reasons come back in this order. */
const TX = { marker: 0, entry: 1, head: 2 } as const;
const CHAINS_INDEX_PK = keys.auditChainIndex('').gsi2pk;

export class ChainContentionError extends DomainError {
  override readonly name: string = 'ChainContentionError';
  constructor(aggregate: string, attempts: number, cause: unknown) {
    super(ErrorKind.CONFLICT, 'audit_chain_contention', `audit chain ${aggregate} kept moving during ${attempts} append attempts`, [], { cause });
  }
}

export class InvalidCursorError extends DomainError {
  override readonly name: string = 'InvalidCursorError';
  constructor() {
    super(ErrorKind.VALIDATION, 'invalid_cursor', 'the cursor is not one this list returned', [{ path: 'cursor', message: 'invalid cursor' }]);
  }
}

function limitOf(page: PageRequest | undefined): number {
  const limit = page?.limit ?? AUDIT_PAGE_LIMIT.default;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > AUDIT_PAGE_LIMIT.max) {
    throw new ValidationError(`limit must be an integer from 1 to ${AUDIT_PAGE_LIMIT.max}`, [{ path: 'limit', message: 'out of range' }]);
  }
  return limit;
}

/** Cursors name the last item returned (a seq, or an aggregate), never a raw DynamoDB key. */
function encodeCursor(after: number | string): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): unknown {
  try {
    return (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown }).after;
  } catch {
    throw new InvalidCursorError();
  }
}

function seqCursor(cursor: string): number {
  const after = decodeCursor(cursor);
  if (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 0) throw new InvalidCursorError();
  return after;
}

function aggregateCursor(cursor: string): string {
  const after = decodeCursor(cursor);
  if (typeof after !== 'string' || after.length === 0) throw new InvalidCursorError();
  return after;
}

/**
 * Reads an image back. Text that no longer parses (a tampered item) is kept visibly, so the
 * verifier reports a hash mismatch instead of failing.
 */
function parseImage(text: unknown): AuditImage | null {
  if (typeof text !== 'string') return { $unreadable: String(text) };
  try {
    return JSON.parse(text) as AuditImage | null;
  } catch {
    return { $unreadable: text };
  }
}

/** Items are read leniently: a missing or mistyped attribute makes the entry fail verification, not the reader. */
function asString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** An external image's reference, when the item has one; kept as read so an edit breaks the hash. */
function imageRefOf(value: unknown): ImageRef | undefined {
  if (value === undefined) return undefined;
  const ref = (value ?? {}) as { key?: unknown; sha256?: unknown; bytes?: unknown };
  return { key: asString(ref.key), sha256: asString(ref.sha256), bytes: typeof ref.bytes === 'number' ? ref.bytes : Number.NaN };
}

export function entryFromItem(item: Record<string, unknown>): AuditEntry {
  const key = (item.entityKey ?? {}) as { pk?: unknown; sk?: unknown };
  const beforeImage = imageRefOf(item.beforeImage);
  const afterImage = imageRefOf(item.afterImage);
  return {
    aggregate: asString(item.aggregate),
    seq: typeof item.seq === 'number' ? item.seq : Number.NaN,
    at: asString(item.at),
    actor: asString(item.actor),
    action: asString(item.action) as AuditAction,
    entityType: asString(item.entityType),
    entityKey: { pk: asString(key.pk), sk: asString(key.sk) },
    before: parseImage(item.before),
    after: parseImage(item.after),
    ...(beforeImage && { beforeImage }),
    ...(afterImage && { afterImage }),
    eventId: asString(item.eventId),
    prevHash: asString(item.prevHash),
    hash: asString(item.hash),
  };
}

function entryItem(entry: AuditEntry): Record<string, unknown> {
  return {
    ...keys.auditEntry(entry.aggregate, entry.seq),
    aggregate: entry.aggregate,
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    entityType: entry.entityType,
    entityKey: entry.entityKey,
    before: canonicalJson(entry.before as JsonValue),
    after: canonicalJson(entry.after as JsonValue),
    ...(entry.beforeImage && { beforeImage: entry.beforeImage }),
    ...(entry.afterImage && { afterImage: entry.afterImage }),
    eventId: entry.eventId,
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

function headFromItem(item: Record<string, unknown>): ChainHead {
  return {
    aggregate: asString(item.aggregate),
    lastSeq: typeof item.lastSeq === 'number' ? item.lastSeq : Number.NaN,
    lastHash: asString(item.lastHash),
  };
}

type CancelSite = 'duplicate' | 'moved';

/** What a cancelled append means: the record was already recorded, or the chain moved on. */
function cancelSite(error: unknown): CancelSite | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const reasons = error.CancellationReasons ?? [];
  if (reasons[TX.marker]?.Code === 'ConditionalCheckFailed') return 'duplicate';
  // A conflicting concurrent transaction is the same race as a stale head: re-read and retry.
  return 'moved';
}

export class DynamoAuditRepository implements AuditChainReader, AuditChainWriter, SequencedChainWriter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async readHead(aggregate: string): Promise<ChainHead | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.auditHead(aggregate), ConsistentRead: true }),
    );
    return Item ? headFromItem(Item) : undefined;
  }

  async readSequencedHead(aggregate: string): Promise<SequencedHead> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.auditHead(aggregate), ConsistentRead: true }),
    );
    if (!Item) return { head: emptyHead(aggregate) };
    const streamSequence = typeof Item.streamSequence === 'string' ? Item.streamSequence : undefined;
    return { head: headFromItem(Item), ...(streamSequence !== undefined && { streamSequence }) };
  }

  /**
   * One transaction of two puts: the entry at the next seq (never overwritten) and the head
   * under the same optimistic lock as appendEntry, carrying the stream sequence number taken in.
   * No per-record marker: the head's sequence number is what makes a redelivery write nothing.
   */
  async appendAtHead(draft: AuditDraft, head: ChainHead, streamSequence: string): Promise<AuditEntry | undefined> {
    const entry = sealEntry(draft, head);
    const [, entryPut, headPut] = this.appendItems(entry, head);
    const headItem = { ...(headPut!.Put.Item as Record<string, unknown>), streamSequence };
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: [entryPut!, { Put: { ...headPut!.Put, Item: headItem } }] }));
      return entry;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return undefined;
      throw error;
    }
  }

  async latestEntries(aggregate: string, limit: number): Promise<AuditEntry[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.auditHead(aggregate).pk, ':prefix': keys.auditEntryPrefix },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return Items.map(entryFromItem);
  }

  async getEntry(aggregate: string, seq: number): Promise<AuditEntry | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.auditEntry(aggregate, seq), ConsistentRead: true }),
    );
    return Item ? entryFromItem(Item) : undefined;
  }

  async appendEntry(draft: AuditDraft): Promise<AppendResult> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt += 1) {
      const head = (await this.readHead(draft.aggregate)) ?? emptyHead(draft.aggregate);
      const entry = sealEntry(draft, head);
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: this.appendItems(entry, head) }));
        return { outcome: AppendOutcome.APPENDED, entry };
      } catch (error) {
        const site = cancelSite(error);
        if (site === undefined) throw error;
        if (site === 'duplicate') return { outcome: AppendOutcome.DUPLICATE, entry: await this.recordedEntry(draft) };
        lastError = error;
        // Racers that retry at once collide again; a short random pause spreads them out.
        await sleep(Math.floor(Math.random() * APPEND_RETRY_JITTER_MS * attempt));
      }
    }
    throw new ChainContentionError(draft.aggregate, MAX_APPEND_ATTEMPTS, lastError);
  }

  private appendItems(entry: AuditEntry, head: ChainHead) {
    const TableName = this.tableName;
    const headItem = {
      ...keys.auditHead(entry.aggregate),
      ...keys.auditChainIndex(entry.aggregate),
      aggregate: entry.aggregate,
      lastSeq: entry.seq,
      lastHash: entry.hash,
      updatedAt: entry.at,
    };
    const headCondition =
      head.lastSeq === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'lastSeq = :expected', ExpressionAttributeValues: { ':expected': head.lastSeq } };
    const items = [];
    items[TX.marker] = {
      Put: {
        TableName,
        Item: { ...keys.auditEvent(entry.eventId), eventId: entry.eventId, aggregate: entry.aggregate, seq: entry.seq },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    items[TX.entry] = { Put: { TableName, Item: entryItem(entry), ConditionExpression: 'attribute_not_exists(pk)' } };
    items[TX.head] = { Put: { TableName, Item: headItem, ...headCondition } };
    return items;
  }

  /** The entry a redelivered record produced the first time, found through its marker. */
  private async recordedEntry(draft: AuditDraft): Promise<AuditEntry> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.auditEvent(draft.eventId), ConsistentRead: true }),
    );
    const aggregate = asString(Item?.aggregate);
    const seq = Item?.seq;
    const entry = typeof seq === 'number' ? await this.getEntry(aggregate, seq) : undefined;
    if (!entry) throw new ConflictError(`stream record ${draft.eventId} is marked as recorded but its entry is missing`, 'audit_entry_missing');
    return entry;
  }

  /** Entries of one chain in seq order. */
  async listEntries(aggregate: string, page?: EntryPageRequest): Promise<Page<AuditEntry>> {
    const limit = limitOf(page);
    const after = page?.cursor !== undefined ? seqCursor(page.cursor) : page?.afterSeq;
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.auditHead(aggregate).pk, ':prefix': keys.auditEntryPrefix },
        ExclusiveStartKey: after !== undefined ? keys.auditEntry(aggregate, after) : undefined,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    const items = Items.map(entryFromItem);
    const last = items.at(-1);
    return LastEvaluatedKey && last ? { items, cursor: encodeCursor(seqFromKey(LastEvaluatedKey.sk)) } : { items };
  }

  /** Heads of every chain, in aggregate order, through the chains index (no Scan). */
  async listAggregates(page?: PageRequest): Promise<Page<ChainHead>> {
    const limit = limitOf(page);
    const after = page?.cursor !== undefined ? aggregateCursor(page.cursor) : undefined;
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEXES.byCollection.name,
        KeyConditionExpression: 'gsi2pk = :chains',
        ExpressionAttributeValues: { ':chains': CHAINS_INDEX_PK },
        ExclusiveStartKey: after !== undefined ? { ...keys.auditHead(after), ...keys.auditChainIndex(after) } : undefined,
        Limit: limit,
      }),
    );
    const items = Items.map(headFromItem);
    const last = items.at(-1);
    return LastEvaluatedKey && last ? { items, cursor: encodeCursor(last.aggregate) } : { items };
  }

  /** A whole chain and its head, read page by page. */
  async readChain(aggregate: string): Promise<{ head: ChainHead | undefined; entries: AuditEntry[] }> {
    const head = await this.readHead(aggregate);
    const entries: AuditEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.listEntries(aggregate, { limit: AUDIT_PAGE_LIMIT.max, cursor });
      entries.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return { head, entries };
  }
}

function seqFromKey(sk: unknown): number {
  const text = asString(sk);
  return Number(text.slice(keys.auditEntryPrefix.length));
}
