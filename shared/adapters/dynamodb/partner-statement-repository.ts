/**
 * Issued partner statements on the table: one item per partner and period,
 * `PARTNERSTMT#<partnerId>` / `PERIOD#<period>`, in the partner's statement audit chain
 * (`aggregate: partnerStatement#<partnerId>`), listed per period on gsi2 for the export. An
 * OPEN statement has no item. Issue is a put that requires the item to be absent; a payment a
 * put conditioned on the version read, so DynamoDB refuses a lost race (ConflictError
 * `concurrent_update`) and the use case decides again on fresh data.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../domain/kernel/errors';
import { auditAggregate } from '../../domain/audit/entry';
import type { StatementRecord } from '../../domain/partner-statements/statement';
import type { PartnerStatementStore, StatementChange } from '../../domain/partner-statements/store';
import { queryAll } from './query-all';
import { INDEXES, keys } from './table';

/** The entity type the audit log's action table knows statements by. */
export const PARTNER_STATEMENT_ENTITY = 'partnerStatement';

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi2pk', 'gsi2sk', 'entityType', 'aggregate'] as const;

function toRecord(item: Record<string, unknown>): StatementRecord {
  const out: Record<string, unknown> = { ...item };
  for (const name of KEY_ATTRIBUTES) delete out[name];
  return out as unknown as StatementRecord;
}

function statementItem(record: StatementRecord): Record<string, unknown> {
  return {
    ...keys.partnerStatement(record.partnerId, record.period),
    ...keys.partnerStatementByPeriod(record.period, record.partnerId),
    entityType: PARTNER_STATEMENT_ENTITY,
    aggregate: auditAggregate.partnerStatement(record.partnerId),
    ...record,
  };
}

export class PartnerStatementRepository implements PartnerStatementStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getStatementRecord(partnerId: string, period: string): Promise<StatementRecord | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.partnerStatement(partnerId, period), ConsistentRead: true }));
    return out.Item && out.Item.entityType === PARTNER_STATEMENT_ENTITY ? toRecord(out.Item) : undefined;
  }

  /** Every issued statement of a period, in partner order (the period's export). */
  async listPeriodStatements(period: string): Promise<StatementRecord[]> {
    const { gsi2pk } = keys.partnerStatementByPeriod(period, '');
    const items = await queryAll<Record<string, unknown>>(this.client, this.tableName, {
      IndexName: INDEXES.byCollection.name,
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': gsi2pk },
    });
    return items.filter((i) => i.entityType === PARTNER_STATEMENT_ENTITY).map(toRecord);
  }

  async commitStatement(change: StatementChange): Promise<void> {
    const condition =
      change.kind === 'ISSUE'
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': change.from.version },
          };
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: statementItem(change.next), ...condition }));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new ConflictError('the statement was changed by another request; retry', 'concurrent_update', { cause: error });
      }
      throw error;
    }
  }
}
