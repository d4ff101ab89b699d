/**
 * POST/GET /v1/billing-runs through the local API, the run executed by the local workflow
 * (the synthesized state machine) registered as this process's billing workflow.
 */
import '../workflow/quiet-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api';
import { s3Client } from '../support/aws';
import { LocalBillingWorkflow, synthesizeBillingWorkflow } from '../../scripts/lib/local-workflow';
import { useLocalBillingWorkflow } from '../../functions/runtime/workflow';

let api: TestApi;
let workflow: LocalBillingWorkflow;
let finance: string;
let ops: string;
let contractId: string;
/** Holds the first run in its Plan step until released, so "still RUNNING" is certain. */
let releasePlan: () => void = () => undefined;
const planGate = new Promise<void>((resolve) => (releasePlan = resolve));

const terms = { charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '8' } }], minimumCommitment: null, budgetCap: null, agencyCommissionPct: null, partners: [] };

beforeAll(async () => {
  api = await startTestApi();
  await synthesizeBillingWorkflow();
  workflow = new LocalBillingWorkflow({
    exportsBucket: api.buckets.exports,
    s3: s3Client(),
    retryIntervalMs: 5,
    hooks: { beforeTask: (call) => (call.state === 'Plan' ? planGate : undefined) },
  });
  useLocalBillingWorkflow(workflow);
  [finance, ops] = await Promise.all([api.token({ sub: 'fiona', roles: ['finance'] }), api.token({ sub: 'olivia', roles: ['ops', 'admin'] })]);
  const approver = await api.token({ sub: 'arnold', roles: ['approver'] });
  const advertiser = await api.request('POST', '/v1/advertisers', { token: ops, body: { name: 'Acme', currency: 'USD', timezone: 'UTC' } });
  const contract = await api.request('POST', '/v1/contracts', {
    token: ops,
    body: { advertiserId: advertiser.json.id, name: 'CTV', currency: 'USD', timezone: 'UTC', startDate: '2026-01-01', endDate: '2026-12-31', terms },
  });
  contractId = contract.json.id;
  expect((await api.request('POST', `/v1/contracts/${contractId}/versions/1/submit`, { token: ops, body: {} })).status).toBe(200);
  expect((await api.request('POST', `/v1/contracts/${contractId}/versions/1/approve`, { token: approver, body: {} })).status).toBe(200);
  const usage = await api.request('POST', '/v1/usage/impressions', {
    token: ops,
    body: { contractId, records: [{ date: '2026-06-10', chargeId: 'ctv', count: 250_000, source: 'FIRST_PARTY' }] },
  });
  expect(usage.status).toBe(202);
}, 240_000);

afterAll(async () => {
  await workflow?.settle();
  useLocalBillingWorkflow(undefined);
  await api?.stop();
});

describe('billing runs over the API', () => {
  it('starts a run (202 RUNNING), refuses a second one of the period (409), then shows it SUCCEEDED with its invoice', { timeout: 120_000 }, async () => {
    const started = await api.request('POST', '/v1/billing-runs', { token: finance, body: { period: '2026-06' }, headers: { 'idempotency-key': 'run-june' } });
    expect(started.status).toBe(202);
    expect(started.json).toMatchObject({ id: expect.stringMatching(/^br-2026-06-1-/), status: 'RUNNING', runSeq: 1 });
    // The same request again is the same answer (idempotency), not a second run.
    const replay = await api.request('POST', '/v1/billing-runs', { token: finance, body: { period: '2026-06' }, headers: { 'idempotency-key': 'run-june' } });
    expect(replay.json.id).toBe(started.json.id);
    const conflict = await api.request('POST', '/v1/billing-runs', { token: finance, body: { period: '2026-06' } });
    expect(conflict.status).toBe(409);
    expect(conflict.json.error.code).toBe('billing_run_in_progress');
    const running = await api.request('GET', `/v1/billing-runs/${started.json.id}`, { token: finance });
    expect(running.json).toMatchObject({ status: 'RUNNING', progress: { done: 0 }, invoiceIds: [] });
    releasePlan();
    await workflow.waitFor(started.json.id);
    const run = await api.request('GET', `/v1/billing-runs/${started.json.id}`, { token: finance });
    expect(run.status).toBe(200);
    // 250,000 impressions at 8.00 CPM = 2,000.00.
    expect(run.json).toMatchObject({
      id: started.json.id,
      period: '2026-06',
      status: 'SUCCEEDED',
      progress: { done: 1, total: 1 },
      invoiceIds: [expect.any(String)],
      invoices: [{ contractId, currency: 'USD', total: '2000.00' }],
      totals: [{ currency: 'USD', total: '2000.00', invoices: 1 }],
      startedBy: 'fiona',
      failureReason: null,
    });
    const invoice = await api.request('GET', `/v1/invoices/${run.json.invoiceIds[0]}`, { token: finance });
    expect(invoice.status).toBe(200);
    expect(invoice.json).toMatchObject({ contractId, period: '2026-06', status: 'DRAFT', total: '2000.00' });
  });

  it('runs only the contracts named, and a later run of the period is run 2', { timeout: 120_000 }, async () => {
    const started = await api.request('POST', '/v1/billing-runs', { token: finance, body: { period: '2026-06', contractIds: [contractId, 'ctr-unknown'] } });
    expect(started.status).toBe(202);
    expect(started.json.runSeq).toBe(2);
    await workflow.waitFor(started.json.id);
    const run = await api.request('GET', `/v1/billing-runs/${started.json.id}`, { token: finance });
    // Nothing changed since run 1: an adjustment of 0.00; the unknown contract is not in the plan.
    expect(run.json).toMatchObject({ status: 'SUCCEEDED', contractIds: [contractId, 'ctr-unknown'], progress: { done: 1, total: 1 }, invoices: [{ contractId, total: '0.00' }] });
  });

  it('answers 400 for a bad period, 403 for other roles, 404 for an unknown run', async () => {
    const bad = await api.request('POST', '/v1/billing-runs', { token: finance, body: { period: '2026-13' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0].path).toBe('period');
    expect((await api.request('POST', '/v1/billing-runs', { token: finance, body: { period: '2026-06', contractIds: [] } })).status).toBe(400);
    expect((await api.request('POST', '/v1/billing-runs', { token: ops, body: { period: '2026-06' } })).status).toBe(403);
    expect((await api.request('GET', '/v1/billing-runs/br-2026-06-9-nope', { token: ops })).status).toBe(403);
    expect((await api.request('GET', '/v1/billing-runs/br-2026-06-9-nope', { token: finance })).status).toBe(404);
  });
});
