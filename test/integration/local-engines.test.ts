import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { INDEXES } from '../../shared/adapters/dynamodb/table';
import { dynamoClient, freshBucket, freshTable, s3Client } from '../support/aws';

describe('local engines', () => {
  it('creates the table with its indexes and a NEW_AND_OLD_IMAGES stream on DynamoDB Local', async () => {
    const client = dynamoClient();
    const name = await freshTable(client);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(Object.values(INDEXES).map((i) => i.name).sort());
  });

  it('stores and reads an object through the real S3 client against s3rver', async () => {
    const s3 = s3Client();
    const bucket = await freshBucket(s3);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'exports/2027-01/a.csv', Body: 'a,b\n1,2\n' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'exports/2027-01/a.csv' }));
    expect(await got.Body?.transformToString()).toBe('a,b\n1,2\n');
  });
});
