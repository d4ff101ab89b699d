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
 */
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

export interface IdempotencyStoreOptions {
  /** How long a completed response is replayed (DynamoDB TTL on `expiresAt`). */
  retentionSeconds?: number;
  /** How long an IN_PROGRESS record blocks others; beyond it the holder is presumed dead. */
  lockMs?: number;
}

export class IdempotencyStore {
  private readonly retentionSeconds: number;
  private readonly lockMs: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: IdempotencyStoreOptions = {},
  ) {
    this.retentionSeconds = options.retentionSeconds ?? 24 * 3600;
    this.lockMs = options.lockMs ?? 60_000;
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
      return { kind: 'in_progress' };
    }
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.idempotency(scope, key),
        UpdateExpression: 'SET #status = :completed, #response = :response REMOVE lockedUntil',
        ExpressionAttributeNames: { '#status': 'status', '#response': 'response' },
        ExpressionAttributeValues: { ':completed': IdempotencyStatus.COMPLETED, ':response': JSON.stringify(response) },
      }),
    );
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
}

/** The condition-failure item comes back in wire format (the document client does not unmarshall it). */
function unmarshallRecord(item: Record<string, unknown>): RecordShape {
  const text = (name: string): string | undefined => {
    const value = item[name] as { S?: string } | string | undefined;
    if (typeof value === 'string') return value;
    return value?.S;
  };
  return { status: text('status'), requestHash: text('requestHash'), response: text('response') };
}
