/**
 * The test support's audit wiring end to end: a write to the table reaches the real audit
 * Lambda through the stream poller, and `drain()` makes its entries readable right after.
 */
import { PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../support/aws';
import { startTestApi, startTestAuditPoller, type TestApi } from '../support/api';

describe('startTestAuditPoller', () => {
  let api: TestApi;
  let poller: Awaited<ReturnType<typeof startTestAuditPoller>>;
  const docs = documentClient();

  beforeAll(async () => {
    api = await startTestApi();
    poller = await startTestAuditPoller();
  });
  afterAll(async () => {
    await poller?.stop();
    await api?.stop();
  });

  it('turns table changes into audit entries that are there once drain() resolves', async () => {
    const key = { pk: 'CONTRACT#c-audit-1', sk: 'CONTRACT' };
    await docs.send(new PutCommand({ TableName: api.tableName, Item: { ...key, status: 'DRAFT', version: 1, actor: 'alice' } }));
    await docs.send(new UpdateCommand({
      TableName: api.tableName, Key: key,
      UpdateExpression: 'SET #s = :s, version = :v, actor = :a',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': 'PENDING_APPROVAL', ':v': 2, ':a': 'bob' },
    }));
    await poller.drain();

    const { Items = [] } = await docs.send(new ScanCommand({ TableName: api.tableName, ConsistentRead: true }));
    const entries = Items.filter((i) => String(i.pk).startsWith('AUDIT#') && String(i.sk).startsWith('SEQ#'));
    expect(entries.length).toBe(2);
    expect(new Set(entries.map((e) => e.pk)).size).toBe(1);
    expect(poller.failures).toEqual([]);
  });
});
