/**
 * The directory through the local HTTP server with real tokens: advertisers with billing
 * profiles and partners listed, read and replaced with If-Match, every change in the audit
 * trail; partner ids in contract terms and usage checked against the directory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { auditAggregate } from '../../shared/domain/audit/entry';
import { documentClient } from '../support/aws';
import { startTestApi, startTestAuditPoller, type TestApi } from '../support/api';

let api: TestApi;
let poller: Awaited<ReturnType<typeof startTestAuditPoller>>;
let ops: string;
let finance: string;
let admin: string;
let approver: string;

const profile = {
  legalName: 'Acme Streaming GmbH',
  address: { line1: 'Friedrichstraße 1', city: 'Berlin', postalCode: '10117', country: 'DE' },
  taxId: 'DE123456789',
  tax: { kind: 'REVERSE_CHARGE', note: 'Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)' },
  paymentTermsDays: 30,
  invoiceEmail: 'billing@acme.example',
};

const create = async (path: string, body: object) => {
  const res = await api.request('POST', path, { token: ops, body });
  expect(res.status, res.text).toBe(201);
  return res.json;
};

beforeAll(async () => {
  api = await startTestApi();
  poller = await startTestAuditPoller();
  [ops, finance, admin, approver] = await Promise.all([
    api.token({ sub: 'olga', roles: ['ops'] }),
    api.token({ sub: 'fiona', roles: ['finance'] }),
    api.token({ sub: 'adam', roles: ['admin'] }),
    api.token({ sub: 'april', roles: ['approver'] }),
  ]);
});
afterAll(async () => {
  await poller?.stop();
  await api?.stop();
});

describe('advertisers and billing profiles', () => {
  it('creates with a billing profile, replaces it with If-Match, and audits each change', async () => {
    const created = await create('/v1/advertisers', { name: 'Acme DE', currency: 'EUR', timezone: 'Europe/Berlin', billingProfile: profile });
    expect(created.billingProfile).toEqual(profile);
    const id = created.id as string;

    const read = await api.request('GET', `/v1/advertisers/${id}`, { token: finance });
    expect(read.headers.get('etag')).toBe('"1"');

    const next = { ...profile, tax: { kind: 'RATE', ratePct: '19', label: 'VAT' }, paymentTermsDays: 45 };
    const body = { name: 'Acme Deutschland', currency: 'EUR', timezone: 'Europe/Berlin', billingProfile: next };
    expect((await api.request('PUT', `/v1/advertisers/${id}`, { token: ops, body })).status).toBe(428);
    const put = await api.request('PUT', `/v1/advertisers/${id}`, { token: admin, body, headers: { 'if-match': '"1"' } });
    expect(put.status, put.text).toBe(200);
    expect(put.json).toMatchObject({ name: 'Acme Deutschland', version: 2, billingProfile: next });
    expect(put.headers.get('etag')).toBe('"2"');
    const stale = await api.request('PUT', `/v1/advertisers/${id}`, { token: ops, body: { ...body, name: 'Late' }, headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(412);
    expect((await api.request('GET', `/v1/advertisers/${id}`, { token: ops })).json.name).toBe('Acme Deutschland');

    await poller.drain();
    const trail = await new DynamoAuditRepository(documentClient(), api.tableName).listEntries(auditAggregate.advertiser(id), { limit: 10 });
    expect(trail.items.map((e) => [e.action, e.actor])).toEqual([
      ['CREATED', 'olga'],
      ['UPDATED', 'adam'],
    ]);
    expect(trail.items[1]!.before).toMatchObject({ name: 'Acme DE', billingProfile: { paymentTermsDays: 30 } });
    expect(trail.items[1]!.after).toMatchObject({ name: 'Acme Deutschland', billingProfile: { tax: { kind: 'RATE', ratePct: '19', label: 'VAT' } } });
    expect(poller.failures).toEqual([]);
  });

  it('rejects a bad billing profile with field paths and changes nothing', async () => {
    const { id } = await create('/v1/advertisers', { name: 'Strict Ltd', currency: 'GBP', timezone: 'Europe/London' });
    const bad = {
      ...profile,
      address: { ...profile.address, country: 'UK' },
      invoiceEmail: 'billing at strict',
      tax: { kind: 'RATE', ratePct: '20.5%', label: 'VAT' },
      paymentTermsDays: -1,
    };
    const res = await api.request('PUT', `/v1/advertisers/${id}`, {
      token: ops,
      body: { name: 'Strict Ltd', currency: 'GBP', timezone: 'Europe/London', billingProfile: bad },
      headers: { 'if-match': '"1"' },
    });
    expect(res.status).toBe(400);
    const paths = res.json.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['billingProfile.address.country', 'billingProfile.invoiceEmail', 'billingProfile.tax.ratePct', 'billingProfile.paymentTermsDays']));
    for (const tax of [{ kind: 'RATE', ratePct: '101', label: 'VAT' }, { kind: 'REVERSE_CHARGE' }, { kind: 'ZERO' }, { kind: 'EXEMPT', note: 'x' }]) {
      const r = await api.request('POST', '/v1/advertisers', { token: ops, body: { name: 'X', currency: 'GBP', timezone: 'Europe/London', billingProfile: { ...profile, tax } } });
      expect(r.status, JSON.stringify(tax)).toBe(400);
    }
    const currency = await api.request('PUT', `/v1/advertisers/${id}`, { token: ops, body: { name: 'Strict Ltd', currency: 'USD', timezone: 'Europe/London' }, headers: { 'if-match': '"1"' } });
    expect(currency.status).toBe(400);
    expect(currency.json.error.details[0].path).toBe('currency');
    const after = await api.request('GET', `/v1/advertisers/${id}`, { token: ops });
    expect(after.json).toMatchObject({ version: 1, billingProfile: null, currency: 'GBP' });
    expect((await api.request('PUT', '/v1/advertisers/adv-ghost', { token: ops, body: { name: 'G', currency: 'GBP', timezone: 'Europe/London' }, headers: { 'if-match': '"1"' } })).status).toBe(404);
  });

  it('lists by name prefix and currency with cursors', async () => {
    for (const name of ['Zeta One', 'zeta two', 'Zeta Three']) await create('/v1/advertisers', { name, currency: 'USD', timezone: 'UTC' });
    const first = await api.request('GET', '/v1/advertisers?name=ZETA&limit=2', { token: finance });
    expect(first.status).toBe(200);
    expect(first.json.items.map((a: { name: string }) => a.name)).toEqual(['Zeta One', 'Zeta Three']);
    expect(first.json.nextCursor).toEqual(expect.any(String));
    const second = await api.request('GET', `/v1/advertisers?name=ZETA&limit=2&cursor=${first.json.nextCursor}`, { token: finance });
    expect(second.json.items.map((a: { name: string }) => a.name)).toEqual(['zeta two']);
    const gbp = await api.request('GET', '/v1/advertisers?currency=GBP', { token: ops });
    expect(gbp.json.items.every((a: { currency: string }) => a.currency === 'GBP')).toBe(true);
    expect(gbp.json.items.length).toBeGreaterThan(0);
    const foreignCursor = await api.request('GET', `/v1/partners?cursor=${first.json.nextCursor}`, { token: ops });
    expect(foreignCursor.status).toBe(400);
    expect((await api.request('GET', '/v1/advertisers', { token: approver })).status).toBe(403);
  });
});

describe('partners', () => {
  it('reads, lists and renames a partner with If-Match, audited', async () => {
    const { id } = await create('/v1/partners', { name: 'StreamPub' });
    const read = await api.request('GET', `/v1/partners/${id}`, { token: finance });
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ id, name: 'StreamPub', version: 1 });
    expect(read.headers.get('etag')).toBe('"1"');
    const renamed = await api.request('PUT', `/v1/partners/${id}`, { token: ops, body: { name: 'StreamPub Media' }, headers: { 'if-match': '"1"' } });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toMatchObject({ name: 'StreamPub Media', version: 2 });
    expect((await api.request('PUT', `/v1/partners/${id}`, { token: ops, body: { name: 'Again' }, headers: { 'if-match': '"1"' } })).status).toBe(412);
    expect((await api.request('PUT', `/v1/partners/${id}`, { token: finance, body: { name: 'Again' }, headers: { 'if-match': '"2"' } })).status).toBe(403);
    const list = await api.request('GET', '/v1/partners?name=streampub', { token: admin });
    expect(list.json.items.map((p: { id: string }) => p.id)).toContain(id);
    expect((await api.request('GET', '/v1/partners/ptn-ghost', { token: ops })).status).toBe(404);
    await poller.drain();
    const trail = await new DynamoAuditRepository(documentClient(), api.tableName).listEntries(auditAggregate.partner(id), { limit: 10 });
    expect(trail.items.map((e) => e.action)).toEqual(['CREATED', 'UPDATED']);
  });
});

describe('partner ids must be in the directory', () => {
  it('answers 400 naming the unknown partner for terms and usage, and stores nothing', async () => {
    const { id: advertiserId } = await create('/v1/advertisers', { name: 'Partnered', currency: 'USD', timezone: 'UTC' });
    const { id: known } = await create('/v1/partners', { name: 'Known' });
    const terms = (partnerId: string) => ({
      charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '10' } }],
      partners: [{ partnerId: known, chargeIds: ['ctv'], percentOfRevenue: '10' }, { partnerId, chargeIds: ['ctv'], percentOfRevenue: '5' }],
    });
    const contractBody = (partnerId: string) => ({ advertiserId, name: 'P', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', poNumber: 'PO-2027/0042', terms: terms(partnerId) });

    const bad = await api.request('POST', '/v1/contracts', { token: ops, body: contractBody('ptn-nobody') });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'unknown_partner', details: [{ path: 'terms.partners.1.partnerId' }] });
    expect(bad.json.error.message).toContain('ptn-nobody');
    expect((await api.request('GET', `/v1/contracts?advertiserId=${advertiserId}`, { token: ops })).json.items).toEqual([]);

    const good = await api.request('POST', '/v1/contracts', { token: ops, body: contractBody(known) });
    expect(good.status, good.text).toBe(201);
    expect(good.json.poNumber).toBe('PO-2027/0042');
    const contractId = good.json.id as string;
    const put = await api.request('PUT', `/v1/contracts/${contractId}/versions/1`, { token: ops, body: { terms: terms('ptn-gone') }, headers: { 'if-match': '"1"' } });
    expect(put.status).toBe(400);
    expect(put.json.error.message).toContain('ptn-gone');
    expect((await api.request('GET', `/v1/contracts/${contractId}/versions/1`, { token: ops })).json.version).toBe(1);

    const impressions = await api.request('POST', '/v1/usage/impressions', {
      token: ops,
      body: { contractId, records: [{ date: '2027-01-02', chargeId: 'ctv', count: 10, source: 'FIRST_PARTY', partnerId: known }, { date: '2027-01-03', chargeId: 'ctv', count: 10, source: 'FIRST_PARTY', partnerId: 'ptn-ghost' }] },
    });
    expect(impressions.status).toBe(400);
    expect(impressions.json.error).toMatchObject({ code: 'unknown_partner', details: [{ path: 'records.1.partnerId' }] });
    const conversions = await api.request('POST', '/v1/usage/conversions', {
      token: ops,
      body: { contractId, records: [{ id: 'c1', event: 'PURCHASE', occurredAt: '2027-01-02T10:00:00Z', partnerId: 'ptn-ghost' }] },
    });
    expect(conversions.status).toBe(400);
    expect(conversions.json.error.message).toContain('ptn-ghost');
    const badPo = await api.request('POST', '/v1/contracts', { token: ops, body: { ...contractBody(known), poNumber: 'PO<script>' } });
    expect(badPo.status).toBe(400);
  });
});
