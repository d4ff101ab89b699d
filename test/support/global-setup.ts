/**
 * Starts the real local engines once for the whole suite: one DynamoDB Local per test worker
 * and one s3rver. Test files get their endpoints from test/support/endpoints.ts and create their
 * own uniquely named tables and buckets (test/support/aws.ts), so files can run in parallel
 * without sharing data. A DynamoDB Local per worker, because one engine serializes the writes of
 * both files running at once: a file's heavy writes (a scale run, a stream being drained) slowed
 * the other file's by an order of magnitude when they shared it.
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../scripts/lib/dynamodb-local';
import { startS3Local } from '../../scripts/lib/s3-local';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One per test worker (VITEST_POOL_ID 1, 2, ...). */
    dynamoEndpoints: string[];
    s3Endpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const workers = Math.max(1, Number(project.config.maxWorkers) || 1);
  const s3 = startS3Local();
  // One after the other: each takes a free port, which two at once could both be given.
  const dynamos: DynamoDbLocal[] = [];
  for (let i = 0; i < workers; i++) dynamos.push(await startDynamoDbLocal());
  project.provide('dynamoEndpoints', dynamos.map((d) => d.endpoint));
  project.provide('s3Endpoint', (await s3).endpoint);
  return async () => {
    await Promise.all([...dynamos.map((d) => d.stop()), (await s3).stop()]);
  };
}
