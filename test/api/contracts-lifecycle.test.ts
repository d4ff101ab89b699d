/**
 * The contract lifecycle through the local HTTP server with real tokens: create, edit with
 * If-Match, submit, approve (two approvers above the threshold, one finance), amendment
 * (backdated), renewal with uplift, termination.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api';

let api: TestApi;
let ops: string;
let ops2: string;
let approver: string;
let finance: string;
let advertiserId: string;

const terms = (rate = '12.50', minimum: string | null = null) => ({
  charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate } }],
  minimumCommitment: minimum ? { amount: minimum, prorate: false } : null,
});

beforeAll(async () => {
  api = await startTestApi();
  [ops, ops2, approver, finance] = await Promise.all([
    api.token({ sub: 'olga', roles: ['ops'] }),
    api.token({ sub: 'oscar', roles: ['ops'] }),
    api.token({ sub: 'april', roles: ['approver'] }),
    api.token({ sub: 'fiona', roles: ['finance'] }),
  ]);
  const res = await api.request('POST', '/v1/advertisers', { token: ops, body: { name: 'Acme', currency: 'USD', timezone: 'America/New_York' } });
  expect(res.status).toBe(201);
  advertiserId = res.json.id;
});
afterAll(() => api?.stop());

describe('contract lifecycle', () => {
  it('goes from draft to active, amended, renewed and terminated', async () => {
    // 10,000.00 a month x 12 months = 120,000.00 >= 100,000.00: two approvals, one finance.
    const created = await api.request('POST', '/v1/contracts', {
      token: ops,
      body: { advertiserId, name: 'Acme 2027', currency: 'USD', timezone: 'America/New_York', startDate: '2027-01-01', endDate: '2027-12-31', terms: terms('12.50', '10000.00') },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ status: 'DRAFT', versions: [{ number: 1, status: 'DRAFT', effectiveFrom: '2027-01-01' }] });
    const id = created.json.id as string;

    const v1 = await api.request('GET', `/v1/contracts/${id}/versions/1`, { token: ops });
    expect(v1.status).toBe(200);
    const etag = v1.headers.get('etag')!;
    expect(etag).toBe('"1"');

    const missing = await api.request('PUT', `/v1/contracts/${id}/versions/1`, { token: ops, body: { terms: terms('13.00', '10000.00') } });
    expect(missing.status).toBe(428);
    const edited = await api.request('PUT', `/v1/contracts/${id}/versions/1`, { token: ops2, body: { terms: terms('13.00', '10000.00') }, headers: { 'if-match': etag } });
    expect(edited.status).toBe(200);
    expect(edited.json.terms.charges[0].pricing.rate).toBe('13.00');
    const stale = await api.request('PUT', `/v1/contracts/${id}/versions/1`, { token: ops, body: { terms: terms('14.00') }, headers: { 'if-match': etag } });
    expect(stale.status).toBe(412);

    const submitted = await api.request('POST', `/v1/contracts/${id}/versions/1/submit`, { token: ops });
    expect(submitted.status).toBe(200);
    expect(submitted.json).toMatchObject({ status: 'PENDING_APPROVAL', requirement: { approvals: 2, financeRequired: true, committedValue: '120000' } });
    expect((await api.request('GET', `/v1/contracts/${id}`, { token: ops })).json.status).toBe('PENDING_APPROVAL');

    const first = await api.request('POST', `/v1/contracts/${id}/versions/1/approve`, { token: approver, body: { comment: 'rates ok' } });
    expect(first.status).toBe(200);
    expect(first.json.status).toBe('PENDING_APPROVAL');
    const twice = await api.request('POST', `/v1/contracts/${id}/versions/1/approve`, { token: approver, body: {} });
    expect(twice.status).toBe(409);
    expect(twice.json.error.code).toBe('already_approved');
    const second = await api.request('POST', `/v1/contracts/${id}/versions/1/approve`, { token: finance });
    expect(second.status).toBe(200);
    expect(second.json.status).toBe('APPROVED');
    expect(second.json.recordedAt).toEqual(expect.any(String));
    expect(second.json.approvals.map((a: { approverId: string }) => a.approverId)).toEqual(['april', 'fiona']);

    const active = await api.request('GET', `/v1/contracts/${id}`, { token: ops });
    expect(active.json.status).toBe('ACTIVE');

    // A backdated amendment (the contract's past), approved: version 1 stays, cut at the amendment.
    const amendment = await api.request('POST', `/v1/contracts/${id}/amendments`, { token: ops, body: { effectiveFrom: '2027-03-01', terms: terms('11.00') } });
    expect(amendment.status).toBe(201);
    expect(amendment.json).toMatchObject({ number: 2, kind: 'AMENDMENT', status: 'DRAFT' });
    expect((await api.request('POST', `/v1/contracts/${id}/versions/2/submit`, { token: ops })).json.requirement).toMatchObject({ approvals: 1 });
    const author = await api.request('POST', `/v1/contracts/${id}/versions/2/approve`, { token: await api.token({ sub: 'olga', roles: ['approver'] }) });
    expect(author.status).toBe(403);
    expect(author.json.error.code).toBe('author_cannot_approve');
    expect((await api.request('POST', `/v1/contracts/${id}/versions/2/approve`, { token: approver })).json.status).toBe('APPROVED');
    expect((await api.request('GET', `/v1/contracts/${id}`, { token: ops })).json.status).toBe('ACTIVE');

    // Renewal: 12 more months, rates +3.5%.
    const renewal = await api.request('POST', `/v1/contracts/${id}/renewals`, { token: ops, body: { termMonths: 12, rateUpliftPct: '3.5' } });
    expect(renewal.status).toBe(201);
    expect(renewal.json).toMatchObject({ number: 3, kind: 'RENEWAL', effectiveFrom: '2028-01-01', renewal: { newEndDate: '2028-12-31' } });
    expect(renewal.json.terms.charges[0].pricing.rate).toBe('11.385');
    await api.request('POST', `/v1/contracts/${id}/versions/3/submit`, { token: ops });
    expect((await api.request('POST', `/v1/contracts/${id}/versions/3/approve`, { token: approver })).json.status).toBe('APPROVED');
    expect((await api.request('GET', `/v1/contracts/${id}`, { token: ops })).json.endDate).toBe('2028-12-31');

    const termination = await api.request('POST', `/v1/contracts/${id}/termination`, { token: ops, body: { effectiveDate: '2028-06-30', reason: 'budget cut' } });
    expect(termination.status).toBe(201);
    await api.request('POST', `/v1/contracts/${id}/versions/4/submit`, { token: ops });
    expect((await api.request('POST', `/v1/contracts/${id}/versions/4/approve`, { token: finance })).json.status).toBe('APPROVED');
    const ended = await api.request('GET', `/v1/contracts/${id}`, { token: ops });
    expect(ended.json).toMatchObject({ status: 'ACTIVE', endDate: '2028-06-30', terminatedOn: '2028-06-30' });
    expect(ended.json.versions.map((v: { status: string }) => v.status)).toEqual(['APPROVED', 'APPROVED', 'APPROVED', 'APPROVED']);
  });
});
