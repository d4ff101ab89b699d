/**
 * Money never passes through a JS number: amounts far above 2^53 minor units round-trip
 * exactly through POST, GET and the DynamoDB item (stored as a string attribute), the approval
 * policy's committed value is exact, and a quote over counts and values past 2^53 returns the
 * decimal strings big.js computes.
 */
import { Big } from 'big.js';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../shared/adapters/dynamodb/table';
import { dynamoClient } from '../support/aws';
import { startTestApi, type TestApi } from '../support/api';
import { quietHandlerLogs } from './support';

quietHandlerLogs();

let api: TestApi;
let ops: string;
let finance: string;
let advertiserId: string;

beforeAll(async () => {
  api = await startTestApi();
  ops = await api.token({ sub: 'olga', roles: ['ops'] });
  finance = await api.token({ sub: 'fiona', roles: ['finance'] });
  advertiserId = (await api.request('POST', '/v1/advertisers', { token: ops, body: { name: 'Whale', currency: 'USD', timezone: 'UTC' } })).json.id;
});
afterAll(() => api?.stop());

const MINIMUM = '123456789012345678.91';
const CAP = '1000000000000000000.00';
const HUGE_FLAT = '99999999999999999999.99';

const cpmTerms = { charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '987654.123456' } }], minimumCommitment: { amount: MINIMUM, prorate: false }, budgetCap: { amount: CAP, scope: 'CONTRACT' } };
const cpaTerms = {
  charges: [{ id: 'buy', kind: 'CPA', event: 'PURCHASE', payout: { flat: HUGE_FLAT, percentOfValue: '12.5', min: '0.01', max: '99999999999999999999999.99' }, attributionWindowDays: 7, eligibility: { minValue: '12345678901234567890.12' } }],
  budgetCap: { amount: MINIMUM, scope: 'PERIOD' },
};

/** The raw attribute values of a stored version: strings stay `S`, never `N`. */
async function storedVersion(contractId: string): Promise<Record<string, unknown>> {
  const client = dynamoClient();
  const { Item } = await client.send(new GetItemCommand({ TableName: api.tableName, Key: { pk: { S: keys.version(contractId, 1).pk }, sk: { S: keys.version(contractId, 1).sk } }, ConsistentRead: true }));
  client.destroy();
  return Item as Record<string, unknown>;
}

describe('amounts past 2^53 minor units', () => {
  it('a CPM contract\'s minimum commitment and cap round-trip exactly through POST, GET and DynamoDB; the committed value is exact', async () => {
    expect(Big(MINIMUM).times(100).gt(Big(2).pow(53))).toBe(true);
    const body = { advertiserId, name: 'Whale CPM', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', terms: cpmTerms };
    const created = await api.request('POST', '/v1/contracts', { token: ops, body });
    expect(created.status, created.text).toBe(201);
    // The raw JSON text carries the digits as written, not a float's rendering.
    expect(created.text).toContain(`"amount":"${MINIMUM}"`);
    expect(created.json.versions[0].terms.minimumCommitment.amount).toBe(MINIMUM);
    expect(created.json.versions[0].terms.budgetCap.amount).toBe(CAP);
    expect(created.json.versions[0].terms.charges[0].pricing.rate).toBe('987654.123456');
    const id = created.json.id as string;

    const read = await api.request('GET', `/v1/contracts/${id}/versions/1`, { token: ops });
    expect(read.json.terms.minimumCommitment.amount).toBe(MINIMUM);
    expect(read.json.terms.budgetCap.amount).toBe(CAP);
    expect(read.text).toContain(`"amount":"${MINIMUM}"`);

    const item = await storedVersion(id);
    const terms = (item.terms as { M: Record<string, any> }).M;
    expect(terms.minimumCommitment.M.amount).toEqual({ S: MINIMUM });
    expect(terms.budgetCap.M.amount).toEqual({ S: CAP });
    expect(terms.charges.L[0].M.pricing.M.rate).toEqual({ S: '987654.123456' });

    // 12 months x the minimum is larger than the cap: the committed value, exactly.
    const submitted = await api.request('POST', `/v1/contracts/${id}/versions/1/submit`, { token: ops });
    expect(submitted.status, submitted.text).toBe(200);
    const committed = Big(MINIMUM).times(12);
    expect(committed.gt(CAP)).toBe(true);
    expect(Big(submitted.json.requirement.committedValue).eq(committed)).toBe(true);
    expect(submitted.json.requirement.committedValue).toMatch(/^1481481468148148146\.92?0*$/);
    expect(submitted.json.requirement).toMatchObject({ approvals: 2, financeRequired: true });
  });

  it('a CPA contract\'s payouts, eligibility and cap round-trip exactly', async () => {
    const body = { advertiserId, name: 'Whale CPA', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', terms: cpaTerms };
    const created = await api.request('POST', '/v1/contracts', { token: ops, body });
    expect(created.status, created.text).toBe(201);
    for (const res of [created.json.versions[0], (await api.request('GET', `/v1/contracts/${created.json.id}/versions/1`, { token: ops })).json]) {
      expect(res.terms.charges[0].payout).toEqual({ flat: HUGE_FLAT, percentOfValue: '12.5', min: '0.01', max: '99999999999999999999999.99' });
      expect(res.terms.charges[0].eligibility.minValue).toBe('12345678901234567890.12');
      expect(res.terms.budgetCap).toEqual({ amount: MINIMUM, scope: 'PERIOD' });
    }
    const terms = ((await storedVersion(created.json.id)).terms as { M: Record<string, any> }).M;
    expect(terms.charges.L[0].M.payout.M.flat).toEqual({ S: HUGE_FLAT });
  });

  it('a numeric amount is refused, never coerced', async () => {
    const res = await api.request('POST', '/v1/contracts', {
      token: ops,
      // A JSON number past double precision is what this test sends; the loss is the point.
      // eslint-disable-next-line no-loss-of-precision
      body: { advertiserId, name: 'x', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', terms: { ...cpmTerms, minimumCommitment: { amount: 123456789012345678.91, prorate: false } } },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain('terms.minimumCommitment.amount');
  });
});

/** A one-month case of a CPM and a CPA charge. */
function quoteCase(impressions: number[], values: string[], flat: string) {
  return {
    contract: {
      currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', rounding: 'HALF_EVEN',
      versions: [{
        effectiveFrom: '2027-01-01',
        charges: [
          { id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: RATE } },
          { id: 'buy', kind: 'CPA', event: 'PURCHASE', payout: { flat, percentOfValue: '10' }, attributionWindowDays: 7 },
        ],
      }],
    },
    usage: {
      impressions: impressions.map((count, i) => ({ date: `2027-01-0${i + 1}`, chargeId: 'ctv', count, source: 'FIRST_PARTY' })),
      conversions: values.map((value, i) => ({ id: `cv-${i}`, event: 'PURCHASE', occurredAt: `2027-01-1${i}T10:00:00Z`, exposureAt: `2027-01-1${i}T09:00:00Z`, value, geo: 'US', newCustomer: true })),
    },
    runs: [{ period: '2027-01', asOf: '2027-02-01T00:00:00Z' }],
  };
}
const RATE = '987654.123456';

describe('quotes with amounts past 2^53 minor units', () => {
  it('returns the exact decimal strings big.js computes', async () => {
    // The largest counts and conversion values the engine takes (its aggregates are exact integers).
    const impressions = [Number.MAX_SAFE_INTEGER - 2, 1, 1];
    const values = ['90071992547409.91', '12345678901234.57', '0.01'];
    const flat = '123456789012345678.91';
    const res = await api.request('POST', '/v1/quotes', { token: finance, body: quoteCase(impressions, values, flat) });
    expect(res.status, res.text).toBe(200);
    const [invoice] = res.json.invoices;
    const line = (chargeId: string) => invoice.lines.find((l: { chargeId?: string; type: string }) => l.type === 'USAGE' && l.chargeId === chargeId);

    const count = impressions.reduce((sum, n) => sum.plus(n), Big(0));
    expect(line('ctv').quantity).toBe(count.toFixed());
    const cpm = count.times(RATE).div(1000).round(2, Big.roundHalfEven);
    expect(cpm.times(100).gt(Big(2).pow(53))).toBe(true);
    expect(line('ctv').amount).toBe(cpm.toFixed(2));

    const payouts = values.reduce((sum, v) => sum.plus(flat).plus(Big(v).times(10).div(100)), Big(0));
    const cpa = payouts.round(2, Big.roundHalfEven);
    expect(cpa.times(100).gt(Big(2).pow(53))).toBe(true);
    expect(line('buy').quantity).toBe('3');
    expect(line('buy').amount).toBe(cpa.toFixed(2));

    expect(invoice.subtotal).toBe(cpm.plus(cpa).toFixed(2));
    expect(invoice.total).toBe(cpm.plus(cpa).toFixed(2));
    // The response text carries the digits verbatim: nothing went through a float on the way out.
    expect(res.text).toContain(`"amount":"${cpm.toFixed(2)}"`);
  });

  it('counts or values the engine cannot hold exactly are refused with their paths (400), never rounded', async () => {
    const res = await api.request('POST', '/v1/quotes', {
      token: finance,
      body: quoteCase([Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], ['123456789012345678.91'], '0.01'),
    });
    expect(res.status, res.text).toBe(400);
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['usage.impressions', 'usage.conversions.0.value']));
  });
});
