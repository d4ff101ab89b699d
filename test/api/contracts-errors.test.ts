/**
 * Every error status of API.md on the contract routes, tenant isolation, idempotency, racing
 * approvals and the audit trail, through the local HTTP server with real development tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, startTestAuditPoller, type TestApi } from '../support/api';

let api: TestApi;
let poller: Awaited<ReturnType<typeof startTestAuditPoller>> | undefined;
const t: Record<string, string> = {};
let acme: string;
let globex: string;

const terms = (minimum: string | null = null) => ({
  charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '12.50' } }],
  minimumCommitment: minimum ? { amount: minimum, prorate: false } : null,
});
const contractBody = (advertiserId: string, extra: Record<string, unknown> = {}) => ({
  advertiserId, name: 'C', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', terms: terms(), ...extra,
});

async function createContract(advertiserId = acme, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await api.request('POST', '/v1/contracts', { token: t.ops, body: contractBody(advertiserId, extra) });
  expect(res.status).toBe(201);
  return res.json.id;
}

beforeAll(async () => {
  api = await startTestApi();
  poller = await startTestAuditPoller().catch(() => undefined);
  t.ops = await api.token({ sub: 'olga', roles: ['ops'] });
  t.approver = await api.token({ sub: 'april', roles: ['approver'] });
  t.approver2 = await api.token({ sub: 'arno', roles: ['approver'] });
  t.finance = await api.token({ sub: 'fiona', roles: ['finance'] });
  t.admin = await api.token({ sub: 'adam', roles: ['admin'] });
  acme = (await api.request('POST', '/v1/advertisers', { token: t.ops, body: { name: 'Acme', currency: 'USD', timezone: 'UTC' } })).json.id;
  globex = (await api.request('POST', '/v1/advertisers', { token: t.admin, body: { name: 'Globex', currency: 'USD', timezone: 'UTC' } })).json.id;
  t.acme = await api.token({ sub: 'acme-user', roles: ['advertiser'], advertiserId: acme });
  t.globex = await api.token({ sub: 'globex-user', roles: ['advertiser'], advertiserId: globex });
});
afterAll(async () => {
  await poller?.stop();
  await api?.stop();
});

describe('authentication and roles', () => {
  it('401 without a token or with an advertiser token lacking advertiserId', async () => {
    expect((await api.request('GET', '/v1/contracts')).status).toBe(401);
    const noTenant = await api.token({ sub: 'x', roles: ['advertiser'] });
    const res = await api.request('GET', '/v1/contracts', { token: noTenant });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('unauthenticated');
  });

  it('403 when the role may not use the route', async () => {
    const res = await api.request('POST', '/v1/contracts', { token: t.approver, body: contractBody(acme) });
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({ code: 'forbidden', details: [] });
    expect((await api.request('POST', '/v1/advertisers', { token: t.finance, body: { name: 'x', currency: 'USD', timezone: 'UTC' } })).status).toBe(403);
    expect((await api.request('GET', '/v1/contracts/x/audit', { token: t.acme })).status).toBe(403);
  });
});

describe('bad input: 400 with field paths, never 5xx', () => {
  it('schema violations name their fields', async () => {
    const res = await api.request('POST', '/v1/contracts', {
      token: t.ops,
      body: { ...contractBody(acme), startDate: '2027-02-30', terms: { charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '-1' } }] } },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_failed');
    expect(res.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['startDate', 'terms.charges.0.pricing.rate']);
  });

  it('domain rules: currency digits, dates, the advertiser currency', async () => {
    const res = await api.request('POST', '/v1/contracts', {
      token: t.ops,
      body: contractBody(acme, { currency: 'EUR', endDate: '2026-12-31', terms: terms('100.001') }),
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['currency', 'endDate', 'terms.minimumCommitment.amount']);
    const unknown = await api.request('POST', '/v1/contracts', { token: t.ops, body: contractBody('adv_nope') });
    expect(unknown.json.error.details).toEqual([{ path: 'advertiserId', message: expect.stringContaining('no advertiser') }]);
  });

  it('mass assignment: server-owned fields in a body are rejected', async () => {
    const res = await api.request('POST', '/v1/contracts', {
      token: t.ops,
      body: { ...contractBody(acme), status: 'ACTIVE', version: 7, createdBy: 'mallory', approvals: [] },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['approvals', 'createdBy', 'status', 'version']);
    const id = await createContract();
    const put = await api.request('PUT', `/v1/contracts/${id}/versions/1`, { token: t.ops, body: { terms: { ...terms(), recordedAt: '2027-01-01T00:00:00Z' } }, headers: { 'if-match': '"1"' } });
    expect(put.status).toBe(400);
    expect(put.json.error.details[0].path).toBe('terms.recordedAt');
  });

  it('invalid JSON, bad limits, bad cursors, bad path numbers', async () => {
    const json = await api.request('POST', '/v1/contracts', { token: t.ops, body: '{"advertiserId": ', headers: { 'content-type': 'application/json' } });
    expect(json.status).toBe(400);
    expect(json.json.error.code).toBe('invalid_json');
    for (const q of ['limit=0', 'limit=201', 'limit=abc', 'limit=1.5', 'status=LIVE', 'cursor=%21%21', `cursor=${Buffer.from('{"pk":"CONTRACT#x","sk":"CONTRACT"}').toString('base64url')}`]) {
      const res = await api.request('GET', `/v1/contracts?${q}`, { token: t.ops });
      expect(res.status, q).toBe(400);
    }
    expect((await api.request('GET', '/v1/contracts/x/versions/zero', { token: t.ops })).status).toBe(400);
  });
});

describe('tenant isolation', () => {
  it('an advertiser sees its own contracts and gets 404 for another\'s', async () => {
    const mine = await createContract(acme);
    const theirs = await createContract(globex);
    // The advertiser view holds contracts with approved terms only: a draft is 404 until then.
    expect((await api.request('GET', `/v1/contracts/${mine}`, { token: t.acme })).status).toBe(404);
    for (const id of [mine, theirs]) {
      expect((await api.request('POST', `/v1/contracts/${id}/versions/1/submit`, { token: t.ops })).status).toBe(200);
      expect((await api.request('POST', `/v1/contracts/${id}/versions/1/approve`, { token: t.approver })).status).toBe(200);
    }
    expect((await api.request('GET', `/v1/contracts/${mine}`, { token: t.acme })).status).toBe(200);
    const other = await api.request('GET', `/v1/contracts/${theirs}`, { token: t.acme });
    expect(other.status).toBe(404);
    expect(other.text).not.toContain(globex);
    expect((await api.request('GET', `/v1/contracts/${theirs}/versions/1`, { token: t.acme })).status).toBe(404);
    expect((await api.request('GET', `/v1/advertisers/${globex}`, { token: t.acme })).status).toBe(404);
    expect((await api.request('GET', `/v1/advertisers/${acme}`, { token: t.acme })).status).toBe(200);

    const list = await api.request('GET', '/v1/contracts?limit=200', { token: t.acme });
    expect(list.status).toBe(200);
    expect(list.json.items.length).toBeGreaterThan(0);
    expect(list.json.items.every((c: { advertiserId: string }) => c.advertiserId === acme)).toBe(true);
    const asked = await api.request('GET', `/v1/contracts?advertiserId=${globex}`, { token: t.acme });
    expect(asked.json).toEqual({ items: [], nextCursor: null });
  });

  it('lists page with limit and cursor', async () => {
    for (let i = 0; i < 3; i++) await createContract(globex);
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const res: { json: { items: { id: string }[]; nextCursor: string | null } } = await api.request('GET', `/v1/contracts?advertiserId=${globex}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: t.finance });
      expect(res.json.items.length).toBeLessThanOrEqual(2);
      for (const c of res.json.items) seen.add(c.id);
      cursor = res.json.nextCursor;
    } while (cursor);
    expect(seen.size).toBeGreaterThanOrEqual(4);
  });
});

describe('state conflicts and preconditions', () => {
  it('409 for an illegal transition, 412 for a stale If-Match on an action, 404 for a missing one', async () => {
    const id = await createContract();
    const approve = await api.request('POST', `/v1/contracts/${id}/versions/1/approve`, { token: t.approver });
    expect(approve.status).toBe(409);
    expect(approve.json.error.code).toBe('illegal_transition');
    const stale = await api.request('POST', `/v1/contracts/${id}/versions/1/submit`, { token: t.ops, headers: { 'if-match': '"9"' } });
    expect(stale.status).toBe(412);
    const ok = await api.request('POST', `/v1/contracts/${id}/versions/1/submit`, { token: t.ops, headers: { 'if-match': '"1"' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe('"2"');
    const again = await api.request('POST', `/v1/contracts/${id}/versions/1/submit`, { token: t.ops });
    expect(again.status).toBe(409);
    const put = await api.request('PUT', `/v1/contracts/${id}/versions/1`, { token: t.ops, body: { terms: terms() }, headers: { 'if-match': '"2"' } });
    expect(put.status).toBe(409);
    expect((await api.request('GET', `/v1/contracts/${id}/versions/7`, { token: t.ops })).status).toBe(404);
    expect((await api.request('GET', '/v1/contracts/ctr_missing', { token: t.ops })).status).toBe(404);
    const amend = await api.request('POST', `/v1/contracts/${id}/amendments`, { token: t.ops, body: { effectiveFrom: '2027-03-01', terms: terms() } });
    expect(amend.status).toBe(409);
    expect(amend.json.error.code).toBe('open_version_exists');
  });

  it('413 for a body over 1 MiB', async () => {
    const res = await api.request('POST', '/v1/contracts', { token: t.ops, body: { ...contractBody(acme), name: 'x'.repeat(1024 * 1024 + 10) } });
    expect(res.status).toBe(413);
  });
});

describe('idempotency', () => {
  it('same key and body replays the first response; a different body is 422; keys are per user', async () => {
    const key = `k-${Date.now()}`;
    const body = contractBody(acme, { name: 'Idem' });
    const first = await api.request('POST', '/v1/contracts', { token: t.ops, body, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    // Same body written differently (key order) is the same request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const replay = await api.request('POST', '/v1/contracts', { token: t.ops, body: reordered, headers: { 'idempotency-key': key } });
    expect(replay.status).toBe(201);
    expect(replay.json).toEqual(first.json);
    expect(replay.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(replay.headers.get('idempotency-replayed')).toBe('true');
    const mismatch = await api.request('POST', '/v1/contracts', { token: t.ops, body: { ...body, name: 'Other' }, headers: { 'idempotency-key': key } });
    expect(mismatch.status).toBe(422);
    expect(mismatch.json.error.code).toBe('idempotency_key_reused');
    const otherUser = await api.token({ sub: 'otto', roles: ['ops'] });
    const separate = await api.request('POST', '/v1/contracts', { token: otherUser, body, headers: { 'idempotency-key': key } });
    expect(separate.status).toBe(201);
    expect(separate.json.id).not.toBe(first.json.id);
  });

  it('a failed attempt does not burn the key', async () => {
    const key = `f-${Date.now()}`;
    const id = await createContract();
    const early = await api.request('POST', `/v1/contracts/${id}/versions/1/approve`, { token: t.approver, headers: { 'idempotency-key': key } });
    expect(early.status).toBe(409);
    await api.request('POST', `/v1/contracts/${id}/versions/1/submit`, { token: t.ops });
    const later = await api.request('POST', `/v1/contracts/${id}/versions/1/approve`, { token: t.approver, headers: { 'idempotency-key': key } });
    expect(later.status).toBe(200);
  });

  it('concurrent requests with one key create one contract', async () => {
    const key = `c-${Date.now()}`;
    const body = contractBody(acme, { name: 'Race' });
    const results = await Promise.all(Array.from({ length: 4 }, () => api.request('POST', '/v1/contracts', { token: t.ops, body, headers: { 'idempotency-key': key } })));
    for (const r of results) expect([201, 409]).toContain(r.status);
    const created = results.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.json.id)).size).toBe(1);
    for (const r of results.filter((x) => x.status === 409)) expect(r.json.error.code).toBe('idempotency_in_progress');
  });
});

describe('racing approvals', () => {
  it('one approval needed, two approvers at once: exactly one wins', async () => {
    const id = await createContract();
    await api.request('POST', `/v1/contracts/${id}/versions/1/submit`, { token: t.ops });
    const results = await Promise.all([
      api.request('POST', `/v1/contracts/${id}/versions/1/approve`, { token: t.approver }),
      api.request('POST', `/v1/contracts/${id}/versions/1/approve`, { token: t.approver2 }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const version = await api.request('GET', `/v1/contracts/${id}/versions/1`, { token: t.ops });
    expect(version.json.status).toBe('APPROVED');
    expect(version.json.approvals).toHaveLength(1);
  });
});

describe('audit trail', () => {
  it('GET /v1/contracts/{id}/audit lists the chain of the contract', async (ctx) => {
    if (!poller) ctx.skip();
    const id = await createContract();
    await api.request('POST', `/v1/contracts/${id}/versions/1/submit`, { token: t.ops });
    await api.request('POST', `/v1/contracts/${id}/versions/1/approve`, { token: t.approver });
    await poller!.drain();
    const res = await api.request('GET', `/v1/contracts/${id}/audit?limit=200`, { token: t.finance });
    expect(res.status).toBe(200);
    const actions = res.json.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['contract.submitted', 'version.submitted', 'version.approved', 'contract.activated']));
    const entries = res.json.items as { seq: number; hash: string; prevHash: string; actor: string }[];
    entries.forEach((e, i) => {
      expect(e.seq).toBe(i + 1);
      if (i > 0) expect(e.prevHash).toBe(entries[i - 1]!.hash);
    });
    expect(entries.map((e) => e.actor)).toEqual(expect.arrayContaining(['olga', 'april']));
    expect((await api.request('GET', `/v1/contracts/${id}/audit?limit=2`, { token: t.ops })).json.items).toHaveLength(2);
    expect((await api.request('GET', '/v1/contracts/ctr_missing/audit', { token: t.ops })).status).toBe(404);
  });
});
