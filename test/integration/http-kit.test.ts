/**
 * The HTTP kit at handler level, with real API Gateway v2 events against DynamoDB Local:
 * middleware order, claim spellings, the 1 MiB guard, base64 bodies, request ids, and a fuzz
 * run: whatever the event, the answer is a status below 500 with the one error body.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { LOCAL_AWS } from '../../scripts/lib/dynamodb-local';
import { ROUTES, routeKey } from '../../shared/schemas/api/routes';
import { freshTable } from '../support/aws';
import { dynamoEndpoint } from '../support/endpoints';

type Handler = (event: APIGatewayProxyEventV2, context: unknown) => Promise<APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string> }>;
let contracts: Handler;
let directory: Handler;

function event(key: string, options: { path?: Record<string, string>; query?: Record<string, string>; body?: string; base64?: boolean; claims?: Record<string, unknown>; headers?: Record<string, string> } = {}): APIGatewayProxyEventV2 {
  const [method, template] = key.split(' ') as [string, string];
  const rawPath = template.replace(/\{(\w+)\}/g, (_, name: string) => options.path?.[name] ?? 'x');
  return {
    version: '2.0',
    routeKey: key,
    rawPath,
    rawQueryString: '',
    headers: options.headers ?? {},
    queryStringParameters: options.query,
    pathParameters: options.path,
    body: options.body,
    isBase64Encoded: options.base64 ?? false,
    requestContext: {
      requestId: 'gw-req-1',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      ...(options.claims ? { authorizer: { jwt: { claims: options.claims, scopes: [] } } } : {}),
    },
  } as unknown as APIGatewayProxyEventV2;
}

beforeAll(async () => {
  Object.assign(process.env, { TABLE_NAME: await freshTable(), DYNAMODB_ENDPOINT: dynamoEndpoint(), AWS_REGION: LOCAL_AWS.region, POWERTOOLS_LOG_LEVEL: 'SILENT' });
  contracts = (await import('../../functions/contracts/handler')).handler as unknown as Handler;
  directory = (await import('../../functions/directory/handler')).handler as unknown as Handler;
});

const ops = { sub: 'olga', roles: '[ops approver]' };

describe('HTTP kit', () => {
  it('accepts API Gateway claim spellings and echoes request and correlation ids', async () => {
    for (const roles of ['[ops]', '["ops"]', 'ops', 'ops,finance', ['ops']]) {
      const res = await directory(event('POST /v1/advertisers', { claims: { sub: 'olga', roles }, body: JSON.stringify({ name: 'A', currency: 'USD', timezone: 'UTC' }), headers: { 'X-Correlation-Id': 'corr-9' } }), {});
      expect(res.statusCode, JSON.stringify(roles)).toBe(201);
      expect(res.headers['x-request-id']).toBe('gw-req-1');
      expect(res.headers['x-correlation-id']).toBe('corr-9');
      expect(res.headers.etag).toBe('"1"');
    }
  });

  it('guards the body size itself (413) and reads base64 bodies', async () => {
    const big = await directory(event('POST /v1/advertisers', { claims: ops, body: JSON.stringify({ name: 'x'.repeat(1024 * 1024) }) }), {});
    expect(big.statusCode).toBe(413);
    expect(JSON.parse(big.body!).error.code).toBe('payload_too_large');
    const encoded = Buffer.from(JSON.stringify({ name: 'B', currency: 'EUR', timezone: 'Europe/Paris' })).toString('base64');
    const res = await directory(event('POST /v1/advertisers', { claims: ops, body: encoded, base64: true }), {});
    expect(res.statusCode).toBe(201);
    expect(JSON.parse(res.body!)).toMatchObject({ name: 'B', currency: 'EUR' });
  });

  it('authenticates before validating: a bad body from nobody is 401, from the wrong role 403', async () => {
    expect((await directory(event('POST /v1/advertisers', { body: '{' }), {})).statusCode).toBe(401);
    expect((await directory(event('POST /v1/advertisers', { claims: { sub: 'f', roles: 'finance' }, body: '{' }), {})).statusCode).toBe(403);
    expect((await directory(event('POST /v1/advertisers', { claims: ops, body: '{' }), {})).statusCode).toBe(400);
  });

  it('unknown currency and zone are 400 with paths', async () => {
    const res = await directory(event('POST /v1/advertisers', { claims: ops, body: JSON.stringify({ name: 'A', currency: 'XXX', timezone: 'Mars/Olympus' }) }), {});
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body!).error.details.map((d: { path: string }) => d.path)).toEqual(['currency', 'timezone']);
  });

  it('fuzz: any event gets a status from 100 to 499 and the error body shape', async () => {
    const keys = ROUTES.filter((r) => r.group === 'contracts' || r.group === 'directory').map(routeKey);
    const json = fc.jsonValue().map((v) => JSON.stringify(v));
    const claims = fc.option(
      fc.record({
        sub: fc.oneof(fc.constant('olga'), fc.string()),
        roles: fc.oneof(fc.constantFrom('[ops]', '[advertiser]', 'finance admin', '[]'), fc.array(fc.string()), fc.anything()),
        advertiserId: fc.option(fc.string(), { nil: undefined }),
      }, { requiredKeys: ['sub'] }),
      { nil: undefined },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(...keys), fc.string()),
        claims,
        fc.option(fc.oneof(json, fc.string()), { nil: undefined }),
        fc.dictionary(fc.constantFrom('id', 'n'), fc.string()),
        fc.dictionary(fc.constantFrom('limit', 'cursor', 'status', 'advertiserId'), fc.string()),
        fc.dictionary(fc.constantFrom('if-match', 'idempotency-key', 'x-correlation-id'), fc.string()),
        async (key, c, body, path, query, headers) => {
          const handler = key.includes('advertiser') || key.includes('partner') ? directory : contracts;
          const res = await handler(event(key.includes(' ') ? key : `GET ${key}`, { claims: c as Record<string, unknown> | undefined, body, path, query, headers }), {});
          expect(res.statusCode).toBeGreaterThanOrEqual(100);
          expect(res.statusCode).toBeLessThan(500);
          if (res.statusCode >= 400) {
            const parsed = JSON.parse(res.body!);
            expect(parsed.error).toEqual({ code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String), details: expect.any(Array) });
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
