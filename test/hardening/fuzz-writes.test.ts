/**
 * Fuzz of the POST and PUT routes of ROUTES with bodies their schema rejects (every other one;
 * the rest in fuzz-writes-b; schema-valid bodies are in fuzz-valid-writes*):
 * 2,000 generated requests per route through the group's Lambda in-process (the handler the HTTP path calls, with the same API Gateway v2
 * event) and 200 through the local HTTP server. Every body is one the route's schema rejects
 * (arbitrary JSON, wrong types in the schema's places, huge strings, 1,000-level nesting,
 * integers past 2^53, unicode, `__proto__` / `constructor` keys), with hostile query strings,
 * path parameters and headers: no 5xx, every error in the one error shape, and the table is
 * exactly as it was. Bodies over 1 MiB and usage batches of 1,001 records answer 413.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../shared/schemas/api/routes';
import type { TestApi } from '../support/api';
import { fuzzSuite } from './fuzz-runner';
import type { World } from './seed';
import { concretePath, expectErrorBody, invoke, quietHandlerLogs, requestRetrying, routeByKey, tableSnapshot } from './support';

quietHandlerLogs();

const WRITE_ROUTES = ROUTES.filter((r) => r.method !== 'GET');
// The other half of the write routes is in fuzz-writes-b.test.ts (each file within its time budget).
const suite = fuzzSuite('fuzz: write routes never 5xx and store nothing they reject', WRITE_ROUTES.filter((_, i) => i % 2 === 0), 1_000);
let api: TestApi;
let world: World;
let before: string[];
beforeAll(() => {
  api = suite.api();
  world = suite.seeds().world;
  before = suite.before();
});

describe('413: oversize bodies and usage batches', () => {
  const huge = JSON.stringify({ name: 'x'.repeat(1024 * 1024) });

  it('every POST and PUT route answers 413 to a body over 1 MiB, in-process and over HTTP', async () => {
    for (const route of WRITE_ROUTES) {
      const params = { id: world.acme.contractId, n: '1', creditId: 'crd_none', period: '2027-01' };
      const role = route.roles?.[0] ?? 'ops';
      const direct = await invoke({ route, pathParameters: params, body: huge, headers: { 'content-type': 'application/json' }, claims: world.claims[role] });
      expect(direct.status, `${route.method} ${route.path}`).toBe(413);
      expectErrorBody(direct, route.path);
      expect(direct.json.error.code).toBe('payload_too_large');
      const overHttp = await requestRetrying(api, route.method, concretePath(route.path, params), { token: world.tokens[role], body: huge, headers: { 'content-type': 'application/json' } });
      expect(overHttp.status, `${route.method} ${route.path}`).toBe(413);
      expectErrorBody(overHttp, route.path);
    }
    // A base64-encoded body (binary content type) is measured decoded, as API Gateway would hand it over.
    const binary = await invoke({ route: routeByKey('POST /v1/partners'), body: Buffer.alloc(1024 * 1024 + 1, 0x20), headers: { 'content-type': 'application/octet-stream' }, claims: world.claims.ops });
    expect(binary.status).toBe(413);
  });

  it('a usage batch of 1,001 records answers 413 before any record is judged; 1,000 does not', async () => {
    const record = { date: '2027-01-05', chargeId: 'ctv', count: 1, source: 'FIRST_PARTY' };
    for (const key of ['POST /v1/usage/impressions', 'POST /v1/usage/conversions']) {
      const route = routeByKey(key);
      const over = { contractId: world.acme.contractId, records: Array.from({ length: 1_001 }, () => ({ ...record, nonsense: true })) };
      const direct = await invoke({ route, body: JSON.stringify(over), headers: { 'content-type': 'application/json' }, claims: world.claims.ops });
      expect(direct.status, key).toBe(413);
      expectErrorBody(direct);
      const overHttp = await requestRetrying(api, 'POST', route.path, { token: world.tokens.ops, body: over });
      expect(overHttp.status, key).toBe(413);
      const atLimit = { ...over, records: over.records.slice(0, 1_000) };
      const notTooLarge = await api.request('POST', route.path, { token: world.tokens.ops, body: atLimit });
      expect(notTooLarge.status, key).toBe(400);
    }
    expect(await tableSnapshot(api.tableName)).toEqual(before);
  });

  it('bodies nested far beyond the stack (50,000 levels) answer 400 on every POST and PUT route, with an Idempotency-Key too', async () => {
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    const bodies = (route: (typeof WRITE_ROUTES)[number]) => [
      deep,
      `{"records":${deep}}`,
      // Places the schemas leave open (usage records are judged one by one, quote expectations are ignored).
      `{"contractId":"${world.acme.contractId}","records":[${deep}]}`,
      `{"contract":{},"usage":{},"runs":[{"period":"2027-01","asOf":"2027-02-01T00:00:00Z","expect":${deep}}]}`,
      route.path === '/v1/quotes' ? `{"runs":[{"expect":${deep}}]}` : `{"terms":${deep}}`,
    ];
    for (const route of WRITE_ROUTES) {
      for (const body of bodies(route)) {
        for (const headers of [{}, { 'idempotency-key': `deep-${Math.random()}` }] as Record<string, string>[]) {
          const res = await invoke({ route, pathParameters: { id: world.acme.contractId, n: '1', period: '2027-01' }, body, headers: { 'content-type': 'application/json', ...headers }, claims: world.claims[route.roles?.[0] ?? 'ops'] });
          expect(res.status, `${route.method} ${route.path} ${body.slice(0, 40)} ${JSON.stringify(headers)}: ${res.text.slice(0, 200)}`).toBe(400);
          expectErrorBody(res);
        }
      }
    }
    const overHttp = await requestRetrying(api, 'POST', '/v1/usage/impressions', { token: world.tokens.ops, body: bodies(WRITE_ROUTES[0]!)[2], headers: { 'content-type': 'application/json', 'idempotency-key': 'deep-http' } });
    expect(overHttp.status).toBe(400);
    expect(overHttp.json.error.code).toBe('invalid_json');
    expect(await tableSnapshot(api.tableName)).toEqual(before);
  });
});
