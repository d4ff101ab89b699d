import { describe, expect, it } from 'vitest';
import { buildCreditNote, buildRunInvoice, type Invoice } from '../../../shared/domain/invoices/invoice';
import { buildPeriodExport, EXPORT_FILES, PeriodExportBuilder } from '../../../shared/domain/exports/finance-export';
import { csvField, parseCsv, toCsv } from '../../../shared/domain/exports/csv';
import { JournalUnbalancedError } from '../../../shared/domain/invoices/journal';
import { contract, january, januaryRerun } from './fixtures';
import type { StatementRecord } from '../../../shared/domain/partner-statements/statement';

const at = '2027-02-03T00:00:00Z';

describe('csv', () => {
  it('quotes per RFC 4180 and round-trips', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField(null)).toBe('');
    const text = toCsv([{ header: 'x', value: (r: string[]) => r[0] }, { header: 'y', value: (r: string[]) => r[1] }], [['1,5', 'a "q"\r\nb'], ['', '-0.50']]);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(parseCsv(text)).toEqual([['x', 'y'], ['1,5', 'a "q"\r\nb'], ['', '-0.50']]);
  });
});

describe('buildPeriodExport', () => {
  const first = buildRunInvoice({ id: 'i1', runId: 'r1', runSeq: 1, contract, rated: january, actor: 's', at });
  const rerun = buildRunInvoice({ id: 'i2', runId: 'r2', runSeq: 2, contract, rated: januaryRerun, actor: 's', at });
  const finalized: Invoice = { ...first, status: 'FINALIZED', number: 'INV-2027-000001' };
  const cn = buildCreditNote(finalized, { id: 'cn1', number: 'CN-2027-000001', reason: 'r', actor: 'f', at });

  it('payments: payments.csv rows, Dr cash / Cr receivables in the journal (still balanced), and the open balance aged in aging.csv', () => {
    // 13,202.28 issued 2027-02-05, terms 30 (no bill-to): due 2027-03-07. 5,000.00 paid on 2027-02-20.
    const paid: Invoice = {
      ...finalized,
      finalizedAt: '2027-02-05T09:00:00.000Z',
      payments: [{ id: 'pay-1', amount: '5000.00', date: '2027-02-20', reference: 'WIRE-1', recordedAt: '2027-02-21T10:00:00.000Z', actor: 'fiona' }],
      amountPaid: '5000.00',
    };
    const out = buildPeriodExport('2027-01', [paid], '2027-04-10');
    const file = (name: string) => parseCsv(out.files.find((f) => f.name === name)!.body);
    expect(file('payments.csv')).toEqual([
      ['invoiceId', 'invoiceNumber', 'advertiserId', 'contractId', 'period', 'currency', 'paymentId', 'date', 'amount', 'reference', 'recordedAt'],
      ['i1', 'INV-2027-000001', paid.advertiserId, paid.contractId, '2027-01', 'USD', 'pay-1', '2027-02-20', '5000.00', 'WIRE-1', '2027-02-21T10:00:00.000Z'],
    ]);
    // 13,202.28 - 5,000.00 = 8,202.28 open on 2027-04-10, 34 days past 2027-03-07: 31-60.
    expect(file('aging.csv')).toEqual([
      ['asOf', 'advertiserId', 'currency', 'current', 'd1_30', 'd31_60', 'd61_90', 'over90', 'total'],
      ['2027-04-10', paid.advertiserId, 'USD', '0.00', '0.00', '8202.28', '0.00', '0.00', '8202.28'],
    ]);
    const journal = file('journal.csv');
    const cash = journal.filter((r) => r[7] === '1000');
    expect(cash.map((r) => [r[9], r[10]])).toEqual([['5000.00', '0.00']]);
    expect(journal.filter((r) => r[7] === '1200' && r[10] === '5000.00')).toHaveLength(1);
    expect(out.balances[0]!.debit).toBe(out.balances[0]!.credit);
  });

  it('partner payments: partner-payments.csv rows, Dr partner payables / Cr cash in the journal (still balanced per currency)', () => {
    // i1 accrues 7,500.00 to pub-7 and 30.00 to aff-3; pub-7's statement was issued and paid 7,000.00 then 500.00.
    const statement: StatementRecord = {
      partnerId: 'pub-7', period: '2027-01', status: 'PAID', issuedAt: '2027-02-05T09:00:00.000Z', issuedBy: 'fiona',
      issuedTotals: [{ currency: 'USD', amount: '7500.00' }],
      payments: [
        { id: 'ppay-1', currency: 'USD', amount: '7000.00', date: '2027-02-20', reference: 'WIRE-P1', recordedAt: '2027-02-20T10:00:00.000Z', actor: 'fiona' },
        { id: 'ppay-2', currency: 'USD', amount: '500.00', date: '2027-02-21', reference: 'WIRE-P2', recordedAt: '2027-02-21T10:00:00.000Z', actor: 'fiona' },
      ],
      version: 3, updatedAt: '2027-02-21T10:00:00.000Z', actor: 'fiona',
    };
    const out = buildPeriodExport('2027-01', [finalized], '2027-02-28', [statement]);
    const file = (name: string) => parseCsv(out.files.find((f) => f.name === name)!.body);
    expect(file('partner-payments.csv')).toEqual([
      ['period', 'partnerId', 'statementId', 'statementStatus', 'currency', 'paymentId', 'date', 'amount', 'reference', 'recordedAt'],
      ['2027-01', 'pub-7', 'partner-statement:pub-7:2027-01', 'PAID', 'USD', 'ppay-1', '2027-02-20', '7000.00', 'WIRE-P1', '2027-02-20T10:00:00.000Z'],
      ['2027-01', 'pub-7', 'partner-statement:pub-7:2027-01', 'PAID', 'USD', 'ppay-2', '2027-02-21', '500.00', 'WIRE-P2', '2027-02-21T10:00:00.000Z'],
    ]);
    const [header, ...journal] = file('journal.csv');
    const col = (name: string) => header!.indexOf(name);
    const statementLines = journal.filter((r) => r[col('kind')] === 'PARTNER_STATEMENT');
    expect(statementLines.map((r) => [r[col('accountCode')], r[col('debit')], r[col('credit')]])).toEqual([
      ['2100', '7000.00', '0.00'], ['1000', '0.00', '7000.00'], ['2100', '500.00', '0.00'], ['1000', '0.00', '500.00'],
    ]);
    // Partner payables: 7,530.00 accrued by i1, 7,500.00 paid: 30.00 still owed (to aff-3).
    const payables = journal.filter((r) => r[col('accountCode')] === '2100').reduce((sum, r) => sum + Number(r[col('credit')]) * 100 - Number(r[col('debit')]) * 100, 0);
    expect(payables).toBe(3000);
    expect(out.balances[0]!.debit).toBe(out.balances[0]!.credit);
    expect(() => buildPeriodExport('2027-02', [], undefined, [statement])).toThrow(/belongs to 2027-01/);
  });

  it('writes the files in a stable order with row counts', () => {
    const out = buildPeriodExport('2027-01', [cn, rerun, { ...finalized, status: 'VOID', creditNoteId: 'cn1' }]);
    expect(out.files.map((f) => [f.name, f.rows])).toEqual([
      // journal: i1 8 postings (AR, 3 lines, 2 payouts x 2), cn1 4, i2 5
      ['invoices.csv', 3], ['invoices.jsonl', 3], ['invoice-lines.csv', 8], ['invoice-lines.jsonl', 8], ['partner-payouts.csv', 3],
      // No payment recorded; nothing open (the voided invoice is settled by its credit note).
      ['payments.csv', 0], ['partner-payments.csv', 0], ['aging.csv', 0], ['journal.csv', 17],
    ]);
    const invoices = parseCsv(out.files[0]!.body);
    expect(invoices[0]!.slice(0, 4)).toEqual(['id', 'number', 'kind', 'status']);
    expect(invoices.slice(1).map((r) => r[0])).toEqual(['i1', 'cn1', 'i2']);
    expect(out.balances).toEqual([{ currency: 'USD', debit: expect.any(String), credit: expect.any(String) }]);
    expect(out.balances[0]!.debit).toBe(out.balances[0]!.credit);
  });

  it('paged: the same files page by page as in one piece, open balances aged across pages, and an unbalanced page refused at the end', () => {
    // Three documents in sortDocuments order (i1, cn1, i2), paid in part, given in pages of 1 and 2.
    const paid: Invoice = { ...finalized, finalizedAt: '2027-02-05T09:00:00.000Z', payments: [{ id: 'p', amount: '200.00', date: '2027-02-20', reference: 'W', recordedAt: '2027-02-20T00:00:00Z', actor: 'f' }], amountPaid: '200.00' };
    const second: Invoice = { ...rerun, status: 'FINALIZED', number: 'INV-2027-000002', finalizedAt: '2027-03-01T09:00:00.000Z' };
    const docs = [paid, second];
    const whole = buildPeriodExport('2027-01', docs, '2027-04-10');
    for (const pages of [[[paid], [second]], [[], [paid, second], []]]) {
      const builder = new PeriodExportBuilder('2027-01', '2027-04-10');
      const parts = [builder.start(), ...pages.map((page) => builder.page(page))];
      const finished = builder.finish();
      parts.push(finished.chunks);
      const paged = EXPORT_FILES.map(({ name }) => [name, parts.map((p) => p.get(name)?.text ?? '').join(''), parts.reduce((n, p) => n + (p.get(name)?.rows ?? 0), 0)]);
      expect(paged).toEqual(whole.files.map((f) => [f.name, f.body, f.rows]));
      expect(finished.balances).toEqual(whole.balances);
    }
    // One aging row per advertiser and currency, summed over both pages' documents.
    expect(parseCsv(whole.files.find((f) => f.name === 'aging.csv')!.body)).toHaveLength(2);
    const refusing = new PeriodExportBuilder('2027-01');
    refusing.page([paid]);
    refusing.page([{ ...second, total: '1.00' }]);
    expect(() => refusing.finish()).toThrow(JournalUnbalancedError);
  });

  it('refuses an unbalanced period and mixed periods', () => {
    expect(() => buildPeriodExport('2027-01', [{ ...first, total: '1.00' }])).toThrow(JournalUnbalancedError);
    expect(() => buildPeriodExport('2027-02', [first])).toThrow(/belongs to 2027-01/);
  });
});
