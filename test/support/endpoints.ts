/**
 * The local engines' endpoints for the test file being run. Each test worker has a DynamoDB
 * Local of its own (global-setup.ts), picked by vitest's VITEST_POOL_ID (1 .. maxWorkers).
 */
import { inject } from 'vitest';

/** The worker's engine: 1 .. the number of engines. */
export function engineNumber(): number {
  const worker = Number(process.env.VITEST_POOL_ID ?? 1);
  return ((worker - 1) % inject('dynamoEndpoints').length) + 1;
}

export function dynamoEndpoint(): string {
  return inject('dynamoEndpoints')[engineNumber() - 1]!;
}
