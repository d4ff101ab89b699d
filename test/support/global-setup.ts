/**
 * Starts the real local engines once for the whole suite: DynamoDB Local and s3rver.
 * Test files get their endpoints with `inject(...)` and create their own uniquely named
 * tables and buckets (test/support/aws.ts), so files can run in parallel without sharing data.
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../scripts/lib/dynamodb-local';
import { startS3Local } from '../../scripts/lib/s3-local';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    s3Endpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const [dynamo, s3] = await Promise.all([startDynamoDbLocal(), startS3Local()]);
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('s3Endpoint', s3.endpoint);
  return async () => {
    await Promise.all([dynamo.stop(), s3.stop()]);
  };
}
