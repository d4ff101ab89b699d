/**
 * Idempotency responses too big for their DynamoDB record are kept in S3 under their sha256
 * and replayed from there (DynamoDB Local + s3rver); a changed object is refused, not replayed.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyStore, RESPONSE_INLINE_MAX_BYTES } from '../../shared/adapters/dynamodb/idempotency-store';
import { keys } from '../../shared/adapters/dynamodb/table';
import { S3ResponseOverflow } from '../../shared/adapters/s3/response-overflow';
import { documentClient, freshBucket, freshTable, s3Client } from '../support/aws';

const client = documentClient();
const s3 = s3Client();
let tableName: string;
let bucket: string;
let store: IdempotencyStore;
const now = new Date('2027-02-01T00:00:00.000Z');

beforeAll(async () => {
  [tableName, bucket] = await Promise.all([freshTable(), freshBucket(s3)]);
  store = new IdempotencyStore(client, tableName, { overflow: new S3ResponseOverflow(s3, bucket) });
});

const response = (bytes: number) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ lines: 'x'.repeat(bytes) }) });
const record = async (key: string) => (await client.send(new GetCommand({ TableName: tableName, Key: keys.idempotency('scope', key) }))).Item!;

describe('idempotency responses over the item limit', () => {
  it('keeps a small response in the record', async () => {
    expect(await store.begin('scope', 'small', 'h1', now)).toEqual({ kind: 'started' });
    await store.complete('scope', 'small', response(1000));
    expect((await record('small')).response).toEqual(JSON.stringify(response(1000)));
    expect(await store.begin('scope', 'small', 'h1', now)).toEqual({ kind: 'replay', response: response(1000) });
  });

  it('moves a response of more than 400 KB to S3 and replays it, and refuses to replay a changed object', async () => {
    const big = response(450 * 1024);
    expect(JSON.stringify(big).length).toBeGreaterThan(RESPONSE_INLINE_MAX_BYTES);
    expect(await store.begin('scope', 'big', 'h2', now)).toEqual({ kind: 'started' });
    await store.complete('scope', 'big', big);
    const item = await record('big');
    expect(item.response).toBeUndefined();
    expect(item.responseRef).toEqual({ key: expect.stringMatching(/^idempotency\/sha256\/[0-9a-f]{64}\.json$/), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await store.begin('scope', 'big', 'h2', now)).toEqual({ kind: 'replay', response: big });
    expect(await store.begin('scope', 'big', 'other-body', now)).toEqual({ kind: 'mismatch' });

    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: item.responseRef.key, Body: JSON.stringify(response(10)) }));
    await expect(store.begin('scope', 'big', 'h2', now)).rejects.toThrow(/does not match its sha256/);
  });
});
