/**
 * Idempotency records for HTTP POSTs, on the one table under `keys.idempotency(scope, key)`.
 *
 * Why not Powertools idempotency (@aws-lambda-powertools/idempotency 2): on a table whose key is
 * pk + sk, its DynamoDBPersistenceLayer needs `sortKeyAttr` and then writes EVERY record under
 * one static partition key (`staticPkValue`) with the hashed key as sort key: every POST of the
 * whole API would write to a single partition, a hot spot at 1,000 WCU/s, and the records would
 * not follow the table's declared key builder (`keys.idempotency`). Its semantics would fit
 * (payload hash via `powertools_json(body)`, IdempotencyValidationError, in-progress errors), so
 * the same ones are kept here in a few lines: a conditional put of an IN_PROGRESS record keyed
 * by scope (caller + concrete path) and key, holding the request hash; then the stored response;
 * a crashed holder's lock expires (`lockedUntil`) so the key is not stuck; TTL on `expiresAt`.
 *
 * A response too big to sit in the record beside the rest (over RESPONSE_INLINE_MAX_BYTES, e.g.
 * a large invoice) goes to the overflow store (S3) under its sha256; the record keeps
 * `responseRef` = { key, sha256 } and a replay reads it back and checks the hash.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from './table';

export const IdempotencyStatus = { IN_PROGRESS: 'IN_PROGRESS', COMPLETED: 'COMPLETED' } as const;
export type IdempotencyStatus = (typeof IdempotencyStatus)[keyof typeof IdempotencyStatus];

export interface StoredResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export type BeginOutcome =
  | { kind: 'started' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

/** DynamoDB items hold 400 KB; the rest of the record is small. */
export const RESPONSE_INLINE_MAX_BYTES = 300 * 1024;

/** Where responses too big for the record go; the same text always gets the same key. */
export interface ResponseOverflow {
  put(sha256: string, text: string): Promise<string>;
  get(key: string): Promise<string | undefined>;
}

export interface ResponseRef {
  key: string;
  sha256: string;
}

export class ResponseOverflowError extends Error {
  override readonly name = 'ResponseOverflowError';
}

export interface IdempotencyStoreOptions {
  /** Where responses over `inlineMaxBytes` go; without one they cannot be stored. */
  overflow?: ResponseOverflow;
  inlineMaxBytes?: number;
  /** How long a completed response is replayed (DynamoDB TTL on `expiresAt`). */
  retentionSeconds?: number;
  /** How long an IN_PROGRESS record blocks others; beyond it the holder is presumed dead. */
  lockMs?: number;
}

export class IdempotencyStore {
  private readonly retentionSeconds: number;
  private readonly lockMs: number;
  private readonly overflow: ResponseOverflow | undefined;
  private readonly inlineMaxBytes: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: IdempotencyStoreOptions = {},
  ) {
    this.retentionSeconds = options.retentionSeconds ?? 24 * 3600;
    this.lockMs = options.lockMs ?? 60_000;
    this.overflow = options.overflow;
    this.inlineMaxBytes = options.inlineMaxBytes ?? RESPONSE_INLINE_MAX_BYTES;
  }

  async begin(scope: string, key: string, requestHash: string, now: Date): Promise<BeginOutcome> {
    const nowMs = now.getTime();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.idempotency(scope, key),
            entityType: 'IdempotencyRecord',
            status: IdempotencyStatus.IN_PROGRESS,
            requestHash,
            lockedUntil: nowMs + this.lockMs,
            expiresAt: Math.floor(nowMs / 1000) + this.retentionSeconds,
          },
          // Free, expired (TTL deletes lazily), or abandoned by a holder that never finished.
          ConditionExpression:
            'attribute_not_exists(pk) OR expiresAt < :nowSeconds OR (#status = :inProgress AND lockedUntil < :nowMs)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':nowSeconds': Math.floor(nowMs / 1000), ':nowMs': nowMs, ':inProgress': IdempotencyStatus.IN_PROGRESS },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'started' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = error.Item ? unmarshallRecord(error.Item) : undefined;
      if (!existing) return { kind: 'in_progress' };
      if (existing.requestHash !== requestHash) return { kind: 'mismatch' };
      if (existing.status === IdempotencyStatus.COMPLETED && existing.response) {
        return { kind: 'replay', response: JSON.parse(existing.response) as StoredResponse };
      }
      if (existing.status === IdempotencyStatus.COMPLETED && existing.responseRef) {
        return { kind: 'replay', response: JSON.parse(await this.readOverflow(existing.responseRef)) as StoredResponse };
      }
      return { kind: 'in_progress' };
    }
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    const text = JSON.stringify(response);
    const inline = Buffer.byteLength(text, 'utf8') <= this.inlineMaxBytes;
    const [name, value] = inline ? (['response', text] as const) : (['responseRef', await this.writeOverflow(text)] as const);
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.idempotency(scope, key),
        UpdateExpression: 'SET #status = :completed, #response = :response REMOVE lockedUntil',
        ExpressionAttributeNames: { '#status': 'status', '#response': name },
        ExpressionAttributeValues: { ':completed': IdempotencyStatus.COMPLETED, ':response': value },
      }),
    );
  }

  private async writeOverflow(text: string): Promise<ResponseRef> {
    if (!this.overflow) throw new ResponseOverflowError(`a response of ${Buffer.byteLength(text, 'utf8')} bytes needs an overflow store`);
    const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
    return { key: await this.overflow.put(sha256, text), sha256 };
  }

  private async readOverflow(ref: ResponseRef): Promise<string> {
    const text = await this.overflow?.get(ref.key);
    if (text === undefined || createHash('sha256').update(text, 'utf8').digest('hex') !== ref.sha256) {
      throw new ResponseOverflowError(`the stored response ${ref.key} is missing or does not match its sha256`);
    }
    return text;
  }

  /** Forgets an IN_PROGRESS record after a failure, so the client may retry with the same key. */
  async release(scope: string, key: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.idempotency(scope, key),
          ConditionExpression: '#status = :inProgress',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':inProgress': IdempotencyStatus.IN_PROGRESS },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

interface RecordShape {
  status?: string;
  requestHash?: string;
  response?: string;
  responseRef?: ResponseRef;
}

/** The condition-failure item comes back in wire format (the document client does not unmarshall it). */
function unmarshallRecord(item: Record<string, unknown>): RecordShape {
  const text = (name: string): string | undefined => {
    const value = item[name] as { S?: string } | string | undefined;
    if (typeof value === 'string') return value;
    return value?.S;
  };
  const ref = item.responseRef as { M?: Record<string, { S?: string }> } | ResponseRef | undefined;
  const refKey = ref && 'M' in ref ? ref.M?.key?.S : (ref as ResponseRef | undefined)?.key;
  const refSha = ref && 'M' in ref ? ref.M?.sha256?.S : (ref as ResponseRef | undefined)?.sha256;
  const responseRef = refKey && refSha ? { key: refKey, sha256: refSha } : undefined;
  return { status: text('status'), requestHash: text('requestHash'), response: text('response'), ...(responseRef && { responseRef }) };
}
