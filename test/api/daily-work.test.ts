/**
 * The approval inbox, the impact preview of a backdated amendment, the approval policy weighing
 * that impact, and spend to date, through the local HTTP server with real tokens and billing
 * runs executed by the local workflow. The preview is checked against the re-runs that follow
 * the approval: every line, total and partner payout change, to the cent.
 *
 * Arithmetic (contract 2026, UTC, CPM 10.00, partner 40 % of ctv, cap 200,000.00 a month,
 * minimum 100,000.00 a month):
 *   October: 500,000 impressions a day × 31 = 15.5 M → 155,000.00 (no cap, no true-up)
 *   the amendment from 2026-10-15 at 4.00: 14 days × 5,000.00 + 17 days × 2,000.00 = 104,000.00
 *   → October changes by −51,000.00 (partner: 40 % of it, −20,400.00)
 *   November (at 4.00: 60,000.00 + true-up 40,000.00 = 100,000.00 vs 150,000.00) → −50,000.00
 *   absolute impact 101,000.00 ≥ 100,000.00: two approvals, one of them finance.
 */
import '../workflow/quiet-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, startTestAuditPoller, type TestApi } from '../support/api';
import { s3Client } from '../support/aws';
import { LocalBillingWorkflow, synthesizeBillingWorkflow } from '../../scripts/lib/local-workflow';
import { useLocalBillingWorkflow } from '../../functions/runtime/workflow';

let api: TestApi;
let poller: Awaited<ReturnType<typeof startTestAuditPoller>>;
let workflow: LocalBillingWorkflow;
const tokens: Record<string, string> = {};
let contractId: string;
let otherContractId: string;
let partnerId: string;

const call = async (method: string, path: string, token: string, body?: unknown, status = 200) => {
  const res = await api.request(method, path, { token, ...(body !== undefined ? { body } : {}) });
  expect(res.status, `${method} ${path}: ${res.text}`).toBe(status);
  return res.json;
};

const days = (period: string, count: number, perDay: number) =>
  Array.from({ length: count }, (_, i) => ({ date: `${period}-${String(i + 1).padStart(2, '0')}`, chargeId: 'ctv', count: perDay, source: 'FIRST_PARTY', partnerId }));

async function runPeriod(period: string): Promise<any> {
  const started = await call('POST', '/v1/billing-runs', tokens.finance!, { period, contractIds: [contractId] }, 202);
  const execution = await workflow.waitFor(started.id);
  expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
  const run = await call('GET', `/v1/billing-runs/${started.id}`, tokens.finance!);
  return call('GET', `/v1/invoices/${run.invoices[0].invoiceId}`, tokens.finance!);
}

beforeAll(async () => {
  api = await startTestApi();
  poller = await startTestAuditPoller();
  await synthesizeBillingWorkflow();
  workflow = new LocalBillingWorkflow({ exportsBucket: api.buckets.exports, s3: s3Client(), retryIntervalMs: 5 });
  useLocalBillingWorkflow(workflow);
  const mint = (sub: string, roles: string[], advertiserId?: string) => api.token({ sub, roles, ...(advertiserId ? { advertiserId } : {}) });
  Object.assign(tokens, {
    ops: await mint('olga', ['ops']),
    opsApprover: await mint('olga', ['approver']),
    approver: await mint('april', ['approver']),
    finance: await mint('fiona', ['finance']),
    admin: await mint('adam', ['admin']),
  });
  const advertiser = await call('POST', '/v1/advertisers', tokens.ops!, { name: 'Acme', currency: 'USD', timezone: 'UTC' }, 201);
  const other = await call('POST', '/v1/advertisers', tokens.ops!, { name: 'Globex', currency: 'USD', timezone: 'UTC' }, 201);
  tokens.advertiser = await mint('ada', ['advertiser'], advertiser.id);
  tokens.otherAdvertiser = await mint('gus', ['advertiser'], other.id);
  partnerId = (await call('POST', '/v1/partners', tokens.ops!, { name: 'StreamPub' }, 201)).id;

  const terms = (rate: string) => ({
    charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate } }],
    minimumCommitment: { amount: '100000.00', prorate: false },
    budgetCap: { amount: '200000.00', scope: 'PERIOD' },
    partners: [{ partnerId, chargeIds: ['ctv'], percentOfRevenue: '40' }],
  });
  const contract = await call('POST', '/v1/contracts', tokens.ops!, { advertiserId: advertiser.id, name: 'Acme 2026', currency: 'USD', timezone: 'UTC', startDate: '2026-01-01', endDate: '2026-12-31', poNumber: 'IO-77', terms: terms('10.00') }, 201);
  contractId = contract.id;
  await call('POST', `/v1/contracts/${contractId}/versions/1/submit`, tokens.ops!, {});
  await call('POST', `/v1/contracts/${contractId}/versions/1/approve`, tokens.approver!, {});
  expect((await call('POST', `/v1/contracts/${contractId}/versions/1/approve`, tokens.finance!, {})).status).toBe('APPROVED');
  const otherContract = await call('POST', '/v1/contracts', tokens.ops!, { advertiserId: other.id, name: 'Globex 2026', currency: 'USD', timezone: 'UTC', startDate: '2026-01-01', endDate: '2026-12-31', terms: { charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '1' } }] } }, 201);
  otherContractId = otherContract.id;
  await call('POST', `/v1/contracts/${otherContractId}/versions/1/submit`, tokens.ops!, {});
  await call('POST', `/v1/contracts/${otherContractId}/versions/1/approve`, tokens.approver!, {});

  await call('POST', '/v1/usage/impressions', tokens.ops!, { contractId, records: [...days('2026-10', 31, 500_000), ...days('2026-11', 30, 500_000)] }, 202);
  await call('POST', '/v1/usage/impressions', tokens.ops!, { contractId, records: [{ date: '2026-12-01', chargeId: 'ctv', count: 1_000_000, source: 'FIRST_PARTY' }, { date: '2026-12-02', chargeId: 'ctv', count: 500_000, source: 'FIRST_PARTY' }] }, 202);
  expect((await runPeriod('2026-10')).total).toBe('155000.00');
  expect((await runPeriod('2026-11')).total).toBe('150000.00');
  // The backdated amendment, drafted and submitted by olga (ops).
  await call('POST', `/v1/contracts/${contractId}/amendments`, tokens.ops!, { effectiveFrom: '2026-10-15', terms: terms('4.00') }, 201);
  await call('POST', `/v1/contracts/${contractId}/versions/2/submit`, tokens.ops!, {});
}, 240_000);

afterAll(async () => {
  await workflow?.settle();
  useLocalBillingWorkflow(undefined);
  await poller?.stop();
  await api?.stop();
});

describe('approval inbox, impact preview and the approval that follows', () => {
  let preview: any;

  it('previews the amendment: adjustment lines per invoiced period, partner changes, the current period, nothing stored', async () => {
    preview = await call('GET', `/v1/contracts/${contractId}/versions/2/impact`, tokens.ops!);
    expect(preview.periods.map((p: any) => [p.period, p.total])).toEqual([
      ['2026-10', '-51000.00'],
      ['2026-11', '-50000.00'],
    ]);
    expect(preview.periods[0].lines.every((l: any) => l.type === 'ADJUSTMENT')).toBe(true);
    expect(preview.periods[0].partnerPayouts).toEqual([{ partnerId, chargeId: 'ctv', amount: '-20400.00' }]);
    expect(preview).toMatchObject({ total: '-101000.00', absolute: '101000.00', requirement: { approvals: 2, financeRequired: true } });
    // December so far: 1.5 M impressions at 10.00 = 15,000.00, at 4.00 = 6,000.00 (if December is the current month).
    if (preview.currentPeriod.period === '2026-12') expect(preview.currentPeriod).toMatchObject({ before: '15000.00', after: '6000.00', change: '-9000.00' });
    // Nothing was stored: the same preview again, and the version unchanged.
    const again = await call('GET', `/v1/contracts/${contractId}/versions/2/impact`, tokens.finance!);
    expect(again.periods).toEqual(preview.periods);
    expect((await call('GET', `/v1/contracts/${contractId}/versions/2`, tokens.ops!)).version).toBe(2);
    expect((await api.request('GET', `/v1/contracts/${contractId}/versions/1/impact`, { token: tokens.approver })).status).toBe(409);
    expect((await api.request('GET', `/v1/contracts/${contractId}/versions/2/impact`, { token: tokens.advertiser })).status).toBe(403);
  });

  it('lists the amendment in the inbox of those who may decide it, never its author, and among pending contracts', async () => {
    const inbox = await call('GET', '/v1/approvals', tokens.approver!);
    const item = inbox.items.find((i: any) => i.contractId === contractId);
    expect(item).toMatchObject({
      kind: 'amendment',
      version: 2,
      author: 'olga',
      impact: { absolute: '101000.00', total: '-101000.00' },
      approvals: [],
      required: { approvals: 2, financeRequired: true, approvalsStillNeeded: 2, financeStillNeeded: true },
    });
    expect(item.advertiserId).toEqual(expect.any(String));
    // olga, who wrote it, holding approver too: not in her inbox.
    expect((await call('GET', '/v1/approvals', tokens.opsApprover!)).items.filter((i: any) => i.contractId === contractId)).toEqual([]);
    expect((await api.request('GET', '/v1/approvals', { token: tokens.ops })).status).toBe(403);
    // Cursor pagination over the index: one item per page.
    const first = await call('GET', '/v1/approvals?limit=1', tokens.finance!);
    expect(first.items).toHaveLength(1);

    const pending = await call('GET', '/v1/contracts?pending=true', tokens.finance!);
    expect(pending.items.map((c: any) => [c.id, c.pendingVersion])).toEqual([[contractId, 2]]);
    expect(pending.items[0].poNumber).toBe('IO-77');
    for (const token of [tokens.advertiser, tokens.admin]) expect((await api.request('GET', '/v1/contracts?pending=true', { token })).status).toBe(403);
  });

  it('needs finance as well because of the impact; each approval and its audit entry record the impact seen', async () => {
    const first = await call('POST', `/v1/contracts/${contractId}/versions/2/approve`, tokens.approver!, { comment: 'rates agreed' });
    expect(first.status).toBe('PENDING_APPROVAL');
    expect(first.approvals[0].impact).toMatchObject({ absolute: '101000.00', periods: [{ period: '2026-10', total: '-51000.00' }, { period: '2026-11', total: '-50000.00' }] });
    const inbox = await call('GET', '/v1/approvals', tokens.finance!);
    expect(inbox.items.find((i: any) => i.contractId === contractId).required).toMatchObject({ approvalsStillNeeded: 1, financeStillNeeded: true });
    expect((await call('GET', '/v1/approvals', tokens.approver!)).items.filter((i: any) => i.contractId === contractId)).toEqual([]);
    const second = await call('POST', `/v1/contracts/${contractId}/versions/2/approve`, tokens.finance!, {});
    expect(second.status).toBe('APPROVED');
    expect(second.approvals[1].impact.absolute).toBe('101000.00');
    expect((await call('GET', '/v1/approvals', tokens.finance!)).items.filter((i: any) => i.contractId === contractId)).toEqual([]);
    expect((await call('GET', '/v1/contracts?pending=true', tokens.ops!)).items).toEqual([]);

    await poller.drain();
    const trail = await call('GET', `/v1/contracts/${contractId}/audit?limit=200`, tokens.finance!);
    const approvals = trail.items.filter((e: any) => e.after?.entityType === 'approval' && e.after?.versionNumber === 2);
    expect(approvals.map((e: any) => [e.actor, e.after.impact.absolute])).toEqual([
      ['april', '101000.00'],
      ['fiona', '101000.00'],
    ]);
    expect(poller.failures).toEqual([]);
  });

  it('agrees to the cent with the re-runs after the approval', { timeout: 120_000 }, async () => {
    for (const expected of preview.periods) {
      const invoice = await runPeriod(expected.period);
      const shape = (l: any) => ({ type: l.type, adjusts: l.adjusts, chargeId: l.chargeId, version: l.version, quantity: l.quantity, amount: l.amount });
      expect(invoice.lines.map(shape)).toEqual(expected.lines.map(shape));
      expect(invoice.total).toBe(expected.total);
      expect(invoice.subtotal).toBe(expected.subtotal);
      expect(invoice.partnerPayouts.map(({ partnerId: p, chargeId, amount }: any) => ({ partnerId: p, chargeId, amount }))).toEqual(expected.partnerPayouts);
    }
  });
});

describe('spend to date and pacing', () => {
  it('rates December so far per charge and day, with cap, minimum and pacing, for the advertiser itself', async () => {
    const spend = await call('GET', `/v1/contracts/${contractId}/spend?period=2026-12`, tokens.advertiser!);
    expect(spend).toMatchObject({
      period: '2026-12',
      currency: 'USD',
      charges: [{ chargeId: 'ctv', quantity: '1500000', amount: '6000.00' }],
      total: '6000.00',
      budgetCap: '200000.00',
      remaining: '194000.00',
      minimum: '100000.00',
      shortfall: '94000.00',
    });
    expect(spend.days.slice(0, 2)).toEqual([
      { date: '2026-12-01', quantity: '1000000', amount: '4000.00' },
      { date: '2026-12-02', quantity: '500000', amount: '2000.00' },
    ]);
    expect(JSON.stringify(spend)).not.toContain(partnerId);
    // Pacing at the run rate of the days elapsed (the test's clock is the machine's).
    const elapsed = spend.days.length;
    expect(spend.projectedTotal).toBe((6000 * 31 / elapsed).toFixed(2));
  });

  it('matches the invoiced figures of a closed period and finds the day a cap is reached', async () => {
    const november = await call('GET', `/v1/contracts/${contractId}/spend?period=2026-11`, tokens.finance!);
    // Approved at 4.00 from October 15: 15 M impressions = 60,000.00, 2,000.00 a day.
    expect(november).toMatchObject({ total: '60000.00', projectedTotal: '60000.00', shortfall: '40000.00', capReachedOn: null });
    expect(november.days).toHaveLength(30);
    expect(november.days.every((d: any) => d.amount === '2000.00')).toBe(true);
  });

  it("answers 404 for another advertiser's contract and 400 without a period", async () => {
    const res = await api.request('GET', `/v1/contracts/${contractId}/spend?period=2026-12`, { token: tokens.otherAdvertiser });
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('Acme');
    expect((await api.request('GET', `/v1/contracts/${otherContractId}/spend?period=2026-13`, { token: tokens.otherAdvertiser })).status).toBe(400);
    expect((await api.request('GET', `/v1/contracts/${otherContractId}/spend?period=2026-12`, { token: tokens.otherAdvertiser })).status).toBe(200);
    expect((await api.request('GET', `/v1/contracts/${contractId}/spend?period=2026-12`, { token: tokens.approver })).status).toBe(403);
  });
});
