import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api';
import { conversion, impression } from '../unit/usage/fixtures';

let api: TestApi;
let ops: string;
let contractId: string;

const post = (path: string, body: unknown, headers: Record<string, string> = {}, token = ops) => api.request('POST', path, { token, body, headers });

beforeAll(async () => {
  api = await startTestApi();
  ops = await api.token({ sub: 'olivia', roles: ['ops'] });
  const advertiser = await post('/v1/advertisers', { name: 'Acme', currency: 'USD', timezone: 'America/New_York' });
  expect(advertiser.status).toBe(201);
  const contract = await post('/v1/contracts', {
    advertiserId: advertiser.json.id,
    name: 'Acme CTV 2027',
    currency: 'USD',
    timezone: 'America/New_York',
    startDate: '2027-01-01',
    endDate: '2027-12-31',
    terms: {
      charges: [
        { id: 'ctv-premium', kind: 'CPM', pricing: { model: 'FLAT', rate: '12.50' } },
        { id: 'purchase', kind: 'CPA', event: 'PURCHASE', payout: { flat: '25.00' }, attributionWindowDays: 7 },
      ],
    },
  });
  expect(contract.status, contract.text).toBe(201);
  contractId = contract.json.id;
});

afterAll(async () => {
  await api?.stop();
});

describe('POST /v1/usage/impressions', () => {
  it('answers 202 with counts, and a re-send replaces (idempotent)', async () => {
    const body = { contractId, records: [impression({ count: 5 }), impression({ date: '2027-01-06' }), impression({ count: 6 })] };
    const first = await post('/v1/usage/impressions', body);
    expect(first.status, first.text).toBe(202);
    expect(first.json).toEqual({ accepted: 2, duplicates: 1 });
    const again = await post('/v1/usage/impressions', body);
    expect(again.json).toEqual({ accepted: 2, duplicates: 1 });
  });

  it('rejects the whole batch with every bad path and stores nothing', async () => {
    const records: unknown[] = Array.from({ length: 13 }, (_, i) => impression({ date: `2027-03-${String(i + 1).padStart(2, '0')}` }));
    records[2] = { ...impression({ date: '2027-03-20' }), count: -1 };
    records[12] = impression({ date: '2027-03-21', chargeId: 'nope' });
    const res = await post('/v1/usage/impressions', { contractId, records });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_failed');
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toEqual(['records.2.count', 'records.12.chargeId']);
    // Nothing of March was stored: the same good records are all new afterwards.
    const good = records.filter((_, i) => i !== 2 && i !== 12);
    expect((await post('/v1/usage/impressions', { contractId, records: good })).json).toEqual({ accepted: 11, duplicates: 0 });
  });

  it('answers 413 at 1,001 records and 202 at 1,000', { timeout: 120_000 }, async () => {
    // 1,000 distinct identities: 250 days of the term for each of 4 partners of the directory.
    const partners: string[] = [];
    for (let p = 0; p < 4; p++) partners.push((await post('/v1/partners', { name: `Publisher ${p}` })).json.id);
    const day = (i: number) => new Date(Date.UTC(2027, 0, 1 + (i % 250))).toISOString().slice(0, 10);
    const many = (n: number) => Array.from({ length: n }, (_, i) => impression({ date: day(i), partnerId: partners[Math.floor(i / 250) % 4] }));
    const over = await post('/v1/usage/impressions', { contractId, records: many(1_001) });
    expect(over.status).toBe(413);
    const full = await post('/v1/usage/impressions', { contractId, records: many(1_000) });
    expect(full.status).toBe(202);
    expect(full.json).toEqual({ accepted: 1_000, duplicates: 0 });
  });

  it('answers 404 for an unknown contract, 400 for a bad envelope, 403 for other roles', async () => {
    expect((await post('/v1/usage/impressions', { contractId: 'ctr_missing', records: [impression()] })).status).toBe(404);
    const bad = await post('/v1/usage/impressions', { records: [] });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.map((d: { path: string }) => d.path)).toContain('contractId');
    const finance = await api.token({ sub: 'fiona', roles: ['finance'] });
    expect((await post('/v1/usage/impressions', { contractId, records: [] }, {}, finance)).status).toBe(403);
    const admin = await api.token({ sub: 'ada', roles: ['admin'] });
    expect((await post('/v1/usage/impressions', { contractId, records: [] }, {}, admin)).status).toBe(202);
  });
});

describe('POST /v1/usage/conversions', () => {
  it('counts duplicates, replays an Idempotency-Key, and 422s a reused key with another body', async () => {
    const body = { contractId, records: [conversion({ id: 'a-1' }), conversion({ id: 'a-2' }), conversion({ id: 'a-1' })] };
    const first = await post('/v1/usage/conversions', body, { 'idempotency-key': 'batch-a' });
    expect(first.status, first.text).toBe(202);
    expect(first.json).toEqual({ accepted: 2, duplicates: 1 });
    const replay = await post('/v1/usage/conversions', body, { 'idempotency-key': 'batch-a' });
    expect(replay.json).toEqual({ accepted: 2, duplicates: 1 });
    const resent = await post('/v1/usage/conversions', body);
    expect(resent.json).toEqual({ accepted: 0, duplicates: 3 });
    expect((await post('/v1/usage/conversions', { contractId, records: [] }, { 'idempotency-key': 'batch-a' })).status).toBe(422);
  });

  it("rejects money with more digits than the contract's currency", async () => {
    const res = await post('/v1/usage/conversions', { contractId, records: [conversion({ id: 'b-1' }), conversion({ id: 'b-2', value: '1.005' })] });
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual([{ path: 'records.1.value', message: expect.stringContaining('USD') }]);
  });
});

describe('POST /v1/usage/conversions/{id}/reversal', () => {
  it('reverses once, then 409; 404 for an unknown conversion or contract', async () => {
    await post('/v1/usage/conversions', { contractId, records: [conversion({ id: 'r-1', occurredAt: '2027-02-01T03:00:00Z' })] });
    const body = { contractId, reversedAt: '2027-02-10T00:00:00Z', reason: 'chargeback' };
    const res = await post('/v1/usage/conversions/r-1/reversal', body);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ id: 'r-1', contractId, period: '2027-01', reversedAt: '2027-02-10T00:00:00Z', reversalReason: 'chargeback' });
    const again = await post('/v1/usage/conversions/r-1/reversal', body);
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('conversion_already_reversed');
    expect((await post('/v1/usage/conversions/nope/reversal', body)).status).toBe(404);
    expect((await post('/v1/usage/conversions/r-1/reversal', { ...body, contractId: 'ctr_missing' })).status).toBe(404);
    expect((await post('/v1/usage/conversions/r-1/reversal', { contractId, reversedAt: 'yesterday', reason: '' })).status).toBe(400);
  });
});
