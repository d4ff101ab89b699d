/**
 * Invoices, quotes, exports and statements through the local API. Run invoices are written
 * with the repository the billing workflow uses, on the API's own table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvoicesOnTable } from '../support/invoices';
import { systemClock } from '../../shared/domain/kernel/clock';
import { documentClient, s3Client } from '../support/aws';
import { FinanceExports } from '../../shared/adapters/s3/exports';
import { startTestApi, startTestAuditPoller, type TestApi } from '../support/api';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { january, januaryRerun } from '../unit/invoices/fixtures';
import { loadCase, withoutExpect } from '../support/cases';

let api: TestApi;
let poller: Awaited<ReturnType<typeof startTestAuditPoller>> | undefined;
let finance: string;
let ops: string;
let advertiser1: string;
let advertiser2: string;
let repo: InvoicesOnTable;
let inv1: string;
let inv2: string;

beforeAll(async () => {
  api = await startTestApi();
  poller = await startTestAuditPoller().catch(() => undefined);
  [finance, ops, advertiser1, advertiser2] = await Promise.all([
    api.token({ sub: 'fiona', roles: ['finance'] }),
    api.token({ sub: 'olivia', roles: ['ops'] }),
    api.token({ sub: 'ada', roles: ['advertiser'], advertiserId: 'adv-1' }),
    api.token({ sub: 'bob', roles: ['advertiser'], advertiserId: 'adv-2' }),
  ]);
  repo = new InvoicesOnTable(documentClient(), api.tableName, systemClock);
  const at = '2027-02-03T00:00:00.000Z';
  inv1 = (await repo.writeRunInvoice({ runId: 'run-1', runSeq: 1, contract: { id: 'c-1', advertiserId: 'adv-1', currency: 'USD' }, rated: january, actor: 'system', at })).invoiceId;
  inv2 = (await repo.writeRunInvoice({ runId: 'run-1', runSeq: 1, contract: { id: 'c-2', advertiserId: 'adv-2', currency: 'USD' }, rated: january, actor: 'system', at })).invoiceId;
  await repo.writeRunInvoice({ runId: 'run-2', runSeq: 2, contract: { id: 'c-1', advertiserId: 'adv-1', currency: 'USD' }, rated: januaryRerun, actor: 'system', at });
});

afterAll(async () => {
  await poller?.stop();
  await api?.stop();
});

describe('GET /v1/invoices and /v1/invoices/{id}', () => {
  it('shows finance every invoice with lines, explanations and an ETag', async () => {
    const res = await api.request('GET', `/v1/invoices/${inv1}`, { token: finance });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ id: inv1, contractId: 'c-1', period: '2027-01', status: 'DRAFT', currency: 'USD', subtotal: '15532.09', total: '13202.28' });
    expect(res.json.lines[0]).toMatchObject({ type: 'USAGE', chargeId: 'ctv-premium', version: 1, quantity: '1234567', amount: '15432.09', explanation: { kind: 'CPM_USAGE' } });
    expect(res.headers.get('etag')).toBe('"1"');
    const list = await api.request('GET', '/v1/invoices?period=2027-01', { token: finance });
    expect(list.json.items).toHaveLength(3);
    expect(list.json.nextCursor).toBeNull();
  });

  it('confines an advertiser to its own invoices: another advertiser\'s answers 404', async () => {
    // A draft is not in the advertiser view (test/api/advertiser-view.test.ts covers issued ones).
    const mine = await api.request('GET', `/v1/invoices/${inv1}`, { token: advertiser1 });
    expect(mine.status).toBe(404);
    expect((await api.request('GET', `/v1/invoices/${inv1}`, { token: finance })).json.partnerPayouts).toHaveLength(2);
    const issued = (await repo.writeRunInvoice({ runId: 'run-3', runSeq: 1, contract: { id: 'c-3', advertiserId: 'adv-2', currency: 'USD' }, rated: { ...january, period: '2026-12' }, actor: 'system', at: '2027-02-03T00:00:00.000Z' })).invoiceId;
    await repo.finalizeInvoice(issued, 'fiona');
    const other = await api.request('GET', `/v1/invoices/${issued}`, { token: advertiser1 });
    expect(other.status).toBe(404);
    expect(other.json.error.code).toBe('not_found');
    const own = await api.request('GET', '/v1/invoices', { token: advertiser2 });
    expect(own.json.items.map((i: any) => i.id)).toEqual([issued]);
    const asked = await api.request('GET', '/v1/invoices?advertiserId=adv-1', { token: advertiser2 });
    expect(asked.json).toEqual({ items: [], nextCursor: null });
  });

  it('answers 404 for an unknown invoice and 403 for a role without access', async () => {
    expect((await api.request('GET', '/v1/invoices/inv_nope', { token: finance })).status).toBe(404);
    expect((await api.request('GET', '/v1/invoices', { token: ops })).status).toBe(403);
    expect((await api.request('GET', '/v1/invoices?status=PAID', { token: finance })).status).toBe(400);
  });
});

describe('finalize and void', () => {
  it('finalizes DRAFT -> FINALIZED with a number; a second finalize answers 409', async () => {
    const stale = await api.request('POST', `/v1/invoices/${inv1}/finalize`, { token: finance, headers: { 'if-match': '"9"' } });
    expect(stale.status).toBe(412);
    expect((await api.request('POST', `/v1/invoices/${inv1}/finalize`, { token: advertiser1 })).status).toBe(403);
    const res = await api.request('POST', `/v1/invoices/${inv1}/finalize`, { token: finance, headers: { 'if-match': '"1"' } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.status).toBe('FINALIZED');
    expect(res.json.number).toMatch(/^INV-\d{4}-\d{6}$/);
    const again = await api.request('POST', `/v1/invoices/${inv1}/finalize`, { token: finance });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('illegal_transition');
  });

  it('voids FINALIZED -> VOID with a credit note; illegal voids answer 409', async () => {
    const draftVoid = await api.request('POST', `/v1/invoices/${inv2}/void`, { token: finance, body: { reason: 'duplicate' } });
    expect(draftVoid.status).toBe(409);
    expect((await api.request('POST', `/v1/invoices/${inv1}/void`, { token: finance, body: {} })).status).toBe(400);
    const res = await api.request('POST', `/v1/invoices/${inv1}/void`, { token: finance, body: { reason: 'billed to the wrong entity' } });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ id: inv1, status: 'VOID' });
    expect(res.json.creditNote).toMatchObject({ kind: 'CREDIT_NOTE', status: 'FINALIZED', creditsInvoiceId: inv1, total: '-13202.28' });
    expect(res.json.creditNote.number).toMatch(/^CN-\d{4}-\d{6}$/);
    const cn = await api.request('GET', `/v1/invoices/${res.json.creditNote.id}`, { token: advertiser1 });
    expect(cn.status).toBe(200);
    expect((await api.request('POST', `/v1/invoices/${inv1}/void`, { token: finance, body: { reason: 'again' } })).status).toBe(409);
  });
});

describe('audit of invoices', () => {
  it('chains the invoice\'s creation, finalization and void, with their actors', async (ctx) => {
    if (!poller) ctx.skip();
    await poller!.drain();
    const audit = new DynamoAuditRepository(documentClient(), api.tableName);
    const { entries } = await audit.readChain(`invoice#${inv1}`);
    const actions = entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['invoice.finalized', 'invoice.voided']));
    expect(entries.map((e) => e.actor)).toEqual(expect.arrayContaining(['system', 'fiona']));
    entries.forEach((e, i) => {
      expect(e.seq).toBe(i + 1);
      if (i > 0) expect(e.prevHash).toBe(entries[i - 1]!.hash);
    });
    expect(poller!.failures).toEqual([]);
  });
});

describe('POST /v1/quotes', () => {
  it.each(['partner-shares', 'cpa-reversal-rerun', 'agency-commission'])('returns the figures of conformance case %s', async (name) => {
    const kase = loadCase(name);
    const res = await api.request('POST', '/v1/quotes', { token: ops, body: withoutExpect(kase) });
    expect(res.status, res.text).toBe(200);
    expect(res.json.invoices).toHaveLength(kase.runs.length);
    kase.runs.forEach((run: any, i: number) => {
      const got = res.json.invoices[i];
      if (run.expect.total) expect(got.total).toBe(run.expect.total);
      if (run.expect.subtotal) expect(got.subtotal).toBe(run.expect.subtotal);
      for (const line of run.expect.lines ?? []) expect(got.lines).toContainEqual(expect.objectContaining(line));
      for (const payout of run.expect.partnerPayouts ?? []) expect(got.partnerPayouts).toContainEqual(payout);
    });
  });

  it('answers 400 with field paths for invalid inputs and stores nothing', async () => {
    const kase = withoutExpect(loadCase('invalid-unknown-currency'));
    const res = await api.request('POST', '/v1/quotes', { token: finance, body: kase });
    expect(res.status).toBe(400);
    expect(res.json.error.details.length).toBeGreaterThan(0);
    expect(res.json.error.details[0].path).toMatch(/currency/);
    const shape = await api.request('POST', '/v1/quotes', { token: finance, body: { contract: {}, usage: { impressions: [], conversions: [] }, runs: [] } });
    expect(shape.status).toBe(400);
    expect((await api.request('POST', '/v1/quotes', { token: advertiser1, body: kase })).status).toBe(403);
  });
});

describe('GET /v1/exports and partner statements', () => {
  it('lists the files the billing workflow exported, with presigned URLs; a GET never writes one', async () => {
    const unexported = await api.request('GET', '/v1/exports?period=2027-01', { token: finance });
    expect(unexported.json).toEqual({ items: [] });
    // What the billing workflow's Export step does after rating the period.
    await new FinanceExports(s3Client(), api.buckets.exports, repo, systemClock).writePeriodExport('2027-01');
    const res = await api.request('GET', '/v1/exports?period=2027-01', { token: finance });
    expect(res.status, res.text).toBe(200);
    const keys = res.json.items.map((i: any) => i.key);
    for (const name of ['invoices.csv', 'invoices.jsonl', 'invoice-lines.csv', 'invoice-lines.jsonl', 'partner-payouts.csv', 'journal.csv', 'manifest.json']) {
      expect(keys).toContain(`exports/2027-01/${name}`);
    }
    const journal = res.json.items.find((i: any) => i.key.endsWith('journal.csv'));
    expect(journal.format).toBe('csv');
    const download = await fetch(journal.url);
    expect(download.status).toBe(200);
    expect(await download.text()).toContain('Accounts receivable');
    expect((await api.request('GET', '/v1/exports', { token: finance })).status).toBe(400);
    expect((await api.request('GET', '/v1/exports?period=2027-01', { token: ops })).status).toBe(403);
  });

  it("sums a partner's payouts for a period across runs", async () => {
    const res = await api.request('GET', '/v1/partners/aff-3/statements?period=2027-01', { token: finance });
    expect(res.status, res.text).toBe(200);
    // c-1: 30.00 then -20.00 on re-run; c-2: 30.00
    expect(res.json.totals).toEqual([{ currency: 'USD', amount: '40.00' }]);
    expect(res.json.lines.map((l: any) => [l.contractId, l.amount])).toEqual([['c-1', '10.00'], ['c-2', '30.00']]);
  });
});
