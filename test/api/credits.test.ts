/**
 * Credits (make-goods) through the local HTTP server against DynamoDB Local: creation by ops,
 * maker-checker approval (author 403, twice 409, two approvers incl. finance at the threshold),
 * rejection, the list by role (an advertiser sees approved credits only), the 400s that store
 * nothing, and the audit trail of the contract.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, startTestAuditPoller, type TestApi } from '../support/api';
import { tableSnapshot } from '../hardening/support';

let api: TestApi;
let poller: Awaited<ReturnType<typeof startTestAuditPoller>> | undefined;
const t: Record<string, string> = {};
let acme: string;
let globex: string;
let contractId: string;

beforeAll(async () => {
  api = await startTestApi();
  poller = await startTestAuditPoller().catch(() => undefined);
  [t.ops, t.ops2, t.approver, t.approver2, t.finance] = await Promise.all([
    api.token({ sub: 'olga', roles: ['ops'] }),
    api.token({ sub: 'oscar', roles: ['ops'] }),
    api.token({ sub: 'april', roles: ['approver'] }),
    api.token({ sub: 'arno', roles: ['approver'] }),
    api.token({ sub: 'fiona', roles: ['finance'] }),
  ]);
  // The author of a credit may also hold the approver role: still never its checker.
  t.opsApprover = await api.token({ sub: 'olga', roles: ['ops', 'approver'] });
  acme = (await api.request('POST', '/v1/advertisers', { token: t.ops, body: { name: 'Acme', currency: 'USD', timezone: 'UTC' } })).json.id;
  globex = (await api.request('POST', '/v1/advertisers', { token: t.ops, body: { name: 'Globex', currency: 'USD', timezone: 'UTC' } })).json.id;
  t.acme = await api.token({ sub: 'acme-user', roles: ['advertiser'], advertiserId: acme });
  t.globex = await api.token({ sub: 'globex-user', roles: ['advertiser'], advertiserId: globex });
  const created = await api.request('POST', '/v1/contracts', {
    token: t.ops,
    body: {
      advertiserId: acme, name: 'Acme 2027', currency: 'USD', timezone: 'UTC', startDate: '2027-01-15', endDate: '2027-06-30',
      terms: { charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '12.50' } }] },
    },
  });
  expect(created.status).toBe(201);
  contractId = created.json.id;
});
afterAll(async () => {
  await poller?.stop();
  await api?.stop();
});

const credits = () => `/v1/contracts/${contractId}/credits`;

describe('creating a credit', () => {
  it('ops creates it PENDING_APPROVAL with its approval requirement', async () => {
    const res = await api.request('POST', credits(), { token: t.ops, body: { period: '2027-03', amount: '500.00', reason: 'MAKE_GOOD', note: 'missed delivery in week 2' } });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      contractId, period: '2027-03', amount: '500.00', reason: 'MAKE_GOOD', note: 'missed delivery in week 2', status: 'PENDING_APPROVAL',
      recordedAt: null, approvals: [], createdBy: 'olga', version: 1,
      requirement: { approvals: 1, financeRequired: false, committedValue: '500', threshold: '100000.00' },
    });
    expect(res.json.id).toMatch(/^crd_/);
    expect(res.headers.get('etag')).toBe('"1"');
  });

  it('refuses bad input with field paths and stores nothing', async () => {
    await poller?.drain();
    const before = await tableSnapshot(api.tableName);
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ period: '2026-12', amount: '10.00', reason: 'MAKE_GOOD' }, 'period', /contract term/],
      [{ period: '2027-07', amount: '10.00', reason: 'MAKE_GOOD' }, 'period', /contract term/],
      [{ period: '2027-13', amount: '10.00', reason: 'MAKE_GOOD' }, 'period', /YYYY-MM/],
      [{ period: '2027-02', amount: '10.001', reason: 'MAKE_GOOD' }, 'amount', /at most 2 decimal/],
      [{ period: '2027-02', amount: '0.00', reason: 'MAKE_GOOD' }, 'amount', /positive/],
      [{ period: '2027-02', amount: '-5.00', reason: 'MAKE_GOOD' }, 'amount', /decimal/],
      [{ period: '2027-02', amount: 10, reason: 'MAKE_GOOD' }, 'amount', /string/],
      [{ period: '2027-02', amount: '10.00', reason: 'REFUND' }, 'reason', /MAKE_GOOD/],
      [{ period: '2027-02', amount: '10.00', reason: 'GOODWILL', status: 'APPROVED' }, 'status', /./],
    ];
    for (const [body, path, message] of cases) {
      const res = await api.request('POST', credits(), { token: t.ops, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const detail = res.json.error.details.find((d: { path: string }) => d.path === path);
      expect(detail, `${JSON.stringify(body)}: ${res.text}`).toBeDefined();
      expect(detail.message).toMatch(message);
    }
    await poller?.drain();
    expect(await tableSnapshot(api.tableName)).toEqual(before);
    expect((await api.request('POST', '/v1/contracts/ctr_missing/credits', { token: t.ops, body: { period: '2027-02', amount: '1.00', reason: 'GOODWILL' } })).status).toBe(404);
  });

  it('a JPY credit carries no decimals', async () => {
    const tokyo = await api.request('POST', '/v1/advertisers', { token: t.ops, body: { name: 'Tokyo', currency: 'JPY', timezone: 'Asia/Tokyo' } });
    const jp = await api.request('POST', '/v1/contracts', {
      token: t.ops,
      body: { advertiserId: tokyo.json.id, name: 'JP', currency: 'JPY', timezone: 'Asia/Tokyo', startDate: '2027-01-01', endDate: '2027-12-31', terms: { charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '1500' } }] } },
    });
    const bad = await api.request('POST', `/v1/contracts/${jp.json.id}/credits`, { token: t.ops, body: { period: '2027-02', amount: '100.5', reason: 'GOODWILL' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0]).toMatchObject({ path: 'amount', message: expect.stringMatching(/JPY amounts carry at most 0/) });
    expect((await api.request('POST', `/v1/contracts/${jp.json.id}/credits`, { token: t.ops, body: { period: '2027-02', amount: '100', reason: 'GOODWILL' } })).status).toBe(201);
  });
});

describe('approving and rejecting', () => {
  it('one approval below the threshold: never the author (403), not twice (409), recordedAt = approval time', async () => {
    const created = await api.request('POST', credits(), { token: t.ops, body: { period: '2027-02', amount: '250.00', reason: 'SERVICE_CREDIT' } });
    const id = created.json.id as string;
    const author = await api.request('POST', `${credits()}/${id}/approve`, { token: t.opsApprover, body: {} });
    expect(author.status).toBe(403);
    expect(author.json.error.code).toBe('author_cannot_approve');
    const stale = await api.request('POST', `${credits()}/${id}/approve`, { token: t.approver, body: {}, headers: { 'if-match': '"7"' } });
    expect(stale.status).toBe(412);

    const before = Date.now();
    const approved = await api.request('POST', `${credits()}/${id}/approve`, { token: t.approver, body: { comment: 'ok' } });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ status: 'APPROVED', approvals: [{ approverId: 'april', roles: ['approver'], comment: 'ok' }], version: 2 });
    expect(Date.parse(approved.json.recordedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(approved.json.recordedAt).toBe(approved.json.approvals[0].at);

    const twice = await api.request('POST', `${credits()}/${id}/approve`, { token: t.finance, body: {} });
    expect(twice.status).toBe(409);
    expect(twice.json.error.code).toBe('illegal_transition');
    const reject = await api.request('POST', `${credits()}/${id}/reject`, { token: t.finance, body: { reason: 'late' } });
    expect(reject.status).toBe(409);
  });

  it('at or above the threshold: two different approvers, one of them finance', async () => {
    const created = await api.request('POST', credits(), { token: t.ops, body: { period: '2027-04', amount: '100000.00', reason: 'MAKE_GOOD' } });
    expect(created.json.requirement).toMatchObject({ approvals: 2, financeRequired: true });
    const id = created.json.id as string;
    const first = await api.request('POST', `${credits()}/${id}/approve`, { token: t.approver, body: {} });
    expect(first.json).toMatchObject({ status: 'PENDING_APPROVAL', recordedAt: null });
    const same = await api.request('POST', `${credits()}/${id}/approve`, { token: t.approver, body: {} });
    expect(same.status).toBe(409);
    expect(same.json.error.code).toBe('already_approved');
    // Two approvers, neither finance: still pending.
    const second = await api.request('POST', `${credits()}/${id}/approve`, { token: t.approver2, body: {} });
    expect(second.json.status).toBe('PENDING_APPROVAL');
    const finance = await api.request('POST', `${credits()}/${id}/approve`, { token: t.finance, body: {} });
    expect(finance.json).toMatchObject({ status: 'APPROVED' });
    expect(finance.json.approvals.map((a: { approverId: string }) => a.approverId)).toEqual(['april', 'arno', 'fiona']);
  });

  it('rejection with a reason; a rejected credit is never approved', async () => {
    const created = await api.request('POST', credits(), { token: t.ops, body: { period: '2027-05', amount: '75.00', reason: 'GOODWILL' } });
    const id = created.json.id as string;
    expect((await api.request('POST', `${credits()}/${id}/reject`, { token: t.opsApprover, body: { reason: 'mine' } })).status).toBe(403);
    expect((await api.request('POST', `${credits()}/${id}/reject`, { token: t.approver, body: {} })).status).toBe(400);
    const rejected = await api.request('POST', `${credits()}/${id}/reject`, { token: t.approver, body: { reason: 'not agreed with sales' } });
    expect(rejected.json).toMatchObject({ status: 'REJECTED', rejection: { by: 'april', reason: 'not agreed with sales' } });
    expect((await api.request('POST', `${credits()}/${id}/approve`, { token: t.finance, body: {} })).status).toBe(409);
    expect((await api.request('POST', `${credits()}/crd_missing/approve`, { token: t.finance, body: {} })).status).toBe(404);
  });
});

describe('listing', () => {
  it('internal roles see every credit with its status; the advertiser its approved ones only, without workflow fields', async () => {
    const all = await api.request('GET', `${credits()}?limit=200`, { token: t.finance });
    expect(all.status).toBe(200);
    const statuses = all.json.items.map((c: { status: string }) => c.status).sort();
    expect(statuses).toEqual(['APPROVED', 'APPROVED', 'PENDING_APPROVAL', 'REJECTED']);
    const pending = await api.request('GET', `${credits()}?status=PENDING_APPROVAL`, { token: t.approver });
    expect(pending.json.items).toHaveLength(1);

    const own = await api.request('GET', credits(), { token: t.acme });
    expect(own.status).toBe(200);
    expect(own.json.items).toHaveLength(2);
    for (const item of own.json.items) {
      expect(item.status).toBe('APPROVED');
      expect(Object.keys(item).sort()).toEqual(['amount', 'contractId', 'createdAt', 'id', 'period', 'reason', 'recordedAt', 'status', 'updatedAt', 'version']);
    }
    expect((await api.request('GET', `${credits()}?status=PENDING_APPROVAL`, { token: t.acme })).json.items).toEqual([]);
    const other = await api.request('GET', credits(), { token: t.globex });
    expect(other.status).toBe(404);
    expect(other.text).not.toContain('500.00');

    const first = await api.request('GET', `${credits()}?limit=1`, { token: t.ops });
    expect(first.json.items).toHaveLength(1);
    const next = await api.request('GET', `${credits()}?limit=1&cursor=${first.json.nextCursor}`, { token: t.ops });
    expect(next.json.items[0].id).not.toBe(first.json.items[0].id);
    const versionCursor = Buffer.from(JSON.stringify({ pk: `CONTRACT#${contractId}`, sk: 'VERSION#0001' })).toString('base64url');
    expect((await api.request('GET', `${credits()}?cursor=${versionCursor}`, { token: t.ops })).status).toBe(400);
  });
});

describe('audit', () => {
  it('every change of a credit is an entry of the contract\'s chain', async (ctx) => {
    if (!poller) ctx.skip();
    await poller!.drain();
    const res = await api.request('GET', `/v1/contracts/${contractId}/audit?limit=200`, { token: t.finance });
    const credited = res.json.items.filter((e: { after: { entityType?: string } | null }) => e.after?.entityType === 'credit');
    const actions = credited.map((e: { action: string }) => e.action);
    // Four credits on this contract (the JPY one is another contract's).
    expect(actions.filter((a: string) => a === 'CREATED')).toHaveLength(4);
    expect(actions).toEqual(expect.arrayContaining(['credit.approved', 'credit.rejected', 'UPDATED']));
    expect(credited.find((e: { action: string }) => e.action === 'credit.rejected').actor).toBe('april');
  });
});
