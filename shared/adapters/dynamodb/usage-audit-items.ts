/**
 * The items of a usage partition as audit:verify compares them with the partition's chain
 * (shared/domain/audit/usage-batch.ts): one paged, strongly consistent Query of the partition
 * `USAGE#<contract>#<period>#<shard>` that the chain `usage#<contract>#<period>#<shard>` audits.
 * Items are read as raw attribute values and turned into images by the same function as the
 * stream's images, so an untouched item digests exactly as its entry recorded it. Every usage
 * partition that was ever written has a chain (every write reaches the stream), so walking the
 * chains reaches every usage item without a Scan; a chain removed with its head shows against the
 * archive (`chain_deleted`) and the daily digests.
 */
import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AuditImage } from '../../domain/audit/entry';
import type { UsageItemsReader } from '../../domain/audit/ports';
import { itemImage } from './audit-stream';
import { PK_PREFIXES } from './table';

const USAGE_CHAIN_PREFIX = 'usage#';

export class DynamoUsageItemsReader implements UsageItemsReader {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly tableName: string,
  ) {}

  itemsOf(aggregate: string): AsyncIterable<{ sk: string; image: AuditImage }> | undefined {
    if (!aggregate.startsWith(USAGE_CHAIN_PREFIX)) return undefined;
    return this.read(`${PK_PREFIXES.usage}${aggregate.slice(USAGE_CHAIN_PREFIX.length)}`);
  }

  private async *read(pk: string): AsyncGenerator<{ sk: string; image: AuditImage }> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pk } },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const item of out.Items ?? []) yield { sk: item.sk?.S ?? '', image: itemImage(item) };
      start = out.LastEvaluatedKey;
    } while (start);
  }
}
