/**
 * Credits (make-goods) and the v2 structures end to end through the local HTTP server, the real
 * billing workflow and DynamoDB Local, under a fixed clock: an approved credit is invoiced as the
 * CREDIT line (its explanation naming the credit by id and reason) while pending and rejected
 * ones never are; the journal export posts credits and guarantee credits as contra-revenue and
 * balances; partner statements pay the partner whose touch won; spend to date and the impact
 * preview of an amendment count credits as the run does and agree with it to the cent.
 *
 * Contract (USD, UTC, 2027-01-01..2027-06-30), version 1:
 *   ctv  CPM FLAT 10.00 per 1,000            buy  CPA PURCHASE, 25.00 flat, 7-day window, LAST_TOUCH
 *   guarantee: at most 40.00 of ctv per buy conversion; budget cap 240.00 per period;
 *   agency commission 10 %; partners p1 5.00 and p2 8.00 per buy conversion.
 * February: 20,000 impressions; cv-1 touched by p1 (exposure Feb 3) and p2 (Feb 4), cv-2 by p1.
 *   ctv 20,000 x 10.00 / 1,000 = 200.00; buy 2 x 25.00 = 50.00 (LAST_TOUCH: cv-1 is p2's).
 *   GUARANTEE_CREDIT: M 200.00, C 2, allowed 40.00 x 2 = 80.00 -> -120.00.
 *   Usage for the cap 250.00 - 120.00 = 130.00 <= 240.00: no cap line.
 *   CREDIT: the approved make-good -30.00 (a pending 10.00 and a rejected 15.00 are not rated).
 *   Commission: -(130.00 - 30.00) x 10 % = -10.00. Subtotal 100.00, total 90.00.
 *   Payouts: p1 1 x 5.00 (cv-2) = 5.00; p2 1 x 8.00 (cv-1) = 8.00.
 */
import '../workflow/quiet-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api';
import { s3Client } from '../support/aws';
import { LocalBillingWorkflow, synthesizeBillingWorkflow } from '../../scripts/lib/local-workflow';
import { useLocalBillingWorkflow } from '../../functions/runtime/workflow';
import { useRuntimeClock } from '../../functions/runtime/clock';
import { fixedClock } from '../../shared/domain/kernel/clock';
import { parseCsv } from '../../shared/domain/exports/csv';

const clock = fixedClock('2027-01-10T10:00:00Z');
let api: TestApi;
let workflow: LocalBillingWorkflow;
const tokens: Record<string, string> = {};
let contractId: string;
let p1: string;
let p2: string;
const credit: Record<'makeGood' | 'pending' | 'rejected' | 'goodwill', any> = {} as never;
let february: any;

const call = async (method: string, path: string, token: string, body?: unknown, status = 200) => {
  const res = await api.request(method, path, { token, ...(body !== undefined ? { body } : {}) });
  expect(res.status, `${method} ${path}: ${res.text}`).toBe(status);
  return res.json;
};
const credits = () => `/v1/contracts/${contractId}/credits`;
const lineShape = (l: any) => ({ type: l.type, adjusts: l.adjusts, chargeId: l.chargeId, version: l.version, quantity: l.quantity, amount: l.amount });
const payoutShape = ({ partnerId, chargeId, amount }: any) => ({ partnerId, chargeId, amount });

async function runPeriod(period: string, at: string): Promise<any> {
  clock.set(at);
  const started = await call('POST', '/v1/billing-runs', tokens.finance!, { period, contractIds: [contractId] }, 202);
  const execution = await workflow.waitFor(started.id);
  expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
  const run = await call('GET', `/v1/billing-runs/${started.id}`, tokens.finance!);
  return call('GET', `/v1/invoices/${run.invoices[0].invoiceId}`, tokens.finance!);
}

const terms = (flat: string) => ({
  charges: [
    { id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '10.00' } },
    {
      id: 'buy', kind: 'CPA', event: 'PURCHASE', payout: { flat, percentOfValue: '0', min: null, max: null }, attributionWindowDays: 7,
      attribution: 'LAST_TOUCH', eligibility: { geos: null, newCustomersOnly: false, minValue: null }, holdDays: 0, maxConversionsPerPeriod: null,
    },
  ],
  minimumCommitment: null,
  budgetCap: { amount: '240.00', scope: 'PERIOD' },
  agencyCommissionPct: '10',
  performanceGuarantee: { maxCostPerConversion: '40.00', mediaChargeIds: ['ctv'], conversionChargeIds: ['buy'] },
  partners: [{ partnerId: p1, chargeIds: ['buy'], flatPerConversion: '5.00' }, { partnerId: p2, chargeIds: ['buy'], flatPerConversion: '8.00' }],
});
const touch = (id: string, occurredAt: string, exposureAt: string, partnerId: string) => ({ id, event: 'PURCHASE', occurredAt, exposureAt, value: '100.00', geo: 'US', newCustomer: true, partnerId });

beforeAll(async () => {
  useRuntimeClock(clock);
  api = await startTestApi();
  await synthesizeBillingWorkflow();
  workflow = new LocalBillingWorkflow({ exportsBucket: api.buckets.exports, s3: s3Client(), retryIntervalMs: 5 });
  useLocalBillingWorkflow(workflow);
  Object.assign(tokens, {
    ops: await api.token({ sub: 'olga', roles: ['ops'] }),
    approver: await api.token({ sub: 'april', roles: ['approver'] }),
    finance: await api.token({ sub: 'fiona', roles: ['finance'] }),
  });
  const advertiser = await call('POST', '/v1/advertisers', tokens.ops!, { name: 'Acme', currency: 'USD', timezone: 'UTC' }, 201);
  tokens.advertiser = await api.token({ sub: 'ada', roles: ['advertiser'], advertiserId: advertiser.id });
  p1 = (await call('POST', '/v1/partners', tokens.ops!, { name: 'Affiliate One' }, 201)).id;
  p2 = (await call('POST', '/v1/partners', tokens.ops!, { name: 'Affiliate Two' }, 201)).id;
  contractId = (await call('POST', '/v1/contracts', tokens.ops!, {
    advertiserId: advertiser.id, name: 'Acme H1', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-06-30', terms: terms('25.00'),
  }, 201)).id;
  await call('POST', `/v1/contracts/${contractId}/versions/1/submit`, tokens.ops!, {});
  clock.set('2027-01-10T10:01:00Z');
  expect((await call('POST', `/v1/contracts/${contractId}/versions/1/approve`, tokens.approver!, {})).status).toBe('APPROVED');

  clock.set('2027-02-27T18:00:00Z');
  await call('POST', '/v1/usage/impressions', tokens.ops!, { contractId, records: [{ date: '2027-02-10', chargeId: 'ctv', count: 20_000, source: 'FIRST_PARTY' }] }, 202);
  expect(await call('POST', '/v1/usage/conversions', tokens.ops!, {
    contractId,
    records: [
      touch('cv-1', '2027-02-05T10:00:00Z', '2027-02-03T10:00:00Z', p1),
      touch('cv-1', '2027-02-05T10:00:00Z', '2027-02-04T10:00:00Z', p2),
      touch('cv-2', '2027-02-12T10:00:00Z', '2027-02-11T10:00:00Z', p1),
    ],
  }, 202)).toEqual({ accepted: 2, duplicates: 1, touches: 1 });

  // Three credits for February: approved, left pending, rejected.
  credit.makeGood = await call('POST', credits(), tokens.ops!, { period: '2027-02', amount: '30.00', reason: 'MAKE_GOOD', note: 'spots missed on Feb 14' }, 201);
  credit.pending = await call('POST', credits(), tokens.ops!, { period: '2027-02', amount: '10.00', reason: 'SERVICE_CREDIT' }, 201);
  credit.rejected = await call('POST', credits(), tokens.ops!, { period: '2027-02', amount: '15.00', reason: 'GOODWILL' }, 201);
  clock.set('2027-02-28T09:00:00Z');
  credit.makeGood = await call('POST', `${credits()}/${credit.makeGood.id}/approve`, tokens.approver!, {});
  credit.rejected = await call('POST', `${credits()}/${credit.rejected.id}/reject`, tokens.finance!, { reason: 'not agreed' });
  expect([credit.makeGood.status, credit.rejected.status]).toEqual(['APPROVED', 'REJECTED']);

  february = await runPeriod('2027-02', '2027-03-02T06:00:00Z');
}, 240_000);

afterAll(async () => {
  await workflow?.settle();
  useLocalBillingWorkflow(undefined);
  useRuntimeClock(undefined);
  await api?.stop();
});

describe('an approved credit through a billing run', { timeout: 60_000 }, () => {
  it('is the CREDIT line, named by id and reason; pending and rejected credits are not invoiced', () => {
    expect(february.lines.map(lineShape)).toEqual([
      lineShape({ type: 'USAGE', chargeId: 'ctv', version: 1, quantity: '20000', amount: '200.00' }),
      lineShape({ type: 'USAGE', chargeId: 'buy', version: 1, quantity: '2', amount: '50.00' }),
      lineShape({ type: 'GUARANTEE_CREDIT', quantity: '0', amount: '-120.00' }),
      lineShape({ type: 'CREDIT', quantity: '0', amount: '-30.00' }),
      lineShape({ type: 'AGENCY_COMMISSION', quantity: '0', amount: '-10.00' }),
    ]);
    expect([february.subtotal, february.total]).toEqual(['100.00', '90.00']);
    const creditLine = february.lines.find((l: any) => l.type === 'CREDIT');
    expect(creditLine.explanation).toEqual({
      kind: 'CREDIT', amount: '-30.00',
      credits: [{ id: credit.makeGood.id, reason: 'MAKE_GOOD', amount: '30.00', recordedAt: '2027-02-28T09:00:00.000Z' }],
    });
    const invoiced = JSON.stringify(february);
    expect(invoiced).not.toContain(credit.pending.id);
    expect(invoiced).not.toContain(credit.rejected.id);
    expect(february.lines.find((l: any) => l.type === 'GUARANTEE_CREDIT').explanation).toMatchObject({ media: '200.00', conversions: '2', allowed: '80.00', maxCostPerConversion: '40.00' });
    // The winning touch decides the payout: cv-1 is p2's (later exposure), cv-2 p1's.
    expect(february.partnerPayouts.map(payoutShape)).toEqual(
      [{ partnerId: p1, chargeId: 'buy', amount: '5.00' }, { partnerId: p2, chargeId: 'buy', amount: '8.00' }].sort((a, b) => (a.partnerId < b.partnerId ? -1 : 1)),
    );
  });

  it('posts credits and guarantee credits as contra-revenue in a balanced journal', async () => {
    const listed = await call('GET', '/v1/exports?period=2027-02', tokens.finance!);
    const journal = listed.items.find((i: any) => i.key === 'exports/2027-02/journal.csv');
    const rows = parseCsv(await (await fetch(journal.url)).text());
    const header = rows[0]!;
    const col = (name: string) => header.indexOf(name);
    const postings = rows.slice(1).filter((r) => r[col('invoiceId')] === february.id).map((r) => [r[col('accountCode')], r[col('debit')], r[col('credit')]]);
    // Dr receivables 90.00, guarantee credits 120.00, credits 30.00, commission 10.00 = 250.00
    // = Cr revenue 200.00 + 50.00; partner cost 13.00 = partner payables 13.00.
    const sum = (side: 1 | 2, code?: string) => postings.filter((p) => code === undefined || p[0] === code).reduce((s, p) => s + Number(p[side] || 0) * 100, 0);
    expect(sum(1, '4060')).toBe(12000);
    expect(sum(1, '4070')).toBe(3000);
    expect(sum(1, '4050')).toBe(1000);
    expect(sum(1, '1200')).toBe(9000);
    expect(sum(2, '4000')).toBe(25000);
    expect(sum(2, '4060') + sum(2, '4070')).toBe(0);
    expect(sum(1)).toBe(sum(2));
  });

  it('partner statements pay the partner whose touch won', async () => {
    const statement = async (partnerId: string) => (await call('GET', `/v1/partners/${partnerId}/statements?period=2027-02`, tokens.finance!)).lines.map((l: any) => [l.contractId, l.chargeId, l.amount]);
    expect(await statement(p1)).toEqual([[contractId, 'buy', '5.00']]);
    expect(await statement(p2)).toEqual([[contractId, 'buy', '8.00']]);
  });
});

describe('spend to date and the impact preview count credits as the run does', { timeout: 120_000 }, () => {
  it('spend: usage after the guarantee and the cap, and the period\'s approved credits, agreeing with the invoice', async () => {
    clock.set('2027-03-02T07:00:00Z');
    const spend = await call('GET', `/v1/contracts/${contractId}/spend?period=2027-02`, tokens.advertiser!);
    // 200.00 + 50.00 - 120.00 = 130.00, the usage the cap and the minimum see; 240.00 - 130.00 left.
    expect(spend).toMatchObject({
      charges: [{ chargeId: 'ctv', quantity: '20000', amount: '200.00' }, { chargeId: 'buy', quantity: '2', amount: '50.00' }],
      guaranteeCredit: '-120.00', total: '130.00', budgetCap: '240.00', remaining: '110.00',
      credits: [{ id: credit.makeGood.id, reason: 'MAKE_GOOD', amount: '30.00' }], creditTotal: '-30.00',
    });
    // Days add up to the total: Feb 5 cv-1 25.00; Feb 10 ctv 200.00 less the guarantee's
    // -160.00 (1 conversion allows 40.00) = 40.00; Feb 12 cv-2 25.00 + 40.00 more allowed = 65.00.
    expect(spend.days.filter((d: any) => d.amount !== '0.00')).toEqual([
      { date: '2027-02-05', quantity: '1', amount: '25.00' },
      { date: '2027-02-10', quantity: '20000', amount: '40.00' },
      { date: '2027-02-12', quantity: '1', amount: '65.00' },
    ]);
    // To the cent with the run: lines before commission = spend total + credits (no true-up here).
    const linesOf = (...types: string[]) => february.lines.filter((l: any) => types.includes(l.type)).reduce((s: number, l: any) => s + Math.round(Number(l.amount) * 100), 0);
    expect(Math.round(Number(spend.total) * 100)).toBe(linesOf('USAGE', 'GUARANTEE_CREDIT', 'CAP_ADJUSTMENT'));
    expect(spend.creditTotal).toBe(february.lines.find((l: any) => l.type === 'CREDIT').amount);
    expect(Math.round((Number(spend.total) + Number(spend.creditTotal)) * 100)).toBe(Math.round(Number(february.subtotal) * 100));
  });

  it('impact: a backdated amendment after a credit was invoiced and another approved previews exactly what the re-run invoices', async () => {
    await call('POST', `/v1/invoices/${february.id}/finalize`, tokens.finance!);
    clock.set('2027-03-04T10:00:00Z');
    credit.goodwill = await call('POST', credits(), tokens.ops!, { period: '2027-02', amount: '20.00', reason: 'GOODWILL' }, 201);
    clock.set('2027-03-04T11:00:00Z');
    await call('POST', `${credits()}/${credit.goodwill.id}/approve`, tokens.approver!, {});

    clock.set('2027-03-05T10:00:00Z');
    await call('POST', `/v1/contracts/${contractId}/amendments`, tokens.ops!, { effectiveFrom: '2027-02-01', terms: terms('30.00') }, 201);
    await call('POST', `/v1/contracts/${contractId}/versions/2/submit`, tokens.ops!, {});
    clock.set('2027-03-05T12:00:00Z');
    const preview = await call('GET', `/v1/contracts/${contractId}/versions/2/impact`, tokens.approver!);
    // Afresh under version 2: ctv 200.00, buy 2 x 30.00 = 60.00, guarantee -120.00 (M and C
    // unchanged), CREDIT -(30.00 + 20.00) = -50.00, commission -(200 + 60 - 120 - 50) x 10 % = -9.00.
    // Invoiced: the make-good's -30.00 stays (no reversal); the goodwill adds -20.00.
    expect(preview.periods).toHaveLength(1);
    const [period] = preview.periods;
    expect(period.lines.filter((l: any) => l.adjusts === 'CREDIT').map(lineShape)).toEqual([lineShape({ type: 'ADJUSTMENT', adjusts: 'CREDIT', quantity: '0', amount: '-20.00' })]);
    expect(period.lines.filter((l: any) => l.adjusts === 'GUARANTEE_CREDIT')).toEqual([]);
    // Subtotal: +200.00 + 60.00 (v2) - 200.00 - 50.00 (v1) - 20.00 = -10.00; commission +1.00.
    expect([period.subtotal, period.total]).toEqual(['-10.00', '-9.00']);

    clock.set('2027-03-05T13:00:00Z');
    expect((await call('POST', `/v1/contracts/${contractId}/versions/2/approve`, tokens.approver!, {})).status).toBe('APPROVED');
    const rerun = await runPeriod('2027-02', '2027-03-06T06:00:00Z');
    expect(rerun.kind).toBe('ADJUSTMENT');
    expect(rerun.lines.map(lineShape)).toEqual(period.lines.map(lineShape));
    expect([rerun.subtotal, rerun.total]).toEqual([period.subtotal, period.total]);
    expect(rerun.partnerPayouts.map(payoutShape)).toEqual(period.partnerPayouts.map(payoutShape));
    // The re-run's CREDIT adjustment names the credits it sees: the pending one is still not among them.
    const creditAdjustment = rerun.lines.find((l: any) => l.adjusts === 'CREDIT');
    expect(creditAdjustment.explanation.fresh.credits.map((c: any) => c.id).sort()).toEqual([credit.makeGood.id, credit.goodwill.id].sort());
  });
});
