/**
 * The deployed `handler` export, configured from the environment exactly as in AWS, fed by the
 * stream poller. Its log lines carry identifiers, never the amounts held in item images.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inject } from 'vitest';
import { startStreamPoller, type StreamHandler } from '../../scripts/lib/stream-poller';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { archiveEntryKey } from '../../shared/adapters/s3/audit-archive';
import { documentClient, freshBucket, freshTable, s3Client } from '../support/aws';
import { dynamoEndpoint } from '../support/endpoints';

const client = documentClient();
const s3 = s3Client();
let tableName: string;
let bucket: string;
let handler: StreamHandler;

beforeAll(async () => {
  [tableName, bucket] = await Promise.all([freshTable(), freshBucket(s3)]);
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    AUDIT_ARCHIVE_BUCKET: bucket,
    DYNAMODB_ENDPOINT: dynamoEndpoint(),
    S3_ENDPOINT: inject('s3Endpoint'),
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  // Imported only now: the module reads its configuration on first use.
  ({ handler } = await import('../../functions/audit/handler'));
});

afterAll(() => {
  vi.restoreAllMocks();
});

describe('audit handler as deployed', () => {
  it('chains and archives a change, logging identifiers only', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });

    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: 'INVOICE#w1', sk: 'INVOICE', entityType: 'invoice', aggregate: 'invoice#w1', actor: 'fin-9', status: 'FINALIZED', total: '98765.43', version: 1, updatedAt: '2027-04-01T00:00:00.000Z' },
      }),
    );
    const poller = await startStreamPoller({ tableName, endpoint: dynamoEndpoint(), handler, intervalMs: 50 });
    try {
      await poller.drain();
    } finally {
      await poller.stop();
    }
    vi.mocked(process.stdout.write).mockRestore();

    const { entries } = await new DynamoAuditRepository(client, tableName).readChain('invoice#w1');
    expect(entries.map((e) => [e.seq, e.action, e.actor])).toEqual([[1, 'invoice.finalized', 'fin-9']]);
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: archiveEntryKey('invoice#w1', 1) }));
    expect(JSON.parse(await object.Body!.transformToString())).toMatchObject({ hash: entries[0]!.hash });

    const logged = lines.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const recorded = logged.find((l) => l.message === 'audit entry recorded');
    // The container's one logger; the stream record's event id is the line's correlation id.
    expect(recorded).toMatchObject({ level: 'INFO', service: 'ctv-billing-local', aggregate: 'invoice#w1', seq: 1, action: 'invoice.finalized', outcome: 'appended' });
    expect(recorded!.correlationId).toBe(recorded!.eventId);
    expect(lines.join('')).not.toContain('98765.43');
  });
});
