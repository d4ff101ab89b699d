/**
 * Finance month close through the local API with real tokens, the billing run executed by the
 * local workflow: bulk finalize of a run, discard and reissue, payments and receivables aging.
 * The runtime clock is fixed so issue dates, due dates and aging are known.
 */
import '../workflow/quiet-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, startTestAuditPoller, type TestApi } from '../support/api';
import { documentClient, s3Client } from '../support/aws';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { LocalBillingWorkflow, synthesizeBillingWorkflow } from '../../scripts/lib/local-workflow';
import { useLocalBillingWorkflow } from '../../functions/runtime/workflow';
import { useRuntimeClock } from '../../functions/runtime/clock';
import { fixedClock } from '../../shared/domain/kernel/clock';

let api: TestApi;
let poller: Awaited<ReturnType<typeof startTestAuditPoller>>;
let workflow: LocalBillingWorkflow;
let finance: string;
let ops: string;
let approver: string;
let advertiserToken: string;
let advertiserId: string;
const contractIds: string[] = [];
const clock = fixedClock('2026-07-01T08:00:00.000Z');

const terms = (rate: string) => ({ charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate } }], minimumCommitment: null, budgetCap: null, agencyCommissionPct: null, partners: [] });
const profile = {
  legalName: 'Acme Streaming Inc.',
  address: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
  tax: { kind: 'EXEMPT' },
  paymentTermsDays: 30,
  invoiceEmail: 'ap@acme.example',
};

async function call(method: string, path: string, token: string, body?: unknown, status = 200, headers?: Record<string, string>): Promise<any> {
  const res = await api.request(method, path, { token, ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) });
  expect(res.status, `${method} ${path}: ${res.text}`).toBe(status);
  return res.json;
}

async function runPeriod(period: string): Promise<any> {
  const started = await call('POST', '/v1/billing-runs', finance, { period }, 202);
  const execution = await workflow.waitFor(started.id);
  expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
  return call('GET', `/v1/billing-runs/${started.id}`, finance);
}

beforeAll(async () => {
  useRuntimeClock(clock);
  api = await startTestApi();
  poller = await startTestAuditPoller();
  await synthesizeBillingWorkflow();
  workflow = new LocalBillingWorkflow({ exportsBucket: api.buckets.exports, s3: s3Client(), retryIntervalMs: 5 });
  useLocalBillingWorkflow(workflow);
  [finance, ops, approver] = await Promise.all([
    api.token({ sub: 'fiona', roles: ['finance'] }),
    api.token({ sub: 'olivia', roles: ['ops', 'admin'] }),
    api.token({ sub: 'arnold', roles: ['approver'] }),
  ]);
  const advertiser = await call('POST', '/v1/advertisers', ops, { name: 'Acme', currency: 'USD', timezone: 'UTC', billingProfile: profile }, 201);
  advertiserId = advertiser.id;
  advertiserToken = await api.token({ sub: 'acme-ap', roles: ['advertiser'], advertiserId });
  // Three contracts at 8, 10 and 12 CPM; 250,000 impressions each in June 2026: 2,000.00, 2,500.00, 3,000.00.
  for (const rate of ['8', '10', '12']) {
    const contract = await call('POST', '/v1/contracts', ops, { advertiserId, name: `CTV ${rate}`, currency: 'USD', timezone: 'UTC', startDate: '2026-01-01', endDate: '2026-12-31', terms: terms(rate) }, 201);
    await call('POST', `/v1/contracts/${contract.id}/versions/1/submit`, ops, {});
    await call('POST', `/v1/contracts/${contract.id}/versions/1/approve`, approver, {});
    await call('POST', '/v1/usage/impressions', ops, { contractId: contract.id, records: [{ date: '2026-06-10', chargeId: 'ctv', count: 250_000, source: 'FIRST_PARTY' }] }, 202);
    contractIds.push(contract.id);
  }
}, 240_000);

afterAll(async () => {
  await workflow?.settle();
  useLocalBillingWorkflow(undefined);
  useRuntimeClock(undefined);
  await poller?.stop();
  await api?.stop();
});

describe('bulk finalize of a billing run', () => {
  let run: any;

  it('refuses other roles (403) and an unknown run (404)', async () => {
    expect((await api.request('POST', '/v1/billing-runs/br-2026-06-1-nope/finalize', { token: ops, body: {} })).status).toBe(403);
    expect((await api.request('POST', '/v1/billing-runs/br-2026-06-1-nope/finalize', { token: advertiserToken, body: {} })).status).toBe(403);
    expect((await api.request('POST', '/v1/billing-runs/br-2026-06-1-nope/finalize', { token: finance, body: {} })).status).toBe(404);
  });

  it('finalizes every draft of the run with consecutive numbers, shows progress on GET, and a repeat changes nothing', { timeout: 120_000 }, async () => {
    run = await runPeriod('2026-06');
    expect(run.finalization).toBeNull();
    expect(run.invoices.map((i: any) => i.total).sort()).toEqual(['2000.00', '2500.00', '3000.00']);
    clock.set('2026-07-02T09:00:00.000Z');
    const finalized = await call('POST', `/v1/billing-runs/${run.id}/finalize`, finance, {}, 202);
    expect(finalized.finalization).toMatchObject({ status: 'SUCCEEDED', progress: { done: 3, total: 3 }, finalized: 3, failures: [], passes: 1, actor: 'fiona' });
    const read = await call('GET', `/v1/billing-runs/${run.id}`, finance);
    expect(read.finalization).toEqual(finalized.finalization);
    const numbers: string[] = [];
    for (const id of run.invoiceIds) {
      const invoice = await call('GET', `/v1/invoices/${id}`, finance);
      expect(invoice).toMatchObject({ status: 'FINALIZED', finalizedAt: '2026-07-02T09:00:00.000Z' });
      numbers.push(invoice.number);
    }
    // Gapless, in the run's contract order.
    expect(numbers).toEqual(['INV-2026-000001', 'INV-2026-000002', 'INV-2026-000003']);
    const again = await call('POST', `/v1/billing-runs/${run.id}/finalize`, finance, {}, 202, { 'idempotency-key': 'finalize-june-again' });
    expect(again.finalization).toMatchObject({ status: 'SUCCEEDED', progress: { done: 3, total: 3 }, finalized: 3, passes: 2 });
    for (const [i, id] of run.invoiceIds.entries()) expect((await call('GET', `/v1/invoices/${id}`, finance)).number).toBe(numbers[i]);
  });

  it('records the finalization in the audit trail of the run', { timeout: 60_000 }, async () => {
    await poller.drain();
    const audit = new DynamoAuditRepository(documentClient(), api.tableName);
    const actions = (await audit.listEntries(`billingRun#${run.id}`, { limit: 200 })).items.map((e) => e.action);
    expect(actions).toContain('billingRunFinalization.succeeded');
    for (const id of run.invoiceIds) {
      const trail = (await audit.listEntries(`invoice#${id}`, { limit: 50 })).items;
      expect(trail.map((e) => [e.action, e.actor])).toContainEqual(['invoice.finalized', 'fiona']);
    }
  });
});

describe('discard a draft, reissue after a void', () => {
  it('discards a DRAFT (audited, hidden from the advertiser) so the next run of the period invoices the contract afresh', { timeout: 120_000 }, async () => {
    clock.set('2026-08-01T08:00:00.000Z');
    for (const contractId of contractIds) {
      await call('POST', '/v1/usage/impressions', ops, { contractId, records: [{ date: '2026-07-10', chargeId: 'ctv', count: 100_000, source: 'FIRST_PARTY' }] }, 202);
    }
    const first = await runPeriod('2026-07');
    const draft = first.invoices.find((i: any) => i.contractId === contractIds[0]);
    // 100,000 at 8.00 CPM.
    expect(draft.total).toBe('800.00');
    expect((await api.request('POST', `/v1/invoices/${draft.invoiceId}/discard`, { token: ops, body: {} })).status).toBe(403);
    const discarded = await call('POST', `/v1/invoices/${draft.invoiceId}/discard`, finance, { reason: 'wrong usage feed' });
    expect(discarded).toMatchObject({ status: 'DISCARDED', number: null, discardReason: 'wrong usage feed', discardedAt: '2026-08-01T08:00:00.000Z' });
    const again = await api.request('POST', `/v1/invoices/${draft.invoiceId}/discard`, { token: finance, body: {} });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('illegal_transition');
    expect((await api.request('GET', `/v1/invoices/${draft.invoiceId}`, { token: advertiserToken })).status).toBe(404);
    // A finalized invoice is never discarded.
    const june = await call('GET', '/v1/invoices?period=2026-06&status=FINALIZED', finance);
    const refused = await api.request('POST', `/v1/invoices/${june.items[0].id}/discard`, { token: finance, body: {} });
    expect(refused.status).toBe(409);
    expect((await call('GET', `/v1/invoices/${june.items[0].id}`, finance)).status).toBe('FINALIZED');

    // The feed is corrected (another 50,000 impressions): run 2 of July bills contract 0 as a first
    // invoice of the period, 150,000 at 8.00 = 1,200.00; the other contracts only adjust by 0.00.
    await call('POST', '/v1/usage/impressions', ops, { contractId: contractIds[0], records: [{ date: '2026-07-11', chargeId: 'ctv', count: 50_000, source: 'FIRST_PARTY' }] }, 202);
    const second = await runPeriod('2026-07');
    const fresh = await call('GET', `/v1/invoices/${second.invoices.find((i: any) => i.contractId === contractIds[0]).invoiceId}`, finance);
    expect(fresh).toMatchObject({ kind: 'INVOICE', status: 'DRAFT', total: '1200.00', runSeq: 2 });
    for (const other of second.invoices.filter((i: any) => i.contractId !== contractIds[0])) expect(other.total).toBe('0.00');

    await poller.drain();
    const trail = (await new DynamoAuditRepository(documentClient(), api.tableName).listEntries(`invoice#${draft.invoiceId}`, { limit: 50 })).items;
    expect(trail.map((e) => [e.action, e.actor])).toContainEqual(['invoice.discarded', 'fiona']);
  });

  it('reissues a voided invoice as a corrected DRAFT on current usage, linked to the void and its credit note, once', { timeout: 120_000 }, async () => {
    const june = await call('GET', '/v1/invoices?period=2026-06&status=FINALIZED', finance);
    const original = june.items.find((i: any) => i.contractId === contractIds[1]);
    expect(original.total).toBe('2500.00');
    expect((await api.request('POST', `/v1/invoices/${original.id}/reissue`, { token: finance, body: {} })).status).toBe(409);
    // 50,000 June impressions arrive late; the invoice is voided and reissued: 300,000 at 10.00 = 3,000.00.
    await call('POST', '/v1/usage/impressions', ops, { contractId: contractIds[1], records: [{ date: '2026-06-20', chargeId: 'ctv', count: 50_000, source: 'FIRST_PARTY' }] }, 202);
    const voided = await call('POST', `/v1/invoices/${original.id}/void`, finance, { reason: 'late usage' });
    expect((await api.request('POST', `/v1/invoices/${original.id}/reissue`, { token: ops, body: {} })).status).toBe(403);
    const reissued = await call('POST', `/v1/invoices/${original.id}/reissue`, finance, {}, 201);
    expect(reissued).toMatchObject({
      kind: 'INVOICE',
      status: 'DRAFT',
      number: null,
      contractId: contractIds[1],
      period: '2026-06',
      total: '3000.00',
      reissueOf: original.id,
      reissueOfCreditNoteId: voided.creditNote.id,
    });
    expect(reissued.lines).toMatchObject([{ type: 'USAGE', chargeId: 'ctv', quantity: '300000', amount: '3000.00' }]);
    const twice = await api.request('POST', `/v1/invoices/${original.id}/reissue`, { token: finance, body: {} });
    expect(twice.status).toBe(409);
    expect(twice.json.error.code).toBe('already_reissued');
    const finalized = await call('POST', `/v1/invoices/${reissued.id}/finalize`, finance, {});
    expect(finalized.number).toMatch(/^INV-2026-/);
    // The reissue counts in place of the voided invoice: a June re-run finds nothing to adjust.
    const rerun = await runPeriod('2026-06');
    expect(rerun.invoices.map((i: any) => i.total)).toEqual(['0.00', '0.00', '0.00']);
  });
});

describe('payments and receivables', () => {
  const juneOf = async (contractId: string) => {
    const list = await call('GET', '/v1/invoices?period=2026-06&status=FINALIZED', finance);
    return list.items.find((i: any) => i.contractId === contractId && i.kind === 'INVOICE');
  };

  it('records partial payments with Idempotency-Key, refuses overpayment and a VOID invoice, and shows amountPaid, balanceDue and paymentStatus', { timeout: 60_000 }, async () => {
    clock.set('2026-08-10T10:00:00.000Z');
    // Contract 0's June invoice: 2,000.00 issued 2026-07-02, due 30 days later, 2026-08-01.
    const june0 = await juneOf(contractIds[0]!);
    expect(june0).toMatchObject({ total: '2000.00', dueDate: '2026-08-01', amountPaid: '0.00', balanceDue: '2000.00', paymentStatus: 'OVERDUE' });
    const payment = { amount: '500.00', date: '2026-08-10', reference: 'WIRE-1' };
    const paid = await call('POST', `/v1/invoices/${june0.id}/payments`, finance, payment, 201, { 'idempotency-key': 'pay-june0-1' });
    expect(paid).toMatchObject({ amountPaid: '500.00', balanceDue: '1500.00', paymentStatus: 'OVERDUE', payment: { amount: '500.00', date: '2026-08-10', reference: 'WIRE-1', actor: 'fiona' } });
    const replay = await call('POST', `/v1/invoices/${june0.id}/payments`, finance, payment, 201, { 'idempotency-key': 'pay-june0-1' });
    expect(replay.payment.id).toBe(paid.payment.id);
    const over = await api.request('POST', `/v1/invoices/${june0.id}/payments`, { token: finance, body: { amount: '1500.01', date: '2026-08-10', reference: 'WIRE-2' } });
    expect(over.status).toBe(409);
    expect(over.json.error.code).toBe('overpayment');
    const bad = await api.request('POST', `/v1/invoices/${june0.id}/payments`, { token: finance, body: { amount: '-5', date: '2026-08-10', reference: 'x' } });
    expect(bad.status).toBe(400);
    expect((await api.request('POST', `/v1/invoices/${june0.id}/payments`, { token: advertiserToken, body: payment })).status).toBe(403);
    const rest = await call('POST', `/v1/invoices/${june0.id}/payments`, finance, { amount: '1500.00', date: '2026-08-10', reference: 'WIRE-2' }, 201);
    expect(rest).toMatchObject({ amountPaid: '2000.00', balanceDue: '0.00', paymentStatus: 'PAID' });
    expect(rest.payments.map((p: any) => p.amount)).toEqual(['500.00', '1500.00']);
    // The advertiser sees its own invoice's payments.
    expect(await call('GET', `/v1/invoices/${june0.id}`, advertiserToken)).toMatchObject({ amountPaid: '2000.00', balanceDue: '0.00', paymentStatus: 'PAID' });

    // The voided invoice takes no payment; its reissue (3,000.00, issued 2026-08-01, due 2026-08-31) is OPEN.
    const list = await call('GET', '/v1/invoices?period=2026-06&status=VOID', finance);
    const voided = list.items.find((i: any) => i.contractId === contractIds[1]);
    const refused = await api.request('POST', `/v1/invoices/${voided.id}/payments`, { token: finance, body: payment });
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('invoice_void');
    const reissue = (await call('GET', '/v1/invoices?period=2026-06&status=FINALIZED', finance)).items.find((i: any) => i.reissueOf === voided.id);
    expect(reissue).toMatchObject({ total: '3000.00', dueDate: '2026-08-31', paymentStatus: 'OPEN' });

    // Contract 2's June invoice, 3,000.00 due 2026-08-01: 1,000.00 paid on 2026-07-20 leaves 2,000.00 overdue.
    const june2 = await juneOf(contractIds[2]!);
    expect(await call('POST', `/v1/invoices/${june2.id}/payments`, finance, { amount: '1000.00', date: '2026-07-20', reference: 'CHK-77' }, 201)).toMatchObject({
      balanceDue: '2000.00',
      paymentStatus: 'OVERDUE',
    });

    await poller.drain();
    const trail = (await new DynamoAuditRepository(documentClient(), api.tableName).listEntries(`invoice#${june0.id}`, { limit: 50 })).items;
    // Each payment is one audited change of the invoice: its payments list grows by one.
    expect(trail.map((e) => ((e.after as any)?.payments ?? []).length).filter((n) => n > 0)).toEqual([1, 2]);
    expect(trail.at(-1)!.after).toMatchObject({ amountPaid: '2000.00' });
  });

  it('ages the open balances as of a day, by advertiser and currency (hand-worked)', async () => {
    // 2026-08-10: contract 2 owes 2,000.00, 9 days past 2026-08-01 (1-30); the reissue 3,000.00 is not yet due (current).
    expect(await call('GET', '/v1/receivables?asOf=2026-08-10', finance)).toEqual({
      asOf: '2026-08-10',
      items: [{ advertiserId, currency: 'USD', current: '3000.00', d1_30: '2000.00', d31_60: '0.00', d61_90: '0.00', over90: '0.00', total: '5000.00' }],
    });
    // 2026-07-15: the reissue was not issued yet, the payments were not made yet: 2,000.00 + 3,000.00, both due 2026-08-01.
    expect((await call('GET', '/v1/receivables?asOf=2026-07-15', finance)).items).toEqual([
      { advertiserId, currency: 'USD', current: '5000.00', d1_30: '0.00', d31_60: '0.00', d61_90: '0.00', over90: '0.00', total: '5000.00' },
    ]);
    // 2026-11-15: 2,000.00 is 106 days past 2026-08-01 (over 90); 3,000.00 is 76 days past 2026-08-31 (61-90).
    expect((await call('GET', '/v1/receivables?asOf=2026-11-15', finance)).items).toEqual([
      { advertiserId, currency: 'USD', current: '0.00', d1_30: '0.00', d31_60: '0.00', d61_90: '3000.00', over90: '2000.00', total: '5000.00' },
    ]);
    expect((await api.request('GET', '/v1/receivables?asOf=2026-13-01', { token: finance })).status).toBe(400);
    expect((await api.request('GET', '/v1/receivables?asOf=2026-08-10', { token: advertiserToken })).status).toBe(403);
    expect((await api.request('GET', '/v1/receivables?asOf=2026-08-10', { token: ops })).status).toBe(403);
  });
});
