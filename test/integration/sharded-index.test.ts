/**
 * Collections spread over gsi2 shards, read back as one: any page size, either order and a filter
 * that rejects most items page through the merged shards without losing, repeating or
 * misordering an item (fast-check over page sizes and filters, against DynamoDB Local); a
 * cursor is checked like any input.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { INDEXES, shardOf, shardPartitions, COLLECTION_SHARDS } from '../../shared/adapters/dynamodb/table';
import { queryAllShards, queryShardsPage, type ShardedQuery } from '../../shared/adapters/dynamodb/sharded-index';
import { documentClient, freshTable } from '../support/aws';

const client = documentClient();
let tableName: string;
const ITEMS = 240;
/** Sort keys like the invoice index's (`period#status#createdAt#id`), some sharing a prefix. */
const sortKeyOf = (i: number) => `2027-${String((i % 12) + 1).padStart(2, '0')}#${i % 3 === 0 ? 'DRAFT' : 'FINALIZED'}#2027-02-03T00:00:${String(i % 60).padStart(2, '0')}Z#inv_${String(i).padStart(4, '0')}`;

beforeAll(async () => {
  tableName = await freshTable();
  const items = Array.from({ length: ITEMS }, (_, i) => {
    const id = `inv_${String(i).padStart(4, '0')}`;
    return { pk: `DOC#${id}`, sk: 'DOC', gsi2pk: `DOCS#${shardOf(id)}`, gsi2sk: sortKeyOf(i), n: i, mod: i % 50, entityType: 'doc' };
  });
  // A record of another entity in the same partitions, as the real indexes have.
  items.push({ pk: 'OTHER#1', sk: 'OTHER', gsi2pk: 'DOCS#0', gsi2sk: '2027-06#X', n: -1, mod: 0, entityType: 'other' });
  for (let i = 0; i < items.length; i += 25) {
    await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
}, 60_000);

const spec = (query: ShardedQuery['query'], descending: boolean): ShardedQuery => ({
  client,
  tableName,
  index: INDEXES.byCollection,
  partitions: shardPartitions('DOCS'),
  query,
  descending,
});

describe('a collection sharded over gsi2', () => {
  it('spreads ids over every shard', () => {
    expect(new Set(Array.from({ length: ITEMS }, (_, i) => shardOf(`inv_${String(i).padStart(4, '0')}`))).size).toBe(COLLECTION_SHARDS);
  });

  it('pages the merged shards in order, without losing or repeating an item, for any page size, order and filter', { timeout: 120_000 }, async () => {
    await fc.assert(
      // keepBelow: the filter keeps items whose n % 50 is below it (50: all, 1: one in fifty).
      fc.asyncProperty(fc.integer({ min: 1, max: 60 }), fc.boolean(), fc.constantFrom(50, 25, 7, 1), fc.constantFrom('', '2027-0'), async (limit, descending, keepBelow, prefix) => {
        const query = {
          KeyConditionExpression: prefix ? 'gsi2pk = :ipk AND begins_with(gsi2sk, :prefix)' : 'gsi2pk = :ipk',
          FilterExpression: 'entityType = :doc AND #mod < :keep',
          ExpressionAttributeNames: { '#mod': 'mod' },
          ExpressionAttributeValues: { ':doc': 'doc', ':keep': keepBelow, ...(prefix ? { ':prefix': prefix } : {}) },
        };
        const expected = Array.from({ length: ITEMS }, (_, i) => i)
          .filter((i) => i % 50 < keepBelow && sortKeyOf(i).startsWith(prefix))
          .sort((a, b) => (sortKeyOf(a) < sortKeyOf(b) ? -1 : 1));
        if (descending) expected.reverse();

        const seen: number[] = [];
        let cursor: string | undefined;
        for (let calls = 0; calls < 1_000; calls++) {
          const page = await queryShardsPage<{ n: number }>(spec(query, descending), { limit, cursor, maxRounds: 2 });
          expect(page.items.length).toBeLessThanOrEqual(limit);
          seen.push(...page.items.map((i) => i.n));
          if (!page.nextCursor) break;
          cursor = page.nextCursor;
        }
        expect(seen).toEqual(expected);
        const whole = await queryAllShards<{ n: number }>(spec(query, descending));
        expect(whole.map((i) => i.n)).toEqual(expected);
      }),
      { numRuns: 12 },
    );
  });

  it("refuses a cursor that is not one of this collection's", async () => {
    const query = { KeyConditionExpression: 'gsi2pk = :ipk' };
    const first = await queryShardsPage(spec(query, false), { limit: 5 });
    const tampered = JSON.parse(Buffer.from(first.nextCursor!, 'base64url').toString());
    tampered.shards[0] = { pk: 'DOC#x', sk: 'DOC', gsi2pk: 'DOCS#1', gsi2sk: 'a' };
    for (const cursor of ['%%%', Buffer.from('{"shards":[]}').toString('base64url'), Buffer.from(JSON.stringify(tampered)).toString('base64url')]) {
      await expect(queryShardsPage(spec(query, false), { limit: 5, cursor })).rejects.toMatchObject({ code: 'invalid_cursor' });
    }
  });
});
