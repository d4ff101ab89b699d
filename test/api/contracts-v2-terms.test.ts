/**
 * The v2 deal structures through the contract routes (local HTTP server, DynamoDB Local): every
 * v2 terms field is accepted by POST /v1/contracts, PUT versions and amendments, kept as sent,
 * and uplifted by renewals; each broken rule is a 400 naming the field's path, and nothing is
 * stored; the OpenAPI document shows the new fields.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api';
import { tableSnapshot } from '../hardening/support';

let api: TestApi;
const t: Record<string, string> = {};
let advertiserId: string;
let partnerA: string;
let partnerB: string;

const payout = (flat: string, extra: Record<string, unknown> = {}) => ({ flat, percentOfValue: '0', min: null, max: null, ...extra });

function v2Terms() {
  return {
    charges: [
      { id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '12.50' } },
      { id: 'views', kind: 'CPCV', pricing: { model: 'GRADUATED', tiers: [{ upTo: 100000, rate: '0.035' }, { upTo: null, rate: '0.03' }] }, billableSource: 'FIRST_PARTY' },
      {
        id: 'buy', kind: 'CPA', event: 'PURCHASE', attributionWindowDays: 7,
        payoutTiers: { model: 'VOLUME', tiers: [{ upTo: 100, payout: payout('20.00') }, { upTo: null, payout: payout('25.00') }] },
        partnerOverrides: [{ partnerIds: [partnerA], payout: payout('30.00', { max: '40.00' }) }],
        attribution: 'LAST_TOUCH',
      },
    ],
    partners: [{ partnerId: partnerB, chargeIds: ['views'], percentOfRevenue: '50' }],
    performanceGuarantee: { maxCostPerConversion: '40.00', mediaChargeIds: ['ctv', 'views'], conversionChargeIds: ['buy'] },
  };
}

beforeAll(async () => {
  api = await startTestApi();
  [t.ops, t.approver] = await Promise.all([api.token({ sub: 'olga', roles: ['ops'] }), api.token({ sub: 'april', roles: ['approver'] })]);
  advertiserId = (await api.request('POST', '/v1/advertisers', { token: t.ops, body: { name: 'Acme', currency: 'USD', timezone: 'UTC' } })).json.id;
  partnerA = (await api.request('POST', '/v1/partners', { token: t.ops, body: { name: 'Affiliate A' } })).json.id;
  partnerB = (await api.request('POST', '/v1/partners', { token: t.ops, body: { name: 'Publisher B' } })).json.id;
});
afterAll(() => api?.stop());

const contractBody = (terms: unknown) => ({ advertiserId, name: 'Acme v2', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-06-30', terms });

describe('v2 terms on the contract routes', () => {
  it('create, edit, approve, amend and renew with every v2 field; renewals uplift the performance prices', async () => {
    const created = await api.request('POST', '/v1/contracts', { token: t.ops, body: contractBody(v2Terms()) });
    expect(created.status, created.text).toBe(201);
    const id = created.json.id as string;
    const v1 = created.json.versions[0].terms;
    expect(v1.charges[1]).toEqual({ id: 'views', kind: 'CPCV', pricing: { model: 'GRADUATED', tiers: [{ upTo: 100000, rate: '0.035' }, { upTo: null, rate: '0.03' }] }, billableSource: 'FIRST_PARTY' });
    expect(v1.charges[2]).toMatchObject({ payoutTiers: v2Terms().charges[2]!.payoutTiers, partnerOverrides: [{ partnerIds: [partnerA] }], attribution: 'LAST_TOUCH' });
    expect(v1.charges[2].payout ?? null).toBeNull();
    expect(v1.performanceGuarantee).toEqual({ maxCostPerConversion: '40.00', mediaChargeIds: ['ctv', 'views'], conversionChargeIds: ['buy'] });

    const edited = v2Terms();
    edited.charges[2]!.attribution = 'FIRST_TOUCH';
    const put = await api.request('PUT', `/v1/contracts/${id}/versions/1`, { token: t.ops, body: { terms: edited }, headers: { 'if-match': '"1"' } });
    expect(put.status, put.text).toBe(200);
    expect(put.json.terms.charges[2].attribution).toBe('FIRST_TOUCH');

    await api.request('POST', `/v1/contracts/${id}/versions/1/submit`, { token: t.ops });
    expect((await api.request('POST', `/v1/contracts/${id}/versions/1/approve`, { token: t.approver })).json.status).toBe('APPROVED');

    const amended = v2Terms();
    amended.performanceGuarantee.maxCostPerConversion = '35.00';
    const amendment = await api.request('POST', `/v1/contracts/${id}/amendments`, { token: t.ops, body: { effectiveFrom: '2027-04-01', terms: amended } });
    expect(amendment.status, amendment.text).toBe(201);
    expect(amendment.json.terms.performanceGuarantee.maxCostPerConversion).toBe('35.00');
    await api.request('POST', `/v1/contracts/${id}/versions/2/submit`, { token: t.ops });
    await api.request('POST', `/v1/contracts/${id}/versions/2/approve`, { token: t.approver });

    const renewal = await api.request('POST', `/v1/contracts/${id}/renewals`, { token: t.ops, body: { termMonths: 6, rateUpliftPct: '10' } });
    expect(renewal.status, renewal.text).toBe(201);
    const renewed = renewal.json.terms;
    // Continues the terms in force on endDate (version 2), each performance price x 1.10.
    expect(renewed.charges[0].pricing.rate).toBe('13.75');
    expect(renewed.charges[1].pricing.tiers.map((tier: { rate: string }) => tier.rate)).toEqual(['0.0385', '0.033']);
    expect(renewed.charges[2].payoutTiers.tiers.map((tier: { payout: { flat: string } }) => tier.payout.flat)).toEqual(['22.00', '27.50']);
    expect(renewed.charges[2].partnerOverrides[0].payout).toEqual({ flat: '33.00', percentOfValue: '0', min: null, max: '44.00' });
    expect(renewed.performanceGuarantee.maxCostPerConversion).toBe('38.50');
    expect(renewed.partners).toEqual(v2Terms().partners);
  });

  it('every broken v2 rule is a 400 with its field path, and nothing is stored', async () => {
    const broken: Array<[string, (terms: ReturnType<typeof v2Terms>) => void, string]> = [
      ['payout and payoutTiers', (x) => Object.assign(x.charges[2]!, { payout: payout('5.00') }), 'terms.charges.2.payoutTiers'],
      ['neither payout nor payoutTiers', (x) => delete (x.charges[2] as Record<string, unknown>).payoutTiers, 'terms.charges.2.payout'],
      ['a partner in two overrides', (x) => x.charges[2]!.partnerOverrides!.push({ partnerIds: [partnerA], payout: payout('1.00') }), 'terms.charges.2.partnerOverrides.1.partnerIds.0'],
      ['an unknown attribution', (x) => Object.assign(x.charges[2]!, { attribution: 'LINEAR' }), 'terms.charges.2.attribution'],
      ['a CPCV discrepancy threshold', (x) => Object.assign(x.charges[1]!, { discrepancyThresholdPct: '10' }), 'terms.charges.1.discrepancyThresholdPct'],
      ['payoutTiers on a CPM charge', (x) => Object.assign(x.charges[0]!, { payoutTiers: x.charges[2]!.payoutTiers }), 'terms.charges.0.payoutTiers'],
      ['payout tiers descending', (x) => { x.charges[2]!.payoutTiers!.tiers = [{ upTo: 100, payout: payout('1.00') }, { upTo: 50, payout: payout('1.00') }, { upTo: null, payout: payout('1.00') }]; }, 'terms.charges.2.payoutTiers.tiers.1.upTo'],
      ['a tier payout with too many digits', (x) => { x.charges[2]!.payoutTiers!.tiers[0]!.payout.flat = '20.001'; }, 'terms.charges.2.payoutTiers.tiers.0.payout.flat'],
      ['an override min above max', (x) => { x.charges[2]!.partnerOverrides![0]!.payout = payout('30.00', { min: '50.00', max: '40.00' }); }, 'terms.charges.2.partnerOverrides.0.payout'],
      ['a guarantee naming a CPA charge as media', (x) => { x.performanceGuarantee.mediaChargeIds = ['buy']; }, 'terms.performanceGuarantee.mediaChargeIds.0'],
      ['a guarantee naming no conversion charge', (x) => { x.performanceGuarantee.conversionChargeIds = []; }, 'terms.performanceGuarantee.conversionChargeIds'],
      ['a guarantee naming an unknown charge', (x) => { x.performanceGuarantee.conversionChargeIds = ['nope']; }, 'terms.performanceGuarantee.conversionChargeIds.0'],
      ['a guarantee amount with too many digits', (x) => { x.performanceGuarantee.maxCostPerConversion = '40.005'; }, 'terms.performanceGuarantee.maxCostPerConversion'],
      ['an unknown field in the guarantee', (x) => Object.assign(x.performanceGuarantee, { cap: '1' }), 'terms.performanceGuarantee.cap'],
      ['an override of an unknown partner', (x) => { x.charges[2]!.partnerOverrides![0]!.partnerIds = ['ptn_nobody']; }, 'terms.charges.2.partnerOverrides.0.partnerIds.0'],
    ];
    const before = await tableSnapshot(api.tableName);
    for (const [name, breakIt, path] of broken) {
      const terms = v2Terms();
      breakIt(terms);
      const res = await api.request('POST', '/v1/contracts', { token: t.ops, body: contractBody(terms) });
      expect(res.status, `${name}: ${res.text}`).toBe(400);
      expect(res.json.error.details.map((d: { path: string }) => d.path), name).toContain(path);
    }
    expect(await tableSnapshot(api.tableName)).toEqual(before);
  });

  it('the OpenAPI document shows the v2 terms', async () => {
    const doc = (await api.request('GET', '/v1/openapi.json')).json;
    const text = JSON.stringify(doc);
    for (const field of ['payoutTiers', 'partnerOverrides', 'attribution', 'LAST_TOUCH', 'CPCV', 'performanceGuarantee', 'maxCostPerConversion', 'completedViews']) {
      expect(text, field).toContain(field);
    }
    expect(doc.paths['/v1/contracts/{id}/credits'].post).toBeDefined();
  });
});
