/** Per-test-file resources on the suite's local engines: a fresh table, a fresh bucket, clients. */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { createTable } from '../../shared/adapters/dynamodb/create-table';
import { LOCAL_AWS } from '../../scripts/lib/dynamodb-local';
import { LOCAL_S3_CREDENTIALS } from '../../scripts/lib/s3-local';
import { tablesMade } from './tables-made';
import { dynamoEndpoint } from './endpoints';

export function dynamoClient(): DynamoDBClient {
  return new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamoEndpoint() });
}

export function documentClient(client = dynamoClient()): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** Creates a new, empty table with the project's key schema and returns its name. */
export async function freshTable(client = dynamoClient()): Promise<string> {
  const name = `test-${randomUUID()}`;
  tablesMade.add(name);
  await createTable(client, name);
  return name;
}

export function s3Client(): S3Client {
  return new S3Client({ region: LOCAL_AWS.region, credentials: LOCAL_S3_CREDENTIALS, endpoint: inject('s3Endpoint'), forcePathStyle: true });
}

export async function freshBucket(client = s3Client()): Promise<string> {
  const name = `test-${randomUUID().slice(0, 18)}`;
  await client.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}
