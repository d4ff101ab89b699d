/**
 * Every page of one query, read in order. Pages are bounded so that no single response grows
 * with the collection; callers use it for collections they need whole (a run's invoices, a
 * contract's prior runs, a partner's statement).
 */
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

export const QUERY_PAGE_LIMIT = 500;

export async function queryAll<T>(client: DynamoDBDocumentClient, tableName: string, input: Omit<QueryCommandInput, 'TableName'>): Promise<T[]> {
  const items: T[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await client.send(new QueryCommand({ TableName: tableName, Limit: QUERY_PAGE_LIMIT, ...input, ExclusiveStartKey: startKey }));
    items.push(...((out.Items ?? []) as T[]));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items;
}
