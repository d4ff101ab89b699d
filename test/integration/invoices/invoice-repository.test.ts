import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../../shared/domain/kernel/errors';
import { InvoicesOnTable } from '../../support/invoices';
import { creditNoteIdFor, runInvoiceId } from '../../../shared/domain/invoices/ids';
import { invoiceKeys } from '../../../shared/adapters/dynamodb/table';
import type { RatedPeriodInput } from '../../../shared/domain/invoices/invoice';
import { documentClient, freshTable } from '../../support/aws';
import { contract, january, januaryRerun } from '../../unit/invoices/fixtures';

const db = documentClient();
let table: string;
let repo: InvoicesOnTable;
const clock = fixedClock('2027-02-05T09:00:00.000Z');

beforeAll(async () => {
  table = await freshTable();
  repo = new InvoicesOnTable(db, table, clock);
});

const write = (c: typeof contract, rated: RatedPeriodInput, runSeq: number, runId = `run-${runSeq}`) =>
  repo.writeRunInvoice({ runId, runSeq, contract: c, rated, actor: 'system:billing-run', at: '2027-02-03T01:00:00.000Z' });

const contractOf = (id: string, advertiserId = 'adv-1') => ({ id, advertiserId, currency: 'USD' });

describe('writeRunInvoice', () => {
  it('is idempotent on (contract, period, runSeq): the second call writes nothing and returns the same id', async () => {
    const c = contractOf('c-idem');
    const first = await write(c, january, 1);
    const again = await write(c, january, 1);
    expect(first).toMatchObject({ created: true, kind: 'INVOICE', currency: 'USD', total: '13202.28' });
    expect(again).toEqual({ ...first, created: false });
    expect(first.invoiceId).toBe(runInvoiceId('c-idem', '2027-01', 1));
    const stored = await repo.getInvoice(first.invoiceId);
    expect(stored).toMatchObject({ status: 'DRAFT', version: 1, number: null, contractId: 'c-idem', advertiserId: 'adv-1', runId: 'run-1', runSeq: 1, actor: 'system:billing-run' });
    expect(stored!.lines[0]!.explanation).toEqual(january.lines[0]!.explanation);
    const raw = await db.send(new GetCommand({ TableName: table, Key: invoiceKeys.invoice(first.invoiceId) }));
    expect(raw.Item).toMatchObject({ entityType: 'invoice', aggregate: `invoice#${first.invoiceId}`, version: 1, updatedAt: '2027-02-03T01:00:00.000Z' });
  });

  it('writes concurrent executions of the same step once', async () => {
    const c = contractOf('c-race');
    const results = await Promise.all(Array.from({ length: 5 }, () => write(c, january, 1)));
    expect(new Set(results.map((r) => r.invoiceId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it('refuses a different run claiming a run number already invoiced', async () => {
    const c = contractOf('c-claim');
    await write(c, january, 1, 'run-a');
    await expect(write(c, january, 1, 'run-b')).rejects.toMatchObject({ code: 'run_already_invoiced' });
  });

  it('loadPriorRuns round-trips what the runs invoiced, every period', async () => {
    const c = contractOf('c-prior');
    await write(c, january, 1);
    await write(c, januaryRerun, 2);
    await write(c, { ...january, period: '2027-02' }, 1);
    const prior = await repo.loadPriorRuns('c-prior');
    expect(prior.lines.filter((l) => l.period === '2027-01')).toEqual([
      { period: '2027-01', type: 'USAGE', chargeId: 'ctv-premium', version: 1, quantity: '1234567', amount: '15432.09' },
      { period: '2027-01', type: 'USAGE', chargeId: 'purchase', version: 1, quantity: '4', amount: '100.00' },
      { period: '2027-01', type: 'AGENCY_COMMISSION', quantity: '0', amount: '-2329.81' },
      { period: '2027-01', type: 'ADJUSTMENT', adjusts: 'USAGE', chargeId: 'purchase', version: 1, quantity: '-2', amount: '-50.00' },
      { period: '2027-01', type: 'ADJUSTMENT', adjusts: 'AGENCY_COMMISSION', quantity: '0', amount: '7.50' },
    ]);
    expect(prior.lines.filter((l) => l.period === '2027-02')).toHaveLength(3);
    expect(prior.payouts).toContainEqual({ period: '2027-01', partnerId: 'aff-3', chargeId: 'purchase', amount: '-20.00' });
    expect(prior.payouts).toHaveLength(5);
    expect(prior.periods).toEqual(['2027-01', '2027-02']);
    expect(await repo.loadPriorRuns('nobody')).toEqual({ lines: [], payouts: [], periods: [] });
  });

  it("loadRunHistory: the prior runs as loadPriorRuns reads them, and the record of the run asked for when it is written", async () => {
    const c = contractOf('c-history');
    const first = await write(c, january, 1);
    await write(c, { ...january, period: '2027-02' }, 1);
    const history = await repo.loadRunHistory('c-history', '2027-01', 1);
    expect(history.prior).toEqual(await repo.loadPriorRuns('c-history'));
    expect(history.recorded).toEqual(await repo.getRunRecord('c-history', '2027-01', 1));
    expect(history.recorded?.invoiceId).toBe(first.invoiceId);
    // Run 2 of January is not written yet: nothing recorded, every earlier run is prior.
    const next = await repo.loadRunHistory('c-history', '2027-01', 2);
    expect(next.recorded).toBeUndefined();
    expect(next.prior.periods).toEqual(['2027-01', '2027-02']);
  });
});

describe('finalizeInvoice', () => {
  it('takes gapless numbers under 20 concurrent finalizes of different invoices', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => write(contractOf(`c-num-${i}`), january, 1).then((r) => r.invoiceId)));
    const numbering = new InvoicesOnTable(db, table, fixedClock('2031-03-01T00:00:00.000Z'));
    const finalized = await Promise.all(ids.map((id) => numbering.finalizeInvoice(id, 'fin-1')));
    const numbers = finalized.map((f) => f.number!).sort();
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => `INV-2031-${String(i + 1).padStart(6, '0')}`));
    for (const id of ids) {
      const stored = await numbering.getInvoice(id);
      expect(stored).toMatchObject({ status: 'FINALIZED', version: 2, actor: 'fin-1', finalizedAt: '2031-03-01T00:00:00.000Z' });
    }
    const counter = await db.send(new GetCommand({ TableName: table, Key: invoiceKeys.documentCounter('INV', 2031) }));
    expect(counter.Item).toMatchObject({ value: 20, lastNumber: 'INV-2031-000020' });
  });

  it('finalizes once: a second finalize is an illegal transition and takes no number', async () => {
    const { invoiceId } = await write(contractOf('c-twice'), january, 1);
    const r = new InvoicesOnTable(db, table, fixedClock('2032-01-10T00:00:00Z'));
    const results = await Promise.allSettled([r.finalizeInvoice(invoiceId, 'a'), r.finalizeInvoice(invoiceId, 'b')]);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    const failure = results.find((x) => x.status === 'rejected') as PromiseRejectedResult;
    expect(failure.reason).toBeInstanceOf(ConflictError);
    const counter = await db.send(new GetCommand({ TableName: table, Key: invoiceKeys.documentCounter('INV', 2032) }));
    expect(counter.Item?.value).toBe(1);
  });

  it('honours an expected version (412 when stale) and 404 for an unknown invoice', async () => {
    const { invoiceId } = await write(contractOf('c-ver'), january, 1);
    await expect(repo.finalizeInvoice(invoiceId, 'f', 7)).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(repo.finalizeInvoice('inv_missing', 'f')).rejects.toBeInstanceOf(NotFoundError);
    await expect(repo.finalizeInvoice(invoiceId, 'f', 1)).resolves.toMatchObject({ status: 'FINALIZED' });
  });

  it('a finalized invoice cannot be changed by any repository write', async () => {
    const c = contractOf('c-immutable');
    const { invoiceId } = await write(c, january, 1);
    await expect(repo.updateDraftInvoice(invoiceId, { memo: 'PO pending' }, 'ops-1')).resolves.toMatchObject({ memo: 'PO pending', version: 2 });
    const finalized = await repo.finalizeInvoice(invoiceId, 'fin');
    const before = await db.send(new GetCommand({ TableName: table, Key: invoiceKeys.invoice(invoiceId) }));

    // The repository's update path: refused by DynamoDB's condition, not by a prior read.
    await expect(repo.updateDraftInvoice(invoiceId, { memo: 'changed' }, 'ops-1')).rejects.toMatchObject({ code: 'invoice_immutable' });
    await expect(repo.updateDraftInvoice(invoiceId, { memo: 'changed' }, 'ops-1', finalized.version)).rejects.toMatchObject({ code: 'invoice_immutable' });
    // Writing the run again, finalizing again: nothing changes.
    await expect(write(c, { ...january, total: '1.00', lines: [{ type: 'USAGE', quantity: '1', amount: '1.00' }], subtotal: '1.00' }, 1)).resolves.toMatchObject({ created: false });
    await expect(repo.finalizeInvoice(invoiceId, 'fin')).rejects.toMatchObject({ code: 'illegal_transition' });
    const after = await db.send(new GetCommand({ TableName: table, Key: invoiceKeys.invoice(invoiceId) }));
    expect(after.Item).toEqual(before.Item);
  });

  it('the update condition alone refuses a finalized item (a raw UpdateItem with the same condition)', async () => {
    const { invoiceId } = await write(contractOf('c-raw'), january, 1);
    await repo.finalizeInvoice(invoiceId, 'fin');
    await expect(
      db.send(new UpdateCommand({
        TableName: table, Key: invoiceKeys.invoice(invoiceId), UpdateExpression: 'SET #total = :t',
        ConditionExpression: '#status = :draft', ExpressionAttributeNames: { '#total': 'total', '#status': 'status' },
        ExpressionAttributeValues: { ':t': '0.00', ':draft': 'DRAFT' },
      })),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });
});

describe('voidInvoice', () => {
  it('voids a finalized invoice and issues a finalized credit note with its own number, in one transaction', async () => {
    const r = new InvoicesOnTable(db, table, fixedClock('2033-04-01T00:00:00.000Z'));
    const { invoiceId } = await write(contractOf('c-void'), january, 1);
    await expect(r.voidInvoice(invoiceId, 'fin', 'wrong advertiser')).rejects.toMatchObject({ code: 'illegal_transition' });
    const finalized = await r.finalizeInvoice(invoiceId, 'fin');
    const { invoice, creditNote } = await r.voidInvoice(invoiceId, 'fin-2', 'wrong advertiser', finalized.version);
    expect(invoice).toMatchObject({ status: 'VOID', number: finalized.number, creditNoteId: creditNoteIdFor(invoiceId), voidReason: 'wrong advertiser', version: 3 });
    expect(creditNote).toMatchObject({ kind: 'CREDIT_NOTE', status: 'FINALIZED', number: 'CN-2033-000001', creditsInvoiceId: invoiceId, total: '-13202.28', subtotal: '-15532.09' });
    expect(creditNote.lines.map((l) => l.amount)).toEqual(['-15432.09', '-100.00', '2329.81']);
    expect(await r.getInvoice(creditNote.id)).toEqual(creditNote);
    expect((await r.getInvoice(invoiceId))!.lines).toEqual(finalized.lines);

    await expect(r.voidInvoice(invoiceId, 'fin', 'again')).rejects.toMatchObject({ code: 'illegal_transition' });
    await expect(r.voidInvoice(creditNote.id, 'fin', 'credit a credit')).rejects.toMatchObject({ code: 'illegal_transition' });
    await expect(r.updateDraftInvoice(invoiceId, { memo: 'x' }, 'fin')).rejects.toMatchObject({ code: 'invoice_immutable' });

    // Voiding does not change what re-runs consider invoiced.
    const prior = await r.loadPriorRuns('c-void');
    expect(prior.lines.map((l) => l.amount)).toEqual(['15432.09', '100.00', '-2329.81']);
  });
});

describe('concurrent voids', () => {
  it('voiding each of 10 invoices twice at once: exactly one void per invoice, credit-note numbers gapless', async () => {
    const r = new InvoicesOnTable(db, table, fixedClock('2035-06-01T00:00:00.000Z'));
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => write(contractOf(`c-cv-${i}`), january, 1).then((w) => w.invoiceId)));
    await Promise.all(ids.map((id) => r.finalizeInvoice(id, 'fin')));
    const results = await Promise.allSettled(ids.flatMap((id) => [r.voidInvoice(id, 'fin-a', 'dup'), r.voidInvoice(id, 'fin-b', 'dup')]));
    const ok = results.filter((x): x is PromiseFulfilledResult<Awaited<ReturnType<typeof r.voidInvoice>>> => x.status === 'fulfilled');
    expect(ok).toHaveLength(10);
    expect(new Set(ok.map((x) => x.value.invoice.id)).size).toBe(10);
    for (const x of results.filter((x) => x.status === 'rejected')) expect((x as PromiseRejectedResult).reason).toMatchObject({ code: 'illegal_transition' });
    expect(ok.map((x) => x.value.creditNote.number).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `CN-2035-${String(i + 1).padStart(6, '0')}`));
  });
});

describe('listInvoices', () => {
  it('lists by advertiser, period and status through the indexes with cursors', async () => {
    const r = new InvoicesOnTable(db, table, fixedClock('2034-01-01T00:00:00Z'));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await write(contractOf(`c-list-${i}`, 'adv-list'), { ...january, period: '2026-11' }, 1)).invoiceId);
    await write(contractOf('c-list-other', 'adv-other'), { ...january, period: '2026-11' }, 1);
    await r.finalizeInvoice(ids[0]!, 'fin');
    await r.finalizeInvoice(ids[1]!, 'fin');

    const page1 = await r.listInvoices({ advertiserId: 'adv-list', limit: 3 });
    expect(page1.items).toHaveLength(3);
    expect(page1.items[0]).not.toHaveProperty('lines');
    expect(page1.items[0]!.lineCount).toBe(3);
    const page2 = await r.listInvoices({ advertiserId: 'adv-list', limit: 3, cursor: page1.nextCursor! });
    expect([...page1.items, ...page2.items].map((i) => i.id).sort()).toEqual([...ids].sort());

    const finalized = await r.listInvoices({ advertiserId: 'adv-list', period: '2026-11', status: 'FINALIZED', limit: 50 });
    expect(finalized.items.map((i) => i.id).sort()).toEqual([ids[0], ids[1]].sort());
    const drafts = await r.listInvoices({ advertiserId: 'adv-list', status: 'DRAFT', limit: 50 });
    expect(drafts.items).toHaveLength(3);
    const period = await r.listInvoices({ period: '2026-11', limit: 50 });
    expect(period.items).toHaveLength(6);
    await expect(r.listInvoices({ advertiserId: 'adv-other', limit: 2, cursor: page1.nextCursor! })).rejects.toMatchObject({ code: 'invalid_cursor' });
  });
});

describe('listPartnerStatement', () => {
  it('sums initial payouts and re-run changes per contract and charge', async () => {
    const c = contractOf('c-stmt');
    await write(c, { ...january, period: '2026-10' }, 1);
    await write(c, { ...januaryRerun, period: '2026-10' }, 2);
    const statement = await repo.listPartnerStatement('aff-3', '2026-10');
    expect(statement.lines).toEqual([
      expect.objectContaining({ contractId: 'c-stmt', chargeId: 'purchase', currency: 'USD', amount: '10.00', runs: [
        expect.objectContaining({ runSeq: 1, amount: '30.00' }), expect.objectContaining({ runSeq: 2, amount: '-20.00' }),
      ] }),
    ]);
    expect(statement.totals).toEqual([{ currency: 'USD', amount: '10.00' }]);
    expect((await repo.listPartnerStatement('pub-7', '2026-10')).totals).toEqual([{ currency: 'USD', amount: '7500.00' }]);
    expect(await repo.listPartnerStatement('pub-7', '2026-09')).toEqual({ partnerId: 'pub-7', period: '2026-09', lines: [], totals: [] });
  });
});


describe('an invoice of 5,000 lines', () => {
  it('is stored, read back whole, finalized, voided with a credit note of 5,000 lines, listed for the export and seen by re-runs', async () => {
    const lines = Array.from({ length: 5_000 }, (_, i) => ({
      type: 'USAGE' as const, chargeId: `geo-${i}`, version: 1, quantity: '1000', amount: '1.25',
      explanation: { kind: 'CPM_USAGE', quantity: '1000', rate: '1.25', amount: '1.25', geo: `G${i}` },
    }));
    const rated: RatedPeriodInput = { period: '2029-03', currency: 'USD', isRerun: false, lines, subtotal: '6250.00', total: '6250.00', partnerPayoutsByCharge: [], flags: [] };
    const r = new InvoicesOnTable(db, table, fixedClock('2029-04-02T00:00:00.000Z'));
    const { invoiceId, created } = await write(contractOf('c-huge'), rated, 1);
    expect(created).toBe(true);
    expect(await write(contractOf('c-huge'), rated, 1)).toMatchObject({ created: false, invoiceId });
    const raw = await db.send(new GetCommand({ TableName: table, Key: invoiceKeys.invoice(invoiceId) }));
    expect(JSON.stringify(raw.Item).length).toBeLessThan(10_000);
    const stored = (await r.getInvoice(invoiceId))!;
    expect(stored.lines).toHaveLength(5_000);
    expect(stored.lines[4_999]).toMatchObject({ lineNo: 5_000, chargeId: 'geo-4999', amount: '1.25', explanation: { geo: 'G4999' } });
    expect(stored.total).toBe('6250.00');

    const finalized = await r.finalizeInvoice(invoiceId, 'fin');
    expect(finalized.lines).toHaveLength(5_000);
    const { creditNote } = await r.voidInvoice(invoiceId, 'fin', 'wrong entity', finalized.version);
    const credit = (await r.getInvoice(creditNote.id))!;
    expect(credit.lines).toHaveLength(5_000);
    expect(credit.total).toBe('-6250.00');
    expect(credit.lines[0]!.amount).toBe('-1.25');
    expect((await r.getInvoice(invoiceId))!).toMatchObject({ status: 'VOID', lines: stored.lines });

    const period = await r.listPeriodInvoices('2029-03');
    expect(period.map((i) => [i.kind, i.lines.length])).toEqual(expect.arrayContaining([['INVOICE', 5_000], ['CREDIT_NOTE', 5_000]]));
    const page = await r.listInvoices({ period: '2029-03', limit: 10 });
    expect(page.items.map((i) => i.lineCount)).toEqual([5_000, 5_000]);
    const prior = await r.loadPriorRuns('c-huge');
    expect(prior.lines).toHaveLength(5_000);
  });
});
