/** startLocalStack() in process, as the billing CLI and tests reuse it. */
import { describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStackEnvironment } from '../../scripts/lib/local-stack';

describe('startLocalStack', () => {
  it('configures the Lambda environment, runs attachments before serving, and stops them with the rest', async () => {
    let seen: (LocalStackEnvironment & { tableFromEnv?: string }) | undefined;
    let detached = false;
    const stack = await startLocalStack({
      port: 0,
      tableName: 'lib-test-table',
      buckets: { exports: 'lib-exports' },
      attach: [async (environment) => {
        seen = { ...environment, tableFromEnv: process.env.TABLE_NAME };
        return async () => { detached = true; };
      }],
    });
    try {
      expect(stack.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(stack.buckets).toEqual({ exports: 'lib-exports', usage: 'usage', auditArchive: 'audit-archive' });
      expect(process.env).toMatchObject({
        TABLE_NAME: 'lib-test-table',
        DYNAMODB_ENDPOINT: stack.endpoints.dynamodb,
        S3_ENDPOINT: stack.endpoints.s3,
        EXPORTS_BUCKET: 'lib-exports',
        USAGE_BUCKET: 'usage',
        AUDIT_ARCHIVE_BUCKET: 'audit-archive',
      });
      expect(seen).toMatchObject({ tableName: 'lib-test-table', tableFromEnv: 'lib-test-table', endpoints: stack.endpoints });
      const health = await fetch(`${stack.apiUrl}/v1/health`);
      expect(health.status).toBe(200);
    } finally {
      await stack.stop();
    }
    expect(detached).toBe(true);
    expect(() => process.kill(stack.dynamoDbPid!, 0)).toThrow();
    await expect(fetch(`${stack.apiUrl}/v1/health`)).rejects.toThrow();
    // stop() is idempotent.
    await stack.stop();
  });
});
