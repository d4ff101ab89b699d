import { GetObjectCommand } from '@aws-sdk/client-s3';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import Big from 'big.js';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvoicesOnTable } from '../../support/invoices';
import { invoiceKeys } from '../../../shared/adapters/dynamodb/table';
import { FinanceExports, type ExportManifest } from '../../../shared/adapters/s3/exports';
import { parseCsv } from '../../../shared/domain/exports/csv';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import { JournalUnbalancedError } from '../../../shared/domain/invoices/journal';
import { documentClient, freshBucket, freshTable, s3Client } from '../../support/aws';
import { january, januaryRerun } from '../../unit/invoices/fixtures';

const db = documentClient();
const s3 = s3Client();
const clock = fixedClock('2027-02-10T00:00:00.000Z');
let table: string;
let bucket: string;
let repo: InvoicesOnTable;
let exportsOf: FinanceExports;

const text = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();

beforeAll(async () => {
  [table, bucket] = await Promise.all([freshTable(), freshBucket(s3)]);
  repo = new InvoicesOnTable(db, table, clock);
  exportsOf = new FinanceExports(s3, bucket, repo, clock);
  const at = '2027-02-03T00:00:00.000Z';
  const usd = { id: 'c-usd', advertiserId: 'adv-1', currency: 'USD' };
  const first = await repo.writeRunInvoice({ runId: 'r1', runSeq: 1, contract: usd, rated: january, actor: 'sys', at });
  await repo.writeRunInvoice({ runId: 'r2', runSeq: 2, contract: usd, rated: januaryRerun, actor: 'sys', at });
  const jpy = { id: 'c-jpy', advertiserId: 'adv-2', currency: 'JPY' };
  await repo.writeRunInvoice({
    runId: 'r1', runSeq: 1, contract: jpy, actor: 'sys', at,
    rated: {
      period: '2027-01', currency: 'JPY', isRerun: false, flags: ['DISCREPANCY'], subtotal: '125000', total: '125000',
      lines: [{ type: 'USAGE', chargeId: 'ctv, "prime"', version: 1, quantity: '10000000', amount: '125000', explanation: { kind: 'CPM_USAGE', note: 'line1\nline2, "quoted"' } }],
      partnerPayoutsByCharge: [{ partnerId: 'pub-7', chargeId: 'ctv, "prime"', amount: '75000' }],
    },
  });
  await repo.finalizeInvoice(first.invoiceId, 'fin');
  await repo.voidInvoice(first.invoiceId, 'fin', 'billed to the wrong entity');
});

describe('finance exports', () => {
  // Documents: USD invoice (VOID) + its credit note + USD re-run + JPY invoice. Journal postings:
  // voided invoice 8 (receivables, 3 lines, 2 payouts x 2), credit note 4, re-run 5, JPY 4 = 21.
  it('writes the period files and a manifest with row counts and sha256', async () => {
    const manifest = await exportsOf.writePeriodExport('2027-01');
    expect(manifest.files.map((f) => [f.name, f.rows])).toEqual([
      ['invoices.csv', 4], ['invoices.jsonl', 4], ['invoice-lines.csv', 9], ['invoice-lines.jsonl', 9], ['partner-payouts.csv', 4],
      ['payments.csv', 0], ['partner-payments.csv', 0], ['aging.csv', 0], ['journal.csv', 21],
    ]);
    const stored = JSON.parse(await text('exports/2027-01/manifest.json')) as ExportManifest;
    expect(stored).toEqual(manifest);
    for (const f of manifest.files) {
      const body = await text(f.key);
      expect(createHash('sha256').update(body, 'utf8').digest('hex')).toBe(f.sha256);
    }
    expect(manifest.balances.map((b) => b.currency)).toEqual(['JPY', 'USD']);
  });

  it('parses back: CSV (RFC 4180) and JSON Lines agree, amounts are decimal strings', async () => {
    await exportsOf.writePeriodExport('2027-01');
    const csv = parseCsv(await text('exports/2027-01/invoice-lines.csv'));
    const [header, ...rows] = csv;
    const jsonl = (await text('exports/2027-01/invoice-lines.jsonl')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(jsonl.length);
    const col = (name: string) => header!.indexOf(name);
    rows.forEach((row, i) => {
      expect(row[col('invoiceId')]).toBe(jsonl[i]!.invoiceId);
      expect(row[col('amount')]).toBe(jsonl[i]!.amount);
      expect(row[col('chargeId')]).toBe(jsonl[i]!.chargeId ?? '');
      expect(JSON.parse(row[col('explanation')]!)).toEqual(jsonl[i]!.explanation);
    });
    const jpyLine = rows.find((r) => r[col('currency')] === 'JPY')!;
    expect(jpyLine[col('chargeId')]).toBe('ctv, "prime"');
    expect(jpyLine[col('amount')]).toBe('125000');

    const invoices = parseCsv(await text('exports/2027-01/invoices.csv'));
    const kinds = invoices.slice(1).map((r) => [r[invoices[0]!.indexOf('kind')], r[invoices[0]!.indexOf('status')]]);
    expect(kinds).toEqual(expect.arrayContaining([['INVOICE', 'VOID'], ['CREDIT_NOTE', 'FINALIZED'], ['ADJUSTMENT', 'DRAFT'], ['INVOICE', 'DRAFT']]));
  });

  it('journal.csv balances per currency', async () => {
    await exportsOf.writePeriodExport('2027-01');
    const [header, ...rows] = parseCsv(await text('exports/2027-01/journal.csv'));
    const sums = new Map<string, { dr: Big; cr: Big }>();
    for (const r of rows) {
      const cur = r[header!.indexOf('currency')]!;
      const s = sums.get(cur) ?? { dr: new Big(0), cr: new Big(0) };
      s.dr = s.dr.plus(r[header!.indexOf('debit')]!);
      s.cr = s.cr.plus(r[header!.indexOf('credit')]!);
      sums.set(cur, s);
    }
    expect(sums.size).toBe(2);
    for (const s of sums.values()) expect(s.dr.eq(s.cr)).toBe(true);
  });

  it('lists the files with presigned GET URLs that download', async () => {
    await exportsOf.writePeriodExport('2027-01');
    const { items } = await exportsOf.listExports('2027-01');
    expect(items.map((i) => [i.key, i.format])).toEqual([
      ['exports/2027-01/aging.csv', 'csv'], ['exports/2027-01/invoice-lines.csv', 'csv'], ['exports/2027-01/invoice-lines.jsonl', 'jsonl'], ['exports/2027-01/invoices.csv', 'csv'],
      ['exports/2027-01/invoices.jsonl', 'jsonl'], ['exports/2027-01/journal.csv', 'csv'], ['exports/2027-01/manifest.json', 'json'],
      ['exports/2027-01/partner-payments.csv', 'csv'], ['exports/2027-01/partner-payouts.csv', 'csv'], ['exports/2027-01/payments.csv', 'csv'],
    ]);
    const journal = items.find((i) => i.key.endsWith('journal.csv'))!;
    expect(journal.url).toContain('X-Amz-Signature=');
    const res = await fetch(journal.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(await text(journal.key));
    expect(await exportsOf.listExports('2026-12')).toEqual({ items: [] });
  });

  it('refuses to write when the journal does not balance, and writes nothing', async () => {
    const r = new InvoicesOnTable(db, table, clock);
    const c = { id: 'c-bad', advertiserId: 'adv-1', currency: 'USD' };
    const { invoiceId } = await r.writeRunInvoice({ runId: 'r1', runSeq: 1, contract: c, rated: { ...january, period: '2027-03' }, actor: 'sys', at: '2027-04-03T00:00:00Z' });
    // A stored document whose total no longer equals its lines (corruption outside the repository).
    const stored = await r.getInvoice(invoiceId);
    const { gsi1pk, gsi1sk, gsi2pk, gsi2sk } = { ...invoiceKeys.invoiceByAdvertiser('adv-1', '2027-03', 'DRAFT', stored!.createdAt, invoiceId), ...invoiceKeys.invoiceByPeriod('2027-03', 'DRAFT', stored!.createdAt, invoiceId) };
    await db.send(new PutCommand({ TableName: table, Item: { ...invoiceKeys.invoice(invoiceId), gsi1pk, gsi1sk, gsi2pk, gsi2sk, entityType: 'invoice', aggregate: `invoice#${invoiceId}`, ...stored, total: '13202.29' } }));
    await expect(exportsOf.writePeriodExport('2027-03')).rejects.toBeInstanceOf(JournalUnbalancedError);
    expect(await exportsOf.listExports('2027-03')).toEqual({ items: [] });
  });
});

describe('an export larger than a part', () => {
  it('streams pages of documents into multipart uploads: the same files as written whole, and nothing left behind when refused', { timeout: 120_000 }, async () => {
    // 60 documents read 7 at a time, sent in parts of 1 KiB (S3 takes 5 MiB parts; s3rver any size).
    const period = '2027-07';
    const r = new InvoicesOnTable(db, table, clock);
    for (let i = 0; i < 60; i++) {
      const contract = { id: `c-many-${String(i).padStart(2, '0')}`, advertiserId: `adv-${i % 4}`, currency: i % 3 === 0 ? 'JPY' : 'USD' };
      const rated = contract.currency === 'JPY'
        ? { period, currency: 'JPY', isRerun: false, flags: [], subtotal: String(1000 + i), total: String(1000 + i), lines: [{ type: 'USAGE' as const, chargeId: 'ctv', version: 1, quantity: '1000', amount: String(1000 + i), explanation: { kind: 'CPM_USAGE' } }], partnerPayoutsByCharge: [] }
        : { ...january, period };
      await r.writeRunInvoice({ runId: 'r1', runSeq: 1, contract, rated, actor: 'sys', at: '2027-08-03T00:00:00Z' });
    }
    const paged = { pagePeriodInvoices: (p: string) => r.pagePeriodInvoices(p, 7) };
    // The S3 calls the export makes, by command (s3rver has no ListMultipartUploads to ask after).
    const calls: string[] = [];
    const client = s3Client();
    client.middlewareStack.add((next, context) => (args) => (calls.push(context.commandName!), next(args)), { step: 'initialize', name: 'recordCommands' });
    const streamed = new FinanceExports(client, bucket, paged, clock, undefined, 1024);
    const manifest = await streamed.writePeriodExport(period);
    const count = (command: string) => calls.filter((c) => c === command).length;
    expect(count('CreateMultipartUploadCommand')).toBeGreaterThanOrEqual(2);
    expect(count('UploadPartCommand')).toBeGreaterThan(count('CreateMultipartUploadCommand'));
    expect(count('CompleteMultipartUploadCommand')).toBe(count('CreateMultipartUploadCommand'));
    const documents: string[] = [];
    for await (const page of r.pagePeriodInvoices(period, 7)) documents.push(...page.map((d) => d.id));
    expect(new Set(documents).size).toBe(60);
    expect(manifest.files.find((f) => f.name === 'invoices.csv')!.rows).toBe(60);
    expect(manifest.files.find((f) => f.name === 'invoice-lines.csv')!.bytes).toBeGreaterThan(10 * 1024);
    for (const f of manifest.files) {
      const body = await text(f.key);
      expect(Buffer.byteLength(body), f.name).toBe(f.bytes);
      expect(createHash('sha256').update(body, 'utf8').digest('hex'), f.name).toBe(f.sha256);
    }
    // Row for row what the whole period gives, in the pages' order.
    const lines = parseCsv(await text(`exports/${period}/invoice-lines.csv`));
    expect(lines).toHaveLength(1 + manifest.files.find((f) => f.name === 'invoice-lines.csv')!.rows);
    const [header, ...journal] = parseCsv(await text(`exports/${period}/journal.csv`));
    for (const currency of ['USD', 'JPY']) {
      const rows = journal.filter((row) => row[header!.indexOf('currency')] === currency);
      const sum = (column: string) => rows.reduce((total, row) => total.plus(row[header!.indexOf(column)]!), new Big(0));
      expect(sum('debit').eq(sum('credit')), currency).toBe(true);
    }

    // Corrupt the last document read: the journal refuses at the end, after parts were sent;
    // every upload is aborted and the export written above stays as it was.
    const last = (await r.getInvoice(documents.at(-1)!))!;
    const { gsi1pk, gsi1sk, gsi2pk, gsi2sk } = { ...invoiceKeys.invoiceByAdvertiser(last.advertiserId, period, 'DRAFT', last.createdAt, last.id), ...invoiceKeys.invoiceByPeriod(period, 'DRAFT', last.createdAt, last.id) };
    await db.send(new PutCommand({ TableName: table, Item: { ...invoiceKeys.invoice(last.id), gsi1pk, gsi1sk, gsi2pk, gsi2sk, entityType: 'invoice', aggregate: `invoice#${last.id}`, ...last, total: last.currency === 'JPY' ? '1' : '1.00' } }));
    calls.length = 0;
    await expect(streamed.writePeriodExport(period)).rejects.toBeInstanceOf(JournalUnbalancedError);
    expect(count('UploadPartCommand')).toBeGreaterThan(0);
    expect(count('AbortMultipartUploadCommand')).toBe(count('CreateMultipartUploadCommand'));
    expect(count('CompleteMultipartUploadCommand') + count('PutObjectCommand')).toBe(0);
    expect(JSON.parse(await text(`exports/${period}/manifest.json`))).toEqual(manifest);
    expect(createHash('sha256').update(await text(`exports/${period}/invoice-lines.csv`), 'utf8').digest('hex')).toBe(manifest.files.find((f) => f.name === 'invoice-lines.csv')!.sha256);
  });
});

describe('ensureCurrentExport', () => {
  it('writes when the documents changed and not otherwise', async () => {
    const r = new InvoicesOnTable(db, table, clock);
    const c = { id: 'c-current', advertiserId: 'adv-1', currency: 'USD' };
    const { invoiceId } = await r.writeRunInvoice({ runId: 'r1', runSeq: 1, contract: c, rated: { ...january, period: '2027-05' }, actor: 'sys', at: '2027-06-03T00:00:00Z' });
    expect((await exportsOf.ensureCurrentExport('2027-05')).written).toBe(true);
    expect((await exportsOf.ensureCurrentExport('2027-05')).written).toBe(false);
    await r.finalizeInvoice(invoiceId, 'fin');
    const { written, manifest } = await exportsOf.ensureCurrentExport('2027-05');
    expect(written).toBe(true);
    const invoicesCsv = await text(manifest.files.find((f) => f.name === 'invoices.csv')!.key);
    expect(invoicesCsv).toContain('FINALIZED');
  });
});

describe('finance export files against spreadsheet formula injection', () => {
  it('writes formula-like cells as text and negative amounts as numbers, in every CSV file', async () => {
    const hostile = { chargeId: '=HYPERLINK("http://evil.example","x")', partnerId: '@SUM(A1:A9)', flag: '+cmd' };
    await repo.writeRunInvoice({
      runId: 'r-evil', runSeq: 1, contract: { id: '-c-evil', advertiserId: 'adv-3', currency: 'USD' }, actor: 'sys', at: '2026-12-03T00:00:00.000Z',
      rated: {
        period: '2026-11', currency: 'USD', isRerun: false, flags: [hostile.flag], subtotal: '-12.50', total: '-12.50',
        lines: [{ type: 'USAGE', chargeId: hostile.chargeId, version: 1, quantity: '-1000', amount: '-12.50', explanation: { kind: 'CPM_USAGE' } }],
        partnerPayoutsByCharge: [{ partnerId: hostile.partnerId, chargeId: hostile.chargeId, amount: '-3.75' }],
      },
    });
    const manifest = await exportsOf.writePeriodExport('2026-11');
    const formulaCells: string[] = [];
    const cells = new Map<string, string[][]>();
    for (const file of manifest.files.filter((f) => f.format === 'csv')) {
      const rows = parseCsv(await text(file.key));
      cells.set(file.name, rows);
      for (const cell of rows.flat()) if (/^[=+\-@\t\r]/.test(cell) && !/^-?\d+(\.\d+)?$/.test(cell)) formulaCells.push(`${file.name}: ${cell}`);
    }
    expect(formulaCells).toEqual([]);

    const column = (name: string, header: string) => cells.get(name)![0]!.indexOf(header);
    const line = cells.get('invoice-lines.csv')![1]!;
    expect(line[column('invoice-lines.csv', 'chargeId')]).toBe(`'${hostile.chargeId}`);
    expect(line[column('invoice-lines.csv', 'contractId')]).toBe(`'-c-evil`);
    expect(line[column('invoice-lines.csv', 'amount')]).toBe('-12.50');
    expect(line[column('invoice-lines.csv', 'quantity')]).toBe('-1000');
    const payout = cells.get('partner-payouts.csv')![1]!;
    expect(payout[column('partner-payouts.csv', 'partnerId')]).toBe(`'${hostile.partnerId}`);
    expect(payout[column('partner-payouts.csv', 'amount')]).toBe('-3.75');
    const invoice = cells.get('invoices.csv')![1]!;
    expect(invoice[column('invoices.csv', 'flags')]).toBe(`'${hostile.flag}`);
    expect(invoice[column('invoices.csv', 'total')]).toBe('-12.50');
    // The journal posts the negative total on the other side, as a plain number.
    expect(cells.get('journal.csv')!.slice(1).some((r) => r.includes('12.50'))).toBe(true);
    // JSON Lines keep the values exactly as they are.
    const jsonl = JSON.parse((await text('exports/2026-11/invoice-lines.jsonl')).trim()) as { chargeId: string };
    expect(jsonl.chargeId).toBe(hostile.chargeId);
  });
});
