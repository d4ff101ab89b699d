/**
 * Tax through the API: advertisers with a VAT rate, reverse charge and exemption, billed by real
 * billing runs (the synthesized workflow, DynamoDB Local, s3rver). The TAX line is computed on
 * each document's own taxable total: the first run's invoice, the re-run's ADJUSTMENT invoice
 * (never an adjustment of the tax line itself), the credit note of a void; the period's
 * journal stays balanced with tax payable.
 */
import '../workflow/quiet-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api';
import { s3Client } from '../support/aws';
import { LocalBillingWorkflow, synthesizeBillingWorkflow } from '../../scripts/lib/local-workflow';
import { useLocalBillingWorkflow } from '../../functions/runtime/workflow';
import { pdfStrings } from '../support/pdf-text';

let api: TestApi;
let workflow: LocalBillingWorkflow;
let finance: string;
let ops: string;
let approver: string;
const contracts: Record<'vat' | 'reverse' | 'exempt', string> = { vat: '', reverse: '', exempt: '' };

// 12.50 CPM with 15% agency commission.
const terms = { charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '12.50' } }], minimumCommitment: null, budgetCap: null, agencyCommissionPct: '15', partners: [] };
const address = { line1: 'Friedrichstr. 68', city: 'Berlin', postalCode: '10117', country: 'DE' };
const profiles = {
  vat: { legalName: 'Acme Streaming GmbH', address, taxId: 'DE811907980', tax: { kind: 'RATE', ratePct: '19', label: 'VAT' }, paymentTermsDays: 30, invoiceEmail: 'ap@acme.example' },
  reverse: {
    legalName: 'Nordic Views AB',
    address: { line1: 'Kungsgatan 1', city: 'Stockholm', postalCode: '111 43', country: 'SE' },
    taxId: 'SE556677889901',
    tax: { kind: 'REVERSE_CHARGE', note: 'Reverse charge: VAT to be accounted for by the recipient, Article 196 of Directive 2006/112/EC.' },
    paymentTermsDays: 45,
    invoiceEmail: 'invoices@nordic.example',
  },
  exempt: { legalName: 'Public Broadcasting Trust', address, tax: { kind: 'EXEMPT' }, paymentTermsDays: 14, invoiceEmail: 'finance@pbt.example' },
};

async function call(method: string, path: string, token: string, body?: unknown, status = 200): Promise<any> {
  const res = await api.request(method, path, { token, ...(body !== undefined ? { body } : {}) });
  expect(res.status, `${method} ${path}: ${res.text}`).toBe(status);
  return res.json;
}

async function impressions(contractId: string, date: string, count: number) {
  await call('POST', '/v1/usage/impressions', ops, { contractId, records: [{ date, chargeId: 'ctv', count, source: 'FIRST_PARTY' }] }, 202);
}

async function runPeriod(period: string): Promise<Record<string, any>> {
  const started = await call('POST', '/v1/billing-runs', finance, { period }, 202);
  const execution = await workflow.waitFor(started.id);
  expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
  const run = await call('GET', `/v1/billing-runs/${started.id}`, finance);
  const byContract: Record<string, any> = {};
  for (const { contractId, invoiceId } of run.invoices) byContract[contractId] = await call('GET', `/v1/invoices/${invoiceId}`, finance);
  return byContract;
}

const types = (invoice: any) => invoice.lines.map((l: any) => (l.adjusts ? `${l.type}:${l.adjusts}` : l.type));

beforeAll(async () => {
  api = await startTestApi();
  await synthesizeBillingWorkflow();
  workflow = new LocalBillingWorkflow({ exportsBucket: api.buckets.exports, s3: s3Client(), retryIntervalMs: 5 });
  useLocalBillingWorkflow(workflow);
  [finance, ops, approver] = await Promise.all([
    api.token({ sub: 'fiona', roles: ['finance'] }),
    api.token({ sub: 'olivia', roles: ['ops', 'admin'] }),
    api.token({ sub: 'arnold', roles: ['approver'] }),
  ]);
  for (const key of Object.keys(contracts) as (keyof typeof contracts)[]) {
    const advertiser = await call('POST', '/v1/advertisers', ops, { name: profiles[key].legalName, currency: 'EUR', timezone: 'UTC', billingProfile: profiles[key] }, 201);
    const contract = await call('POST', '/v1/contracts', ops, {
      advertiserId: advertiser.id, name: `CTV ${key}`, currency: 'EUR', timezone: 'UTC', startDate: '2026-01-01', endDate: '2026-12-31', poNumber: `PO-${key.toUpperCase()}-7`, terms,
    }, 201);
    contracts[key] = contract.id;
    await call('POST', `/v1/contracts/${contract.id}/versions/1/submit`, ops, {});
    await call('POST', `/v1/contracts/${contract.id}/versions/1/approve`, approver, {});
    // 1,234,567 impressions x 12.50 / 1000 = 15432.0875 -> 15432.09 (HALF_EVEN)
    await impressions(contract.id, '2026-06-10', 1_234_567);
  }
}, 240_000);

afterAll(async () => {
  await workflow?.settle();
  useLocalBillingWorkflow(undefined);
  await api?.stop();
});

const pdfs: Record<string, any> = {};

describe('tax on invoices billed by a run', () => {
  let first: Record<string, any>;

  it("adds one TAX line from the advertiser's treatment: rate, zero with the note, or none", { timeout: 120_000 }, async () => {
    first = await runPeriod('2026-06');
    // usage 15432.09; commission 15% = -2314.81 (2314.8135); taxable 13117.28
    const vat = first[contracts.vat];
    expect(types(vat)).toEqual(['USAGE', 'AGENCY_COMMISSION', 'TAX']);
    expect(vat.subtotal).toBe('15432.09');
    expect(vat.taxableTotal).toBe('13117.28');
    // 19% of 13117.28 = 2492.2832 -> 2492.28
    expect(vat.lines[2]).toMatchObject({ lineNo: 3, type: 'TAX', quantity: '1', amount: '2492.28' });
    expect(vat.tax).toEqual({ kind: 'RATE', label: 'VAT', ratePct: '19', note: null, taxableAmount: '13117.28', amount: '2492.28' });
    expect(vat.total).toBe('15609.56');
    expect(vat.billTo).toEqual(profiles.vat);
    expect(vat.purchaseOrder).toBe('PO-VAT-7');

    const reverse = first[contracts.reverse];
    expect(types(reverse)).toEqual(['USAGE', 'AGENCY_COMMISSION', 'TAX']);
    expect(reverse.lines[2].amount).toBe('0.00');
    expect(reverse.tax).toMatchObject({ kind: 'REVERSE_CHARGE', note: profiles.reverse.tax.note, amount: '0.00' });
    expect(reverse.total).toBe('13117.28');

    const exempt = first[contracts.exempt];
    expect(types(exempt)).toEqual(['USAGE', 'AGENCY_COMMISSION']);
    expect(exempt.tax).toBeNull();
    expect(exempt.total).toBe('13117.28');

    // The run's totals are what the documents invoice, tax included.
    const list = await call('GET', '/v1/invoices?period=2026-06', finance);
    expect(list.items.find((i: any) => i.contractId === contracts.vat)).toMatchObject({ total: '15609.56', taxableTotal: '13117.28' });
  });

  it("a re-run taxes its ADJUSTMENT invoice on the difference and never adjusts the TAX line", { timeout: 120_000 }, async () => {
    for (const id of Object.values(contracts)) await impressions(id, '2026-06-20', 80_000);
    const rerun = await runPeriod('2026-06');
    const vat = rerun[contracts.vat];
    expect(vat.kind).toBe('ADJUSTMENT');
    // +80,000 impressions: usage +1000.00, commission -150.00; taxable 850.00; 19% = 161.50
    expect(types(vat)).toEqual(['ADJUSTMENT:USAGE', 'ADJUSTMENT:AGENCY_COMMISSION', 'TAX']);
    expect(vat.lines.map((l: any) => l.amount)).toEqual(['1000.00', '-150.00', '161.50']);
    expect(vat.taxableTotal).toBe('850.00');
    expect(vat.total).toBe('1011.50');
    expect(types(rerun[contracts.reverse])).toEqual(['ADJUSTMENT:USAGE', 'ADJUSTMENT:AGENCY_COMMISSION', 'TAX']);
    expect(rerun[contracts.reverse].total).toBe('850.00');
    expect(types(rerun[contracts.exempt])).toEqual(['ADJUSTMENT:USAGE', 'ADJUSTMENT:AGENCY_COMMISSION']);

    // A third run with nothing new: no rated change, hence no tax either.
    const again = await runPeriod('2026-06');
    expect(again[contracts.vat].lines).toEqual([]);
    expect(again[contracts.vat].total).toBe('0.00');
  });

  it('a void issues a credit note with the TAX line negated; the journal balances with tax payable', { timeout: 120_000 }, async () => {
    const invoice = first[contracts.vat];
    await call('POST', `/v1/invoices/${invoice.id}/finalize`, finance, {});
    const voided = await call('POST', `/v1/invoices/${invoice.id}/void`, finance, { reason: 'issued to the wrong entity' });
    const cn = voided.creditNote;
    expect(types(cn)).toEqual(['USAGE', 'AGENCY_COMMISSION', 'TAX']);
    expect(cn.lines[2]).toMatchObject({ type: 'TAX', quantity: '-1', amount: '-2492.28' });
    expect(cn).toMatchObject({ taxableTotal: '-13117.28', total: '-15609.56', tax: { kind: 'RATE', amount: '-2492.28' } });

    // The corrected draft is taxed on its own taxable total with the advertiser's current profile.
    pdfs.invoice = await call('GET', `/v1/invoices/${invoice.id}`, finance);
    pdfs.creditNote = cn;
    const reissued = await call('POST', `/v1/invoices/${invoice.id}/reissue`, finance, {}, 201);
    expect(reissued.lines.at(-1).type).toBe('TAX');
    expect(reissued.lines.filter((l: any) => l.type === 'TAX')).toHaveLength(1);
    const taxableCents = reissued.lines.slice(0, -1).reduce((a: number, l: any) => a + Math.round(Number(l.amount) * 100), 0);
    expect(Math.round(Number(reissued.taxableTotal) * 100)).toBe(taxableCents);
    expect(Math.round(Number(reissued.lines.at(-1).amount) * 100)).toBe(Math.round(taxableCents * 0.19));
    expect(Math.round(Number(reissued.total) * 100)).toBe(taxableCents + Math.round(taxableCents * 0.19));

    await runPeriod('2026-07'); // writes the July export; June's is rewritten by the next run of June
    await runPeriod('2026-06');
    const files = await call('GET', '/v1/exports?period=2026-06', finance);
    const journal = await (await fetch(files.items.find((i: any) => i.key.endsWith('journal.csv')).url)).text();
    const rows = journal.trim().split(/\r?\n/).slice(1).map((r) => r.split(','));
    const header = journal.split(/\r?\n/)[0]!.split(',');
    const col = (name: string) => header.indexOf(name);
    const taxRows = rows.filter((r) => r[col('accountCode')] === '2200');
    // VAT invoice +2492.28, its credit note -2492.28, the adjustment +161.50, and the reissued draft's tax
    const net = taxRows.reduce((a, r) => a + Math.round(Number(r[col('credit')]) * 100) - Math.round(Number(r[col('debit')]) * 100), 0);
    expect(net).toBe(16150 + Math.round(Number(reissued.tax.amount) * 100));
    const debit = rows.reduce((a, r) => a + Math.round(Number(r[col('debit')]) * 100), 0);
    const credit = rows.reduce((a, r) => a + Math.round(Number(r[col('credit')]) * 100), 0);
    expect(debit).toBe(credit);
  });
});

async function pdfOf(id: string, token = finance): Promise<string[]> {
  const { url, key } = await call('GET', `/v1/invoices/${id}/pdf`, token);
  expect(key).toMatch(/^documents\/2026-06\/.+\.pdf$/);
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe('%PDF-');
  return pdfStrings(bytes);
}

/** Every figure of the document appears on its PDF: number, dates, parties, PO, each line's quantity and amount, tax, total. */
function expectEveryFigure(text: string[], invoice: any) {
  const joined = text.join('\n');
  expect(text).toContain(invoice.number);
  expect(text).toContain(invoice.issueDate);
  expect(text).toContain(invoice.dueDate);
  expect(text).toContain(invoice.currency);
  expect(text).toContain(invoice.billTo.legalName);
  expect(text).toContain(invoice.billTo.address.line1);
  expect(text).toContain('CTV Performance Media Ltd');
  expect(text).toContain(invoice.purchaseOrder);
  for (const line of invoice.lines) {
    const row = text.indexOf(String(line.lineNo));
    expect(row).toBeGreaterThanOrEqual(0);
    expect(text).toContain(line.quantity);
    expect(text).toContain(line.amount);
  }
  expect(text).toContain(invoice.taxableTotal);
  expect(text).toContain(invoice.total);
  expect(joined).toContain('Commission');
}

describe('invoice PDFs', () => {
  it('a finalized invoice and its credit note: every figure printed, tax with its label and rate', { timeout: 60_000 }, async () => {
    const invoice = pdfs.invoice;
    expect(invoice).toMatchObject({ status: 'VOID', issueDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    // Payment terms of 30 days from the issue date.
    expect(Date.parse(invoice.dueDate) - Date.parse(invoice.issueDate)).toBe(30 * 86_400_000);
    const text = await pdfOf(invoice.id);
    expectEveryFigure(text, invoice);
    expect(text).toContain('VAT 19%');
    expect(text).toContain('2492.28');
    expect(text).toContain('-2314.81');
    expect(text).toContain('12.50');
    expect(text).toContain('Tax ID: DE811907980');

    const cn = await call('GET', `/v1/invoices/${pdfs.creditNote.id}`, finance);
    const cnText = await pdfOf(cn.id);
    expectEveryFigure(cnText, cn);
    expect(cnText).toContain(invoice.number);
    expect(cnText).toContain('-2492.28');
    expect(cnText).toContain('Credit note ' + cn.number);
  });

  it('reverse charge prints the zero tax line and the legal note; drafts answer 409; the advertiser gets its own only', { timeout: 60_000 }, async () => {
    const draft = (await call('GET', '/v1/invoices?period=2026-06&status=DRAFT', finance)).items.find((i: any) => i.contractId === contracts.reverse && i.kind === 'INVOICE');
    const refused = await api.request('GET', `/v1/invoices/${draft.id}/pdf`, { token: finance });
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('invoice_not_issued');
    const finalized = await call('POST', `/v1/invoices/${draft.id}/finalize`, finance, {});
    const invoice = await call('GET', `/v1/invoices/${finalized.id}`, finance);
    const text = await pdfOf(invoice.id);
    expectEveryFigure(text, invoice);
    expect(text).toContain('Reverse charge');
    expect(text.join(' ')).toContain('Article 196 of Directive 2006/112/EC.');
    // 45 days of payment terms
    expect(Date.parse(invoice.dueDate) - Date.parse(invoice.issueDate)).toBe(45 * 86_400_000);

    const own = await api.token({ sub: 'nora', roles: ['advertiser'], advertiserId: invoice.advertiserId });
    const other = await api.token({ sub: 'otto', roles: ['advertiser'], advertiserId: pdfs.invoice.advertiserId });
    expect((await api.request('GET', `/v1/invoices/${invoice.id}/pdf`, { token: own })).status).toBe(200);
    expect((await api.request('GET', `/v1/invoices/${invoice.id}/pdf`, { token: other })).status).toBe(404);
    const otherDraft = (await call('GET', '/v1/invoices?period=2026-06&status=DRAFT', finance)).items.find((i: any) => i.advertiserId === invoice.advertiserId);
    if (otherDraft) expect((await api.request('GET', `/v1/invoices/${otherDraft.id}/pdf`, { token: own })).status).toBe(404);
    expect((await api.request('GET', '/v1/invoices/nope/pdf', { token: finance })).status).toBe(404);
    expect((await api.request('GET', `/v1/invoices/${invoice.id}/pdf`, { token: ops })).status).toBe(403);
  });
});
