/**
 * The local engines' endpoints for the test file being run. Each test worker has a DynamoDB
 * Local of its own (global-setup.ts), picked by vitest's VITEST_POOL_ID (1 .. maxWorkers).
 */
import { inject } from 'vitest';

export function dynamoEndpoint(): string {
  const endpoints = inject('dynamoEndpoints');
  const worker = Number(process.env.VITEST_POOL_ID ?? 1);
  return endpoints[(worker - 1) % endpoints.length]!;
}
