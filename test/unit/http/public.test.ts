import { describe, expect, it } from 'vitest';
import { handler } from '../../../functions/public/handler';
import { ROUTES, routeKey } from '../../../shared/schemas/api/routes';
import { ALL_OPERATIONS } from '../../../shared/schemas/api/index';
import type { Operation } from '../../../shared/schemas/api/operation';

const event = (key: string, extra: Record<string, unknown> = {}) =>
  ({
    version: '2.0',
    routeKey: key,
    rawPath: key.split(' ')[1],
    headers: {},
    requestContext: { requestId: 'req-1', http: { method: key.split(' ')[0] } },
    isBase64Encoded: false,
    ...extra,
  }) as never;

describe('public group', () => {
  it('answers health without a token', async () => {
    const res = await handler(event('GET /v1/health'), {} as never);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!)).toEqual({ status: 'ok' });
    expect(res.headers['x-request-id']).toBe('req-1');
  });

  it('documents every route of the route table in OpenAPI 3.1', async () => {
    const res = await handler(event('GET /v1/openapi.json'), {} as never);
    type Op = { security?: unknown[]; requestBody?: unknown; parameters?: { in: string; name: string }[]; responses: Record<string, unknown> };
    const doc = JSON.parse(res.body!) as { openapi: string; paths: Record<string, Record<string, Op>> };
    const operations = ALL_OPERATIONS as Record<string, Operation>;
    expect(doc.openapi).toBe('3.1.0');
    for (const r of ROUTES) {
      const op = doc.paths[r.path.replace(/\{(\w+)\}/g, '{$1}')]?.[r.method.toLowerCase()];
      expect(op, routeKey(r)).toBeDefined();
      expect(op!.security, routeKey(r)).toEqual(r.roles === null ? [] : [{ bearerAuth: [] }]);
      // Declared by its group (not the minimal fallback), with its request and response schemas.
      const declared = operations[routeKey(r)];
      expect(declared, `${routeKey(r)} has no operation`).toBeDefined();
      expect(Boolean(op!.requestBody), routeKey(r)).toBe(Boolean(declared!.body));
      for (const name of r.path.match(/\{(\w+)\}/g)?.map((p) => p.slice(1, -1)) ?? []) {
        expect(op!.parameters?.some((p) => p.in === 'path' && p.name === name), `${routeKey(r)} path ${name}`).toBe(true);
      }
      for (const status of Object.keys(declared!.responses)) expect(op!.responses[status], `${routeKey(r)} ${status}`).toBeDefined();
      if (r.roles !== null) expect(op!.responses['401']).toBeDefined();
    }
  });

  it('answers 404 for a route key it does not serve, and survives junk events', async () => {
    const res = await handler(event('GET /v1/nope'), {} as never);
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body!).error.code).toBe('route_not_found');
    for (const junk of [{}, { routeKey: 5 }, { routeKey: 'GET /v1/health', headers: null, requestContext: null }]) {
      const r = await handler(junk as never, {} as never);
      expect(r.statusCode).toBeGreaterThanOrEqual(100);
      expect(r.statusCode).toBeLessThan(600);
    }
  });
});
