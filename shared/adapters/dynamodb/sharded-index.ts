/**
 * Reading collections spread over several partitions of a GSI (`INVOICES#0` … `INVOICES#7`,
 * see COLLECTION_SHARDS in table.ts): every shard is queried in parallel and the shards are
 * merged by sort key, so callers see one ordered collection.
 *
 * Paging a merge: each shard keeps its own position, and an item is handed out only when no
 * shard could still hold an item before it (it is not past any unfinished shard's last key
 * read). The cursor is every shard's position, validated like any input.
 */
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../domain/kernel/errors';
import { queryAll } from './query-all';

export { COLLECTION_SHARDS, shardOf, shardPartitions } from './table';

type Key = Record<string, string>;
/** A shard's position: where its next page starts (null: its beginning), or done. */
type Position = Key | null | 'done';

export interface ShardedQuery {
  client: DynamoDBDocumentClient;
  tableName: string;
  index: { name: string; partitionKey: string; sortKey: string };
  /** The shards' partition values (shardPartitions). */
  partitions: string[];
  /** The Query without its table, index, partition value, limit or start key; `:ipk` names the partition. */
  query: Omit<QueryCommandInput, 'TableName' | 'IndexName' | 'Limit' | 'ExclusiveStartKey'>;
  descending?: boolean;
}

const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk']);
const MAX_CURSOR_CHARS = 8192;

function invalidCursor(): ValidationError {
  return new ValidationError('the cursor is not valid for this list', [{ path: 'cursor', message: 'unrecognised cursor' }], 'invalid_cursor');
}

export function encodeShardCursor(positions: Position[]): string | null {
  if (positions.every((p) => p === 'done')) return null;
  return Buffer.from(JSON.stringify({ shards: positions }), 'utf8').toString('base64url');
}

/** Every shard's position; each key must be one of that shard's own (a cursor from another list is a 400). */
export function decodeShardCursor(cursor: string | undefined, spec: Pick<ShardedQuery, 'index' | 'partitions'>): Position[] {
  if (cursor === undefined || cursor === '') return spec.partitions.map(() => null);
  if (cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const shards = (parsed as { shards?: unknown } | null)?.shards;
  if (!Array.isArray(shards) || shards.length !== spec.partitions.length) throw invalidCursor();
  return shards.map((position, i) => {
    if (position === null || position === 'done') return position;
    if (typeof position !== 'object' || Array.isArray(position)) throw invalidCursor();
    const entries = Object.entries(position as Record<string, unknown>);
    if (entries.length === 0 || entries.length > 6) throw invalidCursor();
    for (const [name, value] of entries) {
      if (!KEY_ATTRIBUTES.has(name) || typeof value !== 'string' || value.length === 0 || value.length > 1024) throw invalidCursor();
    }
    const key = position as Key;
    if (key[spec.index.partitionKey] !== spec.partitions[i] || !('pk' in key) || !('sk' in key) || !(spec.index.sortKey in key)) throw invalidCursor();
    return key;
  });
}

function keyOf(item: Record<string, unknown>, index: ShardedQuery['index']): Key {
  const key: Key = { pk: item.pk as string, sk: item.sk as string };
  key[index.partitionKey] = item[index.partitionKey] as string;
  key[index.sortKey] = item[index.sortKey] as string;
  return key;
}

/**
 * One merged page of at most `limit` items, and the cursor after it. Reads at most `maxRounds`
 * rounds of one page per unfinished shard, so a filter that rejects most items cannot make one
 * call read the whole index; a short page then comes with a cursor to go on.
 */
export async function queryShardsPage<T extends Record<string, unknown>>(
  spec: ShardedQuery,
  options: { limit: number; cursor?: string; maxRounds?: number },
): Promise<{ items: T[]; nextCursor: string | null }> {
  const { index, descending = false } = spec;
  const positions = decodeShardCursor(options.cursor, spec);
  const before = (a: string, b: string) => (descending ? a > b : a < b);
  const items: T[] = [];
  for (let round = 0; round < (options.maxRounds ?? 4) && items.length < options.limit; round++) {
    const open = positions.map((p, i) => (p === 'done' ? -1 : i)).filter((i) => i >= 0);
    if (open.length === 0) break;
    const wanted = options.limit - items.length;
    const pages = await Promise.all(
      open.map(async (i) => {
        const position = positions[i] as Key | null;
        const out = await spec.client.send(
          new QueryCommand({
            TableName: spec.tableName,
            IndexName: index.name,
            ...spec.query,
            ExpressionAttributeValues: { ...spec.query.ExpressionAttributeValues, ':ipk': spec.partitions[i] },
            ScanIndexForward: !descending,
            Limit: wanted,
            ...(position ? { ExclusiveStartKey: position } : {}),
          }),
        );
        return { shard: i, items: (out.Items ?? []) as T[], last: out.LastEvaluatedKey as Key | undefined };
      }),
    );
    // No item past an unfinished shard's last key read may go out: that shard may hold earlier ones.
    let frontier: string | undefined;
    for (const page of pages) {
      if (!page.last) continue;
      const sortKey = page.last[index.sortKey]!;
      if (frontier === undefined || before(sortKey, frontier)) frontier = sortKey;
    }
    const candidates = pages
      .flatMap((page) => page.items.map((item) => ({ shard: page.shard, item, sortKey: item[index.sortKey] as string })))
      .filter((c) => frontier === undefined || !before(frontier, c.sortKey))
      .sort((a, b) => (a.sortKey === b.sortKey ? 0 : before(a.sortKey, b.sortKey) ? -1 : 1))
      .slice(0, wanted);
    const lastTaken = new Map<number, Key>();
    for (const c of candidates) {
      items.push(c.item);
      lastTaken.set(c.shard, keyOf(c.item, index));
    }
    for (const page of pages) {
      const taken = lastTaken.get(page.shard);
      const takenAll = page.items.length === 0 || (taken !== undefined && taken[index.sortKey] === page.items.at(-1)![index.sortKey]);
      if (takenAll) positions[page.shard] = page.last ?? 'done';
      else if (taken) positions[page.shard] = taken;
      // else: nothing of this shard went out; it starts where it did.
    }
  }
  return { items, nextCursor: encodeShardCursor(positions) };
}

/** Every item of every shard (a collection needed whole), shards read in parallel, merged by sort key. */
export async function queryAllShards<T extends Record<string, unknown>>(spec: ShardedQuery): Promise<T[]> {
  const { index, descending = false } = spec;
  const shards = await Promise.all(
    spec.partitions.map((partition) =>
      queryAll<T>(spec.client, spec.tableName, {
        IndexName: index.name,
        ...spec.query,
        ExpressionAttributeValues: { ...spec.query.ExpressionAttributeValues, ':ipk': partition },
        ScanIndexForward: !descending,
      }),
    ),
  );
  const sortKey = (item: T) => item[index.sortKey] as string;
  return shards.flat().sort((a, b) => (sortKey(a) === sortKey(b) ? 0 : (sortKey(a) < sortKey(b)) !== descending ? -1 : 1));
}
