/**
 * Access attacks through the local HTTP server with real development tokens: the role × route
 * matrix of ROUTES, one advertiser reaching for another's resources on every route that takes
 * an id, forged and broken tokens, and mass assignment of server-owned fields.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_ROLES, ROUTES, routeKey, type RouteDef } from '../../shared/schemas/api/routes';
import { DEV_SIGNING_KEY, DEV_TOKEN_AUDIENCE, DEV_TOKEN_ISSUER } from '../../scripts/lib/dev-auth';
import { startTestApi, type TestApi } from '../support/api';
import { documentClient } from '../support/aws';
import { InvoicesOnTable } from '../support/invoices';
import { systemClock } from '../../shared/domain/kernel/clock';
import { january } from '../unit/invoices/fixtures';
import { contractBody, cpmTerms, seedWorld, type World } from './seed';
import { concretePath, expectErrorBody, invoke, quietHandlerLogs, tableSnapshot } from './support';

quietHandlerLogs();

let api: TestApi;
let world: World;

beforeAll(async () => {
  api = await startTestApi();
  world = await seedWorld(api);
});
afterAll(() => api?.stop());

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Ids that exist nowhere, so allowed calls cannot change anything the other tests look at. */
const ghostParams = { id: 'ghost-1', n: '1', creditId: 'ghost-credit', period: '2027-01' };

describe('role × route matrix', () => {
  it('each role on each route: 403 where the route table does not allow it, never 401/403 where it does', async () => {
    const mismatches: string[] = [];
    for (const route of ROUTES) {
      const path = concretePath(route.path, ghostParams) + (route.path === '/v1/exports' || route.path.endsWith('/statements') ? '?period=2027-01' : '');
      for (const role of ALL_ROLES) {
        const res = await api.request(route.method, path, { token: world.tokens[role], ...(route.method === 'GET' ? {} : { body: {} }) });
        const allowed = route.roles === null || (route.roles as readonly string[]).includes(role);
        const ok = allowed ? res.status !== 401 && res.status !== 403 && res.status < 500 : res.status === 403 && res.json?.error?.code === 'forbidden';
        if (!ok) mismatches.push(`${routeKey(route)} as ${role}: ${res.status} ${res.text.slice(0, 120)}`);
        if (res.status >= 400) expectErrorBody(res, `${routeKey(route)} as ${role}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('a token holding an unknown role only, or no roles, is 403 on every protected route', async () => {
    const stranger = await api.token({ sub: 'eve', roles: ['superuser', 'root', '__proto__'] });
    const nobody = await api.token({ sub: 'nobody', roles: [] });
    for (const route of ROUTES.filter((r) => r.roles !== null)) {
      for (const token of [stranger, nobody]) {
        const res = await api.request(route.method, concretePath(route.path, ghostParams), { token, ...(route.method === 'GET' ? {} : { body: {} }) });
        expect(res.status, routeKey(route)).toBe(403);
      }
    }
  });
});

/** Another advertiser's id for each path parameter of a route. */
function foreignParams(route: RouteDef, globex: World['globex']): Record<string, string> {
  if (route.path.startsWith('/v1/advertisers')) return { id: globex.advertiserId };
  if (route.path.startsWith('/v1/invoices')) return { id: globex.invoiceId };
  if (route.path.startsWith('/v1/billing-runs')) return { id: 'run-globex' };
  if (route.path.startsWith('/v1/partners')) return { id: 'partner-globex', period: '2027-01' };
  return { id: globex.contractId, n: '1', creditId: 'crd-globex' };
}

describe('tenant isolation: an advertiser against another advertiser\'s ids', () => {
  it('every route that takes an id answers 404 (or 403 where the role may not call it) and shows nothing', async () => {
    const { globex } = world;
    const secrets = [globex.advertiserId, globex.contractId, globex.invoiceId, 'Globex'];
    // A token that also holds finance is confined to its advertiser all the same.
    const mixed = await api.token({ sub: 'acme-finance', roles: ['advertiser', 'finance'], advertiserId: world.acme.advertiserId });
    for (const token of [world.tokens.advertiser!, mixed]) {
      for (const route of ROUTES.filter((r) => r.path.includes('{'))) {
        // Routes that need a period get one, so the answer is about the tenant, not the query.
        const path = concretePath(route.path, foreignParams(route, globex)) + (route.path.endsWith('/statements') || route.path.endsWith('/spend') ? '?period=2027-01' : '');
        const res = await api.request(route.method, path, {
          token,
          ...(route.method === 'GET' ? {} : { body: {} }),
        });
        const label = `${routeKey(route)} as ${token === mixed ? 'advertiser+finance' : 'advertiser'}`;
        // Its other roles open nothing to a token confined to one advertiser.
        if ((route.roles as readonly string[] | null)?.includes('advertiser')) expect(res.status, label).toBe(404);
        else expect(res.status, label).toBe(403);
        expectErrorBody(res, label);
        // The id the caller sent may be echoed in the 404's message; nothing else of the other tenant may.
        for (const secret of secrets.filter((x) => !path.includes(x))) expect(res.text, label).not.toContain(secret);
      }
    }
  });

  it('lists filtered by another advertiser are empty, and unfiltered lists hold only the caller\'s data', async () => {
    const { acme, globex } = world;
    // The advertiser view holds only approved contracts and issued invoices: give Acme one of each.
    const ops = world.tokens.ops!;
    const approved = await api.request('POST', '/v1/contracts', { token: ops, body: contractBody(acme.advertiserId) });
    expect((await api.request('POST', `/v1/contracts/${approved.json.id}/versions/1/submit`, { token: ops })).status).toBe(200);
    expect((await api.request('POST', `/v1/contracts/${approved.json.id}/versions/1/approve`, { token: world.tokens.approver! })).status).toBe(200);
    const repo = new InvoicesOnTable(documentClient(), api.tableName, systemClock);
    const { invoiceId: issued } = await repo.writeRunInvoice({ runId: 'run-acme-issued', runSeq: 1, contract: { id: approved.json.id, advertiserId: acme.advertiserId, currency: 'USD' }, rated: january, actor: 'system:test', at: '2027-02-03T00:00:00.000Z' });
    await repo.finalizeInvoice(issued, 'fiona');
    for (const path of ['/v1/contracts', '/v1/invoices']) {
      const asked = await api.request('GET', `${path}?advertiserId=${globex.advertiserId}`, { token: world.tokens.advertiser });
      expect(asked.status, path).toBe(200);
      expect(asked.json, path).toEqual({ items: [], nextCursor: null });
      const all = await api.request('GET', `${path}?limit=200`, { token: world.tokens.advertiser });
      expect(all.json.items.length, path).toBeGreaterThan(0);
      expect(all.json.items.every((item: { advertiserId: string }) => item.advertiserId === acme.advertiserId), path).toBe(true);
      expect(all.text).not.toContain(globex.advertiserId);
    }
    // The approval inbox and pending contracts are not an advertiser's to read, whatever else its token holds.
    expect((await api.request('GET', '/v1/contracts?pending=true', { token: world.tokens.advertiser })).status).toBe(403);
    // Its own resources are there, so the 404s above are isolation, not absence.
    expect((await api.request('GET', `/v1/contracts/${approved.json.id}`, { token: world.tokens.advertiser })).status).toBe(200);
    expect((await api.request('GET', `/v1/invoices/${issued}`, { token: world.tokens.advertiser })).status).toBe(200);
    // Its draft contract and draft invoice are not in its view.
    expect((await api.request('GET', `/v1/contracts/${acme.contractId}`, { token: world.tokens.advertiser })).status).toBe(404);
    expect((await api.request('GET', `/v1/invoices/${acme.invoiceId}`, { token: world.tokens.advertiser })).status).toBe(404);
    expect((await api.request('GET', `/v1/advertisers/${acme.advertiserId}`, { token: world.tokens.advertiser })).status).toBe(200);
  });
});

describe('broken and forged tokens: 401 on every protected route', () => {
  it('expired, wrong signature, alg none, wrong issuer or audience, missing, garbage', async () => {
    const claims = { roles: ['ops', 'finance', 'approver', 'admin'] };
    const now = Math.floor(Date.now() / 1000);
    const sign = (key: Uint8Array, options: { iss?: string; aud?: string; alg?: string } = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
        .setSubject('mallory')
        .setIssuer(options.iss ?? DEV_TOKEN_ISSUER)
        .setAudience(options.aud ?? DEV_TOKEN_AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(key);
    const valid = await sign(DEV_SIGNING_KEY);
    const [header, payload] = valid.split('.');
    const bad: Record<string, string | undefined> = {
      missing: undefined,
      expired: `Bearer ${await api.token({ sub: 'olga', roles: ['ops'], expiresIn: -60 })}`,
      'wrong signature': `Bearer ${await sign(new TextEncoder().encode('not the development key, but just as long as it'))}`,
      'tampered payload': `Bearer ${header}.${b64({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'root' })}.${valid.split('.')[2]}`,
      'alg none': `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      'alg HS512 with the same key': `Bearer ${await sign(DEV_SIGNING_KEY, { alg: 'HS512' })}`,
      'wrong issuer': `Bearer ${await sign(DEV_SIGNING_KEY, { iss: 'https://evil.example' })}`,
      'wrong audience': `Bearer ${await sign(DEV_SIGNING_KEY, { aud: 'another-api' })}`,
      garbage: 'Bearer not.a.jwt',
      'empty bearer': 'Bearer ',
      'basic auth': `Basic ${Buffer.from('olga:secret').toString('base64')}`,
      'token without scheme': valid,
    };
    for (const route of ROUTES.filter((r) => r.roles !== null)) {
      for (const [name, authorization] of Object.entries(bad)) {
        const res = await api.request(route.method, concretePath(route.path, ghostParams), {
          headers: authorization === undefined ? {} : { authorization },
          ...(route.method === 'GET' ? {} : { body: {} }),
        });
        expect(res.status, `${routeKey(route)} with ${name}`).toBe(401);
        expect(res.json.error.code).toBe('unauthenticated');
        expectErrorBody(res);
      }
    }
  });

  it('the handlers themselves refuse an event without verified claims (a misconfigured authorizer): 401', async () => {
    for (const route of ROUTES.filter((r) => r.roles !== null)) {
      for (const claims of [undefined, {}, { sub: '', roles: '[ops]' }, { sub: 'x'.repeat(300), roles: '[ops]' }, { sub: 'olga' }, { sub: 'ann', roles: '[advertiser]' }]) {
        const res = await invoke({ route, pathParameters: ghostParams, claims: claims as Record<string, string> | undefined, ...(route.method === 'GET' ? {} : { body: '{}' }) });
        expect(res.status, `${routeKey(route)} ${JSON.stringify(claims)}`).toBe(401);
        expectErrorBody(res);
      }
    }
  });
});

describe('mass assignment: server-owned fields in bodies are 400 and change nothing', () => {
  it('on every create and edit route', async () => {
    const { acme } = world;
    const ops = world.tokens.ops!;
    const version = await api.request('GET', `/v1/contracts/${acme.contractId}/versions/1`, { token: ops });
    const etag = version.headers.get('etag')!;
    const before = await tableSnapshot(api.tableName);
    const forged = { status: 'ACTIVE', version: 99, approvals: [{ approverId: 'mallory' }], createdBy: 'mallory', id: 'chosen-id' };
    const attempts: Array<{ method: string; path: string; body: Record<string, unknown>; token: string; fields: string[]; headers?: Record<string, string> }> = [
      { method: 'POST', path: '/v1/contracts', body: { ...contractBody(acme.advertiserId), ...forged }, token: ops, fields: Object.keys(forged) },
      { method: 'PUT', path: `/v1/contracts/${acme.contractId}/versions/1`, body: { terms: cpmTerms(), ...forged, advertiserId: 'adv-other' }, token: ops, fields: [...Object.keys(forged), 'advertiserId'], headers: { 'if-match': etag } },
      { method: 'PUT', path: `/v1/contracts/${acme.contractId}/versions/1`, body: { terms: { ...cpmTerms(), recordedAt: '2027-01-01T00:00:00Z', status: 'APPROVED' } }, token: ops, fields: ['terms.recordedAt', 'terms.status'], headers: { 'if-match': etag } },
      { method: 'POST', path: `/v1/contracts/${acme.contractId}/amendments`, body: { effectiveFrom: '2027-03-01', terms: cpmTerms(), ...forged, advertiserId: 'adv-other' }, token: ops, fields: [...Object.keys(forged), 'advertiserId'] },
      { method: 'POST', path: `/v1/contracts/${acme.contractId}/renewals`, body: { termMonths: 12, status: 'APPROVED', version: 2 }, token: ops, fields: ['status', 'version'] },
      { method: 'POST', path: `/v1/contracts/${acme.contractId}/termination`, body: { effectiveDate: '2027-06-30', reason: 'x', approvals: [], createdBy: 'mallory' }, token: ops, fields: ['approvals', 'createdBy'] },
      { method: 'POST', path: `/v1/contracts/${acme.contractId}/versions/1/submit`, body: { status: 'APPROVED', approvals: [] }, token: ops, fields: ['approvals', 'status'] },
      { method: 'POST', path: `/v1/contracts/${acme.contractId}/versions/1/approve`, body: { comment: 'ok', status: 'APPROVED', approvals: [{ approverId: 'a' }, { approverId: 'b' }], version: 1 }, token: world.tokens.finance!, fields: ['approvals', 'status', 'version'] },
      { method: 'POST', path: `/v1/contracts/${acme.contractId}/versions/1/reject`, body: { reason: 'no', createdBy: 'mallory' }, token: world.tokens.approver!, fields: ['createdBy'] },
      { method: 'POST', path: `/v1/contracts/${acme.contractId}/credits`, body: { period: '2027-02', amount: '10.00', reason: 'GOODWILL', ...forged, recordedAt: '2027-01-01T00:00:00Z' }, token: ops, fields: [...Object.keys(forged), 'recordedAt'] },
      { method: 'POST', path: `/v1/contracts/${acme.contractId}/credits/crd-1/approve`, body: { status: 'APPROVED', approvals: [] }, token: world.tokens.finance!, fields: ['approvals', 'status'] },
      { method: 'POST', path: '/v1/advertisers', body: { name: 'X', currency: 'USD', timezone: 'UTC', ...forged }, token: ops, fields: Object.keys(forged) },
      { method: 'POST', path: '/v1/partners', body: { name: 'X', id: 'chosen', version: 3 }, token: ops, fields: ['id', 'version'] },
      { method: 'POST', path: '/v1/usage/conversions/c1/reversal', body: { contractId: acme.contractId, reversedAt: '2027-01-05T00:00:00Z', reason: 'x', status: 'REVERSED' }, token: ops, fields: ['status'] },
      { method: 'POST', path: '/v1/billing-runs', body: { period: '2027-01', status: 'SUCCEEDED', id: 'run-chosen' }, token: world.tokens.finance!, fields: ['id', 'status'] },
      { method: 'POST', path: `/v1/invoices/${acme.invoiceId}/finalize`, body: { status: 'FINALIZED', number: 'INV-1' }, token: world.tokens.finance!, fields: ['number', 'status'] },
      { method: 'POST', path: `/v1/invoices/${acme.invoiceId}/void`, body: { reason: 'x', status: 'VOID', version: 9 }, token: world.tokens.finance!, fields: ['status', 'version'] },
    ];
    for (const a of attempts) {
      const res = await api.request(a.method, a.path, { token: a.token, body: a.body, headers: a.headers ?? {} });
      expect(res.status, `${a.method} ${a.path}: ${res.text}`).toBe(400);
      expect(res.json.error.code).toBe('validation_failed');
      const paths = res.json.error.details.map((d: { path: string }) => d.path);
      expect(paths, `${a.method} ${a.path}`).toEqual(expect.arrayContaining(a.fields));
    }
    expect(await tableSnapshot(api.tableName)).toEqual(before);
    const after = await api.request('GET', `/v1/contracts/${acme.contractId}`, { token: ops });
    expect(after.json).toMatchObject({ status: 'DRAFT', version: 1, createdBy: 'olga', id: acme.contractId });
  });
});
