/**
 * Domain events for the ERP through the local stack: a contract approved, a billing run, an
 * invoice finalized, paid and voided (its credit note issued), a credit approved, all through
 * the local API; the table's stream feeds the real events Lambda, whose bus is a JSON Lines
 * file as under `npm start`. Every line is validated against its schema file, there is exactly
 * one event per change, and redelivering the stream (the same batches again, and a fresh
 * consumer reading from the oldest record) publishes nothing twice.
 */
import '../workflow/quiet-logs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, startTestEventsPoller, type TestApi, type TestEventsPoller } from '../support/api';
import { s3Client } from '../support/aws';
import { schemaErrors } from '../support/event-schemas';
import { readEventLines, type LocalEventLine } from '../../scripts/lib/jsonl-event-sink';
import { startStreamPoller } from '../../scripts/lib/stream-poller';
import { LocalBillingWorkflow, synthesizeBillingWorkflow } from '../../scripts/lib/local-workflow';
import { useLocalBillingWorkflow } from '../../functions/runtime/workflow';
import { useRuntimeClock } from '../../functions/runtime/clock';
import { fixedClock } from '../../shared/domain/kernel/clock';
import { dynamoEndpoint } from '../support/endpoints';

let api: TestApi;
let events: TestEventsPoller;
let workflow: LocalBillingWorkflow;
let dir: string;
let finance: string;
let ops: string;
let approver: string;
const clock = fixedClock('2026-07-01T08:00:00.000Z');
const ids: { advertiser?: string; contract?: string; run?: string; invoice?: string; creditNote?: string; payment?: string; credit?: string } = {};

async function call(method: string, path: string, token: string, body?: unknown, status = 200): Promise<any> {
  const res = await api.request(method, path, { token, ...(body !== undefined ? { body } : {}) });
  expect(res.status, `${method} ${path}: ${res.text}`).toBe(status);
  return res.json;
}

const lines = (): LocalEventLine[] => readEventLines(events.file);
const ofType = (type: string) => lines().filter((l) => l['detail-type'] === type);

beforeAll(async () => {
  useRuntimeClock(clock);
  api = await startTestApi();
  dir = mkdtempSync(join(tmpdir(), 'erp-events-'));
  events = await startTestEventsPoller(join(dir, 'events.jsonl'));
  await synthesizeBillingWorkflow();
  workflow = new LocalBillingWorkflow({ exportsBucket: api.buckets.exports, s3: s3Client(), retryIntervalMs: 5 });
  useLocalBillingWorkflow(workflow);
  [finance, ops, approver] = await Promise.all([
    api.token({ sub: 'fiona', roles: ['finance'] }),
    api.token({ sub: 'olivia', roles: ['ops', 'admin'] }),
    api.token({ sub: 'arnold', roles: ['approver'] }),
  ]);
}, 120_000);

afterAll(async () => {
  await workflow?.settle();
  useLocalBillingWorkflow(undefined);
  useRuntimeClock(undefined);
  await events?.stop();
  await api?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the month close publishes its events', () => {
  it('approve a contract -> ContractApproved', { timeout: 60_000 }, async () => {
    ids.advertiser = (await call('POST', '/v1/advertisers', ops, { name: 'Acme', currency: 'USD', timezone: 'UTC' }, 201)).id;
    const terms = { charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '10' } }], minimumCommitment: null, budgetCap: null, agencyCommissionPct: null, partners: [] };
    const contract = await call('POST', '/v1/contracts', ops, { advertiserId: ids.advertiser, name: 'CTV', currency: 'USD', timezone: 'UTC', startDate: '2026-01-01', endDate: '2026-12-31', terms }, 201);
    ids.contract = contract.id;
    await call('POST', `/v1/contracts/${contract.id}/versions/1/submit`, ops, {});
    await events.drain();
    expect(lines()).toEqual([]);
    await call('POST', `/v1/contracts/${contract.id}/versions/1/approve`, approver, {});
    await events.drain();
    expect(lines()).toEqual([
      {
        source: 'ctv.billing',
        'detail-type': 'ContractApproved',
        time: '2026-07-01T08:00:00.000Z',
        detail: expect.objectContaining({ schemaVersion: 1, actor: 'arnold', contractId: contract.id, versionNumber: 1, versionKind: 'INITIAL', effectiveFrom: '2026-01-01', approvedAt: '2026-07-01T08:00:00.000Z' }),
      },
    ]);
  });

  it('a billing run -> BillingRunCompleted (drafts raise nothing)', { timeout: 120_000 }, async () => {
    // 250,000 impressions at 10.00 CPM: 2,500.00.
    await call('POST', '/v1/usage/impressions', ops, { contractId: ids.contract, records: [{ date: '2026-06-10', chargeId: 'ctv', count: 250_000, source: 'FIRST_PARTY' }] }, 202);
    clock.set('2026-07-03T06:00:00.000Z');
    const started = await call('POST', '/v1/billing-runs', finance, { period: '2026-06' }, 202);
    const execution = await workflow.waitFor(started.id);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    const run = await call('GET', `/v1/billing-runs/${started.id}`, finance);
    ids.run = run.id;
    ids.invoice = run.invoiceIds[0];
    await events.drain();
    expect(ofType('BillingRunCompleted').map((l) => l.detail)).toEqual([
      expect.objectContaining({ runId: run.id, period: '2026-06', runSeq: 1, status: 'SUCCEEDED', contractsRated: 1, contractsFailed: 0, totals: [{ currency: 'USD', total: '2500.00', invoices: 1 }] }),
    ]);
    expect(ofType('InvoiceFinalized')).toEqual([]);
  });

  it('finalize -> InvoiceFinalized; a payment -> PaymentRecorded', { timeout: 60_000 }, async () => {
    clock.set('2026-07-04T09:00:00.000Z');
    const invoice = await call('POST', `/v1/invoices/${ids.invoice}/finalize`, finance, {});
    clock.set('2026-07-20T09:00:00.000Z');
    const paid = await call('POST', `/v1/invoices/${ids.invoice}/payments`, finance, { amount: '1000.00', date: '2026-07-19', reference: 'WIRE-1' }, 201);
    ids.payment = paid.payment.id;
    await events.drain();
    expect(ofType('InvoiceFinalized').map((l) => l.detail)).toEqual([
      expect.objectContaining({ invoiceId: ids.invoice, number: invoice.number, kind: 'INVOICE', contractId: ids.contract, advertiserId: ids.advertiser, period: '2026-06', currency: 'USD', total: '2500.00', finalizedAt: '2026-07-04T09:00:00.000Z', actor: 'fiona' }),
    ]);
    expect(ofType('PaymentRecorded').map((l) => l.detail)).toEqual([
      expect.objectContaining({ invoiceId: ids.invoice, invoiceNumber: invoice.number, paymentId: ids.payment, amount: '1000.00', date: '2026-07-19', reference: 'WIRE-1', invoiceTotal: '2500.00', amountPaid: '1000.00', balanceDue: '1500.00' }),
    ]);
  });

  it('void -> InvoiceVoided, and its credit note -> InvoiceFinalized of kind CREDIT_NOTE', { timeout: 60_000 }, async () => {
    clock.set('2026-07-21T09:00:00.000Z');
    const voided = await call('POST', `/v1/invoices/${ids.invoice}/void`, finance, { reason: 'wrong rate' });
    ids.creditNote = voided.creditNote.id;
    await events.drain();
    expect(ofType('InvoiceVoided').map((l) => l.detail)).toEqual([
      expect.objectContaining({ invoiceId: ids.invoice, total: '2500.00', voidedAt: '2026-07-21T09:00:00.000Z', voidReason: 'wrong rate', creditNoteId: ids.creditNote }),
    ]);
    expect(ofType('InvoiceFinalized').map((l) => l.detail)).toEqual([
      expect.objectContaining({ invoiceId: ids.invoice, kind: 'INVOICE' }),
      expect.objectContaining({ invoiceId: ids.creditNote, kind: 'CREDIT_NOTE', total: '-2500.00', creditsInvoiceId: ids.invoice }),
    ]);
  });

  it('approve a credit -> CreditApproved (its creation raises nothing)', { timeout: 60_000 }, async () => {
    const credit = await call('POST', `/v1/contracts/${ids.contract}/credits`, ops, { period: '2026-07', amount: '300.00', reason: 'MAKE_GOOD', note: 'missed delivery' }, 201);
    ids.credit = credit.id;
    await events.drain();
    expect(ofType('CreditApproved')).toEqual([]);
    await call('POST', `/v1/contracts/${ids.contract}/credits/${credit.id}/approve`, approver, {});
    await events.drain();
    expect(ofType('CreditApproved').map((l) => l.detail)).toEqual([
      expect.objectContaining({ creditId: credit.id, contractId: ids.contract, period: '2026-07', amount: '300.00', reason: 'MAKE_GOOD', note: 'missed delivery', approvers: ['arnold'], actor: 'arnold' }),
    ]);
  });
});

describe('what the ERP receives', () => {
  it('every line follows its schema file, in the order of the changes, one event per change', () => {
    const all = lines();
    const types = all.map((l) => l['detail-type']);
    expect(types.slice(0, 4)).toEqual(['ContractApproved', 'BillingRunCompleted', 'InvoiceFinalized', 'PaymentRecorded']);
    // The void's one transaction: the invoice and its credit note, in either order.
    expect(types.slice(4, 6).sort()).toEqual(['InvoiceFinalized', 'InvoiceVoided']);
    expect(types.slice(6)).toEqual(['CreditApproved']);
    for (const line of all) {
      expect(line.source).toBe('ctv.billing');
      expect(line.time).toBe(line.detail.occurredAt);
      expect(schemaErrors(line['detail-type'], line.detail), JSON.stringify(line)).toEqual([]);
    }
    // One event per change: every event id is a stream record the consumer was given, each once.
    const eventIds = all.map((l) => l.detail.eventId);
    expect(new Set(eventIds).size).toBe(all.length);
    const streamIds = new Set(events.delivered.map((r) => r.eventID));
    for (const id of eventIds) expect(streamIds.has(id), id).toBe(true);
    expect(events.failures).toEqual([]);
  });

  it('redelivering the same stream records publishes nothing twice', { timeout: 60_000 }, async () => {
    const before = lines();
    // The batches again, as a Lambda retry would deliver them.
    const records = [...events.delivered];
    for (let i = 0; i < records.length; i += 100) {
      const response = await events.handler({ Records: records.slice(i, i + 100) }, undefined as never);
      expect(response?.batchItemFailures ?? []).toEqual([]);
    }
    expect(lines()).toEqual(before);
    // A fresh consumer reading the whole stream from its oldest record (a replayed mapping).
    const replay = await startStreamPoller({ tableName: api.tableName, endpoint: dynamoEndpoint(), handler: events.handler, functionName: 'events-replay', intervalMs: 50 });
    try {
      await replay.drain();
    } finally {
      await replay.stop();
    }
    expect(lines()).toEqual(before);
  });
});
