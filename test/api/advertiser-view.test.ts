/**
 * The advertiser view, route by route, through the local HTTP server with an advertiser token:
 * approved versions only, no partner shares, no approval or workflow fields, only issued
 * (FINALIZED, VOID) invoices. Each check is paired with the same read by an internal caller,
 * which does see the field, so an assertion of absence cannot pass by accident.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvoicesOnTable } from '../support/invoices';
import { systemClock } from '../../shared/domain/kernel/clock';
import { january } from '../unit/invoices/fixtures';
import { documentClient } from '../support/aws';
import { startTestApi, type TestApi } from '../support/api';

let api: TestApi;
const tokens = { ops: '', approver: '', finance: '', advertiser: '' };
let advertiserId: string;
let partnerId: string;
let contractId: string;
let draftContractId: string;
const invoices: Record<'draft' | 'finalized' | 'voided' | 'creditNote', string> = { draft: '', finalized: '', voided: '', creditNote: '' };

/** Every field the advertiser view must never carry, wherever it would appear. */
const HIDDEN_FIELDS = [
  'partners', 'approvals', 'approverId', 'comment', 'authors', 'requirement', 'threshold', 'committedValue',
  'financeRequired', 'createdBy', 'submittedAt', 'rejection', 'supersededBy', 'actor', 'partnerPayouts', 'runId', 'reason',
];
/** Internal people and comments that must not show up in any value either. */
const HIDDEN_VALUES = ['olga', 'april', 'fiona', 'looks right to me', 'rate too low'];

function keysDeep(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keysDeep(v, into);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      keysDeep(v, into);
    }
  }
  return into;
}

function expectAdvertiserView(body: unknown, label: string): void {
  const keys = keysDeep(body);
  for (const field of HIDDEN_FIELDS) expect(keys.has(field), `${label}: field ${field}`).toBe(false);
  const text = JSON.stringify(body);
  for (const value of HIDDEN_VALUES) expect(text.includes(value), `${label}: value ${value}`).toBe(false);
}

async function call(method: string, path: string, token: string, body?: unknown) {
  const res = await api.request(method, path, { token, ...(body === undefined ? {} : { body }) });
  return res;
}

async function ok(method: string, path: string, token: string, body?: unknown) {
  const res = await call(method, path, token, body);
  expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
  return res.json;
}

beforeAll(async () => {
  api = await startTestApi();
  tokens.ops = await api.token({ sub: 'olga', roles: ['ops'] });
  tokens.approver = await api.token({ sub: 'april', roles: ['approver'] });
  tokens.finance = await api.token({ sub: 'fiona', roles: ['finance'] });

  advertiserId = (await ok('POST', '/v1/advertisers', tokens.ops, { name: 'Acme', currency: 'USD', timezone: 'UTC' })).id;
  partnerId = (await ok('POST', '/v1/partners', tokens.ops, { name: 'Publisher' })).id;
  tokens.advertiser = await api.token({ sub: 'ada', roles: ['advertiser'], advertiserId });

  const terms = (rate: string) => ({
    charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate } }],
    minimumCommitment: { amount: '1000.00', prorate: false },
    partners: [{ partnerId, chargeIds: ['ctv'], percentOfRevenue: '30' }],
  });
  const body = { advertiserId, name: 'Acme 2027', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', terms: terms('12.50') };
  contractId = (await ok('POST', '/v1/contracts', tokens.ops, body)).id;
  await ok('POST', `/v1/contracts/${contractId}/versions/1/submit`, tokens.ops);
  await ok('POST', `/v1/contracts/${contractId}/versions/1/approve`, tokens.approver, { comment: 'looks right to me' });
  // Version 2: rejected; version 3: pending approval. Neither is the advertiser's business.
  await ok('POST', `/v1/contracts/${contractId}/amendments`, tokens.ops, { effectiveFrom: '2027-06-01', terms: terms('9.00') });
  await ok('POST', `/v1/contracts/${contractId}/versions/2/submit`, tokens.ops);
  await ok('POST', `/v1/contracts/${contractId}/versions/2/reject`, tokens.approver, { reason: 'rate too low' });
  await ok('POST', `/v1/contracts/${contractId}/amendments`, tokens.ops, { effectiveFrom: '2027-06-01', terms: terms('11.00') });
  await ok('POST', `/v1/contracts/${contractId}/versions/3/submit`, tokens.ops);
  draftContractId = (await ok('POST', '/v1/contracts', tokens.ops, { ...body, name: 'Acme draft' })).id;

  const repo = new InvoicesOnTable(documentClient(), api.tableName, systemClock);
  const write = async (runId: string, period: string) =>
    (await repo.writeRunInvoice({ runId, runSeq: 1, contract: { id: contractId, advertiserId, currency: 'USD' }, rated: { ...january, period }, actor: 'system:test', at: '2027-02-03T00:00:00.000Z' })).invoiceId;
  invoices.draft = await write('run-1', '2027-01');
  invoices.finalized = await write('run-2', '2027-02');
  invoices.voided = await write('run-3', '2027-03');
  await repo.finalizeInvoice(invoices.finalized, 'fiona');
  await repo.finalizeInvoice(invoices.voided, 'fiona');
  invoices.creditNote = (await repo.voidInvoice(invoices.voided, 'fiona', 'wrong entity')).creditNote.id;
}, 60_000);

afterAll(() => api?.stop());

describe('contracts in the advertiser view', () => {
  it('GET /v1/contracts lists only contracts with approved terms, without internal fields', async () => {
    const internal = await ok('GET', `/v1/contracts?advertiserId=${advertiserId}`, tokens.ops);
    expect(internal.items.map((c: any) => c.id).sort()).toEqual([contractId, draftContractId].sort());
    expect(internal.items[0].createdBy).toBe('olga');

    const own = await ok('GET', '/v1/contracts', tokens.advertiser);
    expect(own.items.map((c: any) => c.id)).toEqual([contractId]);
    expectAdvertiserView(own, 'GET /v1/contracts');
    expect((await ok('GET', '/v1/contracts?status=DRAFT', tokens.advertiser)).items).toEqual([]);
  });

  it('GET /v1/contracts/{id} shows the approved version only, without partners or workflow fields', async () => {
    const internal = await ok('GET', `/v1/contracts/${contractId}`, tokens.ops);
    expect(internal.versions.map((v: any) => v.status)).toEqual(['APPROVED', 'REJECTED', 'PENDING_APPROVAL']);
    expect(internal.versions[0].terms.partners).toHaveLength(1);
    expect(internal.versions[0].requirement.threshold).toBe('100000.00');

    const own = await ok('GET', `/v1/contracts/${contractId}`, tokens.advertiser);
    expect(own.versions.map((v: any) => [v.number, v.status])).toEqual([[1, 'APPROVED']]);
    expect(Object.keys(own.versions[0].terms).sort()).toEqual(['agencyCommissionPct', 'budgetCap', 'charges', 'minimumCommitment']);
    expect(own.versions[0].terms).toMatchObject({
      charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '12.50' } }],
      minimumCommitment: { amount: '1000.00', prorate: false },
    });
    expect(own.inEffect.number).not.toBe(3);
    expectAdvertiserView(own, 'GET /v1/contracts/{id}');
  });

  it('a contract without approved terms answers 404, like a missing one', async () => {
    expect((await call('GET', `/v1/contracts/${draftContractId}`, tokens.ops)).status).toBe(200);
    const res = await call('GET', `/v1/contracts/${draftContractId}`, tokens.advertiser);
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('not_found');
    expect((await call('GET', `/v1/contracts/${draftContractId}/versions/1`, tokens.advertiser)).status).toBe(404);
  });

  it('GET /v1/contracts/{id}/versions/{n}: the approved version without approvals; rejected and pending ones 404', async () => {
    const internal = await ok('GET', `/v1/contracts/${contractId}/versions/1`, tokens.ops);
    expect(internal.approvals).toEqual([expect.objectContaining({ approverId: 'april', comment: 'looks right to me' })]);
    expect(internal.terms.partners).toHaveLength(1);

    const own = await call('GET', `/v1/contracts/${contractId}/versions/1`, tokens.advertiser);
    expect(own.status).toBe(200);
    expect(own.headers.get('etag')).toBe(`"${internal.version}"`);
    expect(own.json).toMatchObject({ number: 1, status: 'APPROVED', effectiveFrom: '2027-01-01' });
    expectAdvertiserView(own.json, 'GET /v1/contracts/{id}/versions/1');

    for (const n of [2, 3]) {
      expect((await call('GET', `/v1/contracts/${contractId}/versions/${n}`, tokens.ops)).status).toBe(200);
      const hidden = await call('GET', `/v1/contracts/${contractId}/versions/${n}`, tokens.advertiser);
      expect(hidden.status, `version ${n}`).toBe(404);
      expectAdvertiserView(hidden.json, `version ${n}`);
    }
  });
});

describe('invoices in the advertiser view', () => {
  it('GET /v1/invoices lists the finalized, voided and credit-note documents only, without payouts or run internals', async () => {
    const internal = await ok('GET', `/v1/invoices?advertiserId=${advertiserId}`, tokens.finance);
    expect(internal.items.map((i: any) => i.id).sort()).toEqual(Object.values(invoices).sort());
    expect(internal.items.every((i: any) => typeof i.runId === 'string')).toBe(true);

    const own = await ok('GET', '/v1/invoices', tokens.advertiser);
    expect(own.items.map((i: any) => i.id).sort()).toEqual([invoices.finalized, invoices.voided, invoices.creditNote].sort());
    expect(own.items.map((i: any) => i.status).sort()).toEqual(['FINALIZED', 'FINALIZED', 'VOID']);
    expectAdvertiserView(own, 'GET /v1/invoices');
    expect((await ok('GET', '/v1/invoices?status=DRAFT', tokens.advertiser)).items).toEqual([]);
    expect((await ok('GET', '/v1/invoices?period=2027-01', tokens.advertiser)).items).toEqual([]);
  });

  it('GET /v1/invoices/{id}: issued documents without partner payouts; a draft answers 404', async () => {
    const internal = await ok('GET', `/v1/invoices/${invoices.finalized}`, tokens.finance);
    expect(internal.partnerPayouts.length).toBeGreaterThan(0);
    expect(internal.runId).toBe('run-2');

    for (const id of [invoices.finalized, invoices.voided, invoices.creditNote]) {
      const own = await call('GET', `/v1/invoices/${id}`, tokens.advertiser);
      expect(own.status, own.text).toBe(200);
      expect(own.json.lines.length).toBeGreaterThan(0);
      expectAdvertiserView(own.json, `GET /v1/invoices/${id}`);
    }
    expect((await call('GET', `/v1/invoices/${invoices.draft}`, tokens.finance)).status).toBe(200);
    const draft = await call('GET', `/v1/invoices/${invoices.draft}`, tokens.advertiser);
    expect(draft.status).toBe(404);
    expect(draft.json.error.code).toBe('not_found');
  });
});

describe('the advertiser record and confinement', () => {
  it('GET /v1/advertisers/{id} shows its own record without who created it', async () => {
    expect((await ok('GET', `/v1/advertisers/${advertiserId}`, tokens.ops)).createdBy).toBe('olga');
    const own = await ok('GET', `/v1/advertisers/${advertiserId}`, tokens.advertiser);
    expect(own).toMatchObject({ id: advertiserId, name: 'Acme', currency: 'USD' });
    expectAdvertiserView(own, 'GET /v1/advertisers/{id}');
  });

  it('a token carrying an advertiserId is confined to it whatever its roles, even without the advertiser role', async () => {
    const staffWithTenant = await api.token({ sub: 'mallory', roles: ['finance', 'ops'], advertiserId });
    // Its staff roles open no staff route...
    expect((await call('GET', '/v1/exports?period=2027-01', staffWithTenant)).status).toBe(403);
    expect((await call('POST', `/v1/invoices/${invoices.draft}/finalize`, staffWithTenant, {})).status).toBe(403);
    expect((await call('POST', '/v1/contracts', staffWithTenant, {})).status).toBe(403);
    // ...and what it reads is the advertiser view.
    const list = await ok('GET', '/v1/invoices', staffWithTenant);
    expect(list.items.map((i: any) => i.id)).not.toContain(invoices.draft);
    expectAdvertiserView(list, 'GET /v1/invoices as finance+advertiserId');
    expectAdvertiserView(await ok('GET', `/v1/contracts/${contractId}`, staffWithTenant), 'GET /v1/contracts/{id} as finance+advertiserId');
    const other = await api.token({ sub: 'mallory', roles: ['finance'], advertiserId: 'adv_someone_else' });
    expect((await call('GET', `/v1/invoices/${invoices.finalized}`, other)).status).toBe(404);
    expect((await ok('GET', '/v1/invoices', other)).items).toEqual([]);
  });
});
