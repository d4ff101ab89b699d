/**
 * The largest invoices through finalize and void over the API, with Idempotency-Key replays:
 * a 5,000-line invoice (its lines in line items of their own) whose finalize and void
 * responses are far over a DynamoDB item, so the idempotency record keeps them in S3 by
 * sha256. Every item the two calls change (header, line items, counter, credit note) reaches
 * the audit trail, and the chains and the archive verify.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { S3AuditArchive } from '../../shared/adapters/s3/audit-archive';
import { RESPONSE_OVERFLOW_PREFIX } from '../../shared/adapters/s3/response-overflow';
import { verifyAgainstArchive } from '../../shared/domain/audit/verify-archive';
import { verifyAllChains } from '../../shared/domain/audit/verify-chains';
import { systemClock } from '../../shared/domain/kernel/clock';
import type { RatedPeriodInput } from '../../shared/domain/invoices/invoice';
import { startTestApi, startTestAuditPoller, type TestApi } from '../support/api';
import { documentClient, s3Client } from '../support/aws';
import { InvoicesOnTable } from '../support/invoices';

const LINES = 5_000;
let api: TestApi;
let poller: Awaited<ReturnType<typeof startTestAuditPoller>>;
let finance: string;
let invoiceId: string;

/** 5,000 geo lines of 1,000 impressions at 1.25: a subtotal of 6,250.00, about 1.3 MB of JSON. */
const rated: RatedPeriodInput = {
  period: '2029-03',
  currency: 'USD',
  isRerun: false,
  lines: Array.from({ length: LINES }, (_, i) => ({
    type: 'USAGE' as const,
    chargeId: `geo-${i}`,
    version: 1,
    quantity: '1000',
    amount: '1.25',
    explanation: { kind: 'CPM_USAGE', quantity: '1000', rate: '1.25', amount: '1.25', geo: `G${String(i).padStart(4, '0')}`, note: 'x'.repeat(120) },
  })),
  subtotal: '6250.00',
  total: '6250.00',
  partnerPayoutsByCharge: [],
  flags: [],
};

beforeAll(async () => {
  api = await startTestApi();
  poller = await startTestAuditPoller();
  finance = await api.token({ sub: 'fiona', roles: ['finance'] });
  const repo = new InvoicesOnTable(documentClient(), api.tableName, systemClock);
  invoiceId = (await repo.writeRunInvoice({ runId: 'run-1', runSeq: 1, contract: { id: 'c-huge', advertiserId: 'adv-1', currency: 'USD' }, rated, actor: 'system:billing-run', at: '2029-04-02T00:00:00.000Z' })).invoiceId;
}, 120_000);
afterAll(async () => {
  await poller?.stop();
  await api?.stop();
});

const overflowObjects = async () =>
  ((await s3Client().send(new ListObjectsV2Command({ Bucket: api.buckets.exports, Prefix: RESPONSE_OVERFLOW_PREFIX }))).Contents ?? []).map((o) => o.Key!);

describe('the largest invoice through finalize and void', () => {
  it('finalizes and voids once each under Idempotency-Key replays, and every change is audited and verifies', { timeout: 240_000 }, async () => {
    const finalize = () => api.request('POST', `/v1/invoices/${invoiceId}/finalize`, { token: finance, headers: { 'idempotency-key': 'fin-huge', 'if-match': '"1"' } });
    const finalized = await finalize();
    expect(finalized.status, finalized.text).toBe(200);
    expect(finalized.json).toMatchObject({ status: 'FINALIZED', total: '6250.00' });
    expect(finalized.json.lines).toHaveLength(LINES);
    expect(finalized.text.length).toBeGreaterThan(1_000_000);
    // The response is over a DynamoDB item: the idempotency record points at S3.
    expect(await overflowObjects()).toHaveLength(1);

    const replayed = await finalize();
    expect(replayed.status).toBe(200);
    expect(replayed.headers.get('idempotency-replayed')).toBe('true');
    expect(replayed.text).toBe(finalized.text);
    // Without the key, the same call is a conflict: the replay above did not finalize twice.
    expect((await api.request('POST', `/v1/invoices/${invoiceId}/finalize`, { token: finance })).status).toBe(409);

    const voidInvoice = (reason: string) => api.request('POST', `/v1/invoices/${invoiceId}/void`, { token: finance, body: { reason }, headers: { 'idempotency-key': 'void-huge' } });
    const voided = await voidInvoice('billed to the wrong entity');
    expect(voided.status, voided.text).toBe(200);
    expect(voided.json).toMatchObject({ status: 'VOID' });
    expect(voided.json.creditNote).toMatchObject({ kind: 'CREDIT_NOTE', total: '-6250.00', creditsInvoiceId: invoiceId });
    const creditNoteId = voided.json.creditNote.id as string;
    const voidReplay = await voidInvoice('billed to the wrong entity');
    expect(voidReplay.status).toBe(200);
    expect(voidReplay.headers.get('idempotency-replayed')).toBe('true');
    expect(voidReplay.json).toEqual(voided.json);
    expect((await voidInvoice('another reason')).status).toBe(422);
    expect(await overflowObjects()).toHaveLength(2);

    const creditNote = await api.request('GET', `/v1/invoices/${creditNoteId}`, { token: finance });
    expect(creditNote.json.lines).toHaveLength(LINES);
    expect(creditNote.json.lines[LINES - 1]).toMatchObject({ amount: '-1.25', chargeId: `geo-${LINES - 1}` });
    const list = await api.request('GET', '/v1/invoices?period=2029-03', { token: finance });
    expect(list.json.items.map((i: { kind: string; status: string }) => [i.kind, i.status]).sort()).toEqual([['CREDIT_NOTE', 'FINALIZED'], ['INVOICE', 'VOID']]);

    await poller.drain({ timeoutMs: 180_000 });
    expect(poller.failures).toEqual([]);
    const repo = new DynamoAuditRepository(documentClient(), api.tableName);
    const archive = new S3AuditArchive(s3Client(), api.buckets.auditArchive);
    const invoiceChain = (await repo.readChain(`invoice#${invoiceId}`)).entries;
    const headerActions = invoiceChain.filter((e) => !e.entityKey.sk.includes('LINE')).map((e) => e.action);
    // Created by the run, finalized and voided once each: the replays changed nothing.
    expect(headerActions).toEqual(expect.arrayContaining(['CREATED', 'invoice.finalized', 'invoice.voided']));
    expect(headerActions.filter((a) => a === 'invoice.finalized')).toHaveLength(1);
    expect(headerActions.filter((a) => a === 'invoice.voided')).toHaveLength(1);
    // The line items were audited as they were written, each with its lines.
    const lineItems = invoiceChain.filter((e) => e.entityKey.sk.includes('LINE'));
    expect(lineItems.length).toBeGreaterThan(1);
    const creditChain = (await repo.readChain(`invoice#${creditNoteId}`)).entries;
    expect(creditChain.length).toBeGreaterThan(1);

    expect(await verifyAllChains(repo, { images: archive })).toMatchObject({ broken: [] });
    expect(await verifyAgainstArchive(repo, archive)).toMatchObject({ broken: [] });
  });
});
