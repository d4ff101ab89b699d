/**
 * Credits on the table: one item per credit, `CONTRACT#<contractId>` / `CREDIT#<creditId>`, in
 * the contract's partition and audit chain (`aggregate: contract#<id>`), so every change of a
 * credit is an entry of the contract's trail. Approvals live inside the item: a credit changes
 * with one conditional put on its `version`, and DynamoDB's refusal becomes a ConflictError.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, ValidationError } from '../../domain/kernel/errors';
import type { Credit, CreditStore } from '../../domain/credits/model';
import { ContractEntity, contractAggregateId } from './contract-repository';
import { decodeCursor, encodeCursor } from './cursor';
import { keys } from './table';

/** The entity type the audit log's action table knows credits by. */
export const CREDIT_ENTITY = ContractEntity.CREDIT;

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi2pk', 'gsi2sk', 'entityType', 'aggregate'] as const;

function toCredit(item: Record<string, unknown>): Credit {
  const out: Record<string, unknown> = { ...item };
  for (const name of KEY_ATTRIBUTES) delete out[name];
  return out as unknown as Credit;
}

function creditItem(credit: Credit): Record<string, unknown> {
  // A pending credit is in the approval inbox (table.ts pendingApproval) until it is decided.
  const pending = credit.status === 'PENDING_APPROVAL' ? keys.pendingApproval(credit.createdAt, keys.pendingCreditRef(credit.contractId, credit.id)) : {};
  return { ...keys.credit(credit.contractId, credit.id), ...pending, entityType: CREDIT_ENTITY, aggregate: contractAggregateId(credit.contractId), ...credit };
}

export interface CreditPageQuery {
  limit: number;
  cursor?: string;
  /** Only credits of this status (an advertiser sees approved ones only). */
  status?: Credit['status'];
}

export class CreditRepository implements CreditStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getCredit(contractId: string, creditId: string): Promise<Credit | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.credit(contractId, creditId), ConsistentRead: true }));
    return out.Item && out.Item.entityType === CREDIT_ENTITY ? toCredit(out.Item) : null;
  }

  async listCredits(contractId: string): Promise<Credit[]> {
    const credits: Credit[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.listPage(contractId, { limit: 200, cursor });
      credits.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return credits.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  /** One page of a contract's credits in id order (the list route's paging). */
  async listPage(contractId: string, query: CreditPageQuery): Promise<{ items: Credit[]; nextCursor: string | null }> {
    const pk = keys.credit(contractId, '').pk;
    const start = decodeCursor(query.cursor, { pk });
    // A cursor of another list of this partition (a version's key) would start outside the range.
    if (start && !(start.sk ?? '').startsWith(keys.creditPrefix)) {
      throw new ValidationError('the cursor is not valid for this list', [{ path: 'cursor', message: 'unrecognised cursor' }], 'invalid_cursor');
    }
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ...(query.status
          ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } }
          : {}),
        ExpressionAttributeValues: { ':pk': pk, ':prefix': keys.creditPrefix, ...(query.status ? { ':status': query.status } : {}) },
        ConsistentRead: true,
        Limit: query.limit,
        ExclusiveStartKey: start,
      }),
    );
    return { items: (page.Items ?? []).map(toCredit), nextCursor: encodeCursor(page.LastEvaluatedKey) };
  }

  async putCredit(credit: Credit, expectedVersion: number | null): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: creditItem(credit),
          ...(expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new ConflictError('the credit was changed by another request; retry', 'concurrent_update', { cause: error });
      }
      throw error;
    }
  }
}
