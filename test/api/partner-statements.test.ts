/**
 * Partner statements through the local API with real tokens: OPEN -> ISSUED -> PAID, partial
 * and full payments, overpayment and payments on an OPEN statement (409), Idempotency-Key
 * replay, bad input (400, nothing changes), a re-run after issue (unissuedAdjustment), roles,
 * and the audit chain of the stored statement. Run invoices are written with the repository the
 * billing workflow uses, on the API's own table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { InvoicesOnTable } from '../support/invoices';
import { systemClock } from '../../shared/domain/kernel/clock';
import { documentClient } from '../support/aws';
import { startTestApi, startTestAuditPoller, type TestApi } from '../support/api';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { keys } from '../../shared/adapters/dynamodb/table';
import { verifyChain } from '../../shared/domain/audit/chain';
import { FinanceExports } from '../../shared/adapters/s3/exports';
import { PartnerStatementRepository } from '../../shared/adapters/dynamodb/partner-statement-repository';
import { parseCsv } from '../../shared/domain/exports/csv';
import { s3Client } from '../support/aws';
import { january, januaryRerun } from '../unit/invoices/fixtures';

let api: TestApi;
let poller: Awaited<ReturnType<typeof startTestAuditPoller>> | undefined;
let finance: string;
let ops: string;
let advertiser: string;
let repo: InvoicesOnTable;

const PUB = '/v1/partners/pub-7/statements';
const AFF = '/v1/partners/aff-3/statements';
const today = () => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  api = await startTestApi();
  poller = await startTestAuditPoller().catch(() => undefined);
  [finance, ops, advertiser] = await Promise.all([
    api.token({ sub: 'fiona', roles: ['finance'] }),
    api.token({ sub: 'olivia', roles: ['ops'] }),
    api.token({ sub: 'ada', roles: ['advertiser'], advertiserId: 'adv-1' }),
  ]);
  repo = new InvoicesOnTable(documentClient(), api.tableName, systemClock);
  const at = '2027-02-03T00:00:00.000Z';
  // pub-7 earns 7,500.00 on each contract (15,000.00 USD); aff-3 earns 30.00 on each (60.00 USD).
  for (const id of ['c-1', 'c-2']) {
    await repo.writeRunInvoice({ runId: 'run-1', runSeq: 1, contract: { id, advertiserId: 'adv-1', currency: 'USD' }, rated: january, actor: 'system', at });
  }
});

afterAll(async () => {
  await poller?.stop();
  await api?.stop();
});

const statement = async (path: string) => {
  const res = await api.request('GET', `${path}?period=2027-01`, { token: finance });
  expect(res.status, res.text).toBe(200);
  return res.json;
};
const pay = (path: string, body: unknown, headers: Record<string, string> = {}) => api.request('POST', `${path}/2027-01/payments`, { token: finance, body, headers });

describe('an OPEN statement', () => {
  it('shows its payouts with status OPEN, nothing issued or due', async () => {
    const open = await statement(PUB);
    expect(open).toMatchObject({
      partnerId: 'pub-7', period: '2027-01', status: 'OPEN', issuedAt: null, issuedTotals: [], payments: [],
      totals: [{ currency: 'USD', amount: '15000.00' }], currency: 'USD', amountPaid: '0.00', balanceDue: '0.00', unissuedAdjustment: '0.00', version: 0,
    });
    expect(open.balances).toEqual([{ currency: 'USD', total: '15000.00', issued: null, amountPaid: '0.00', balanceDue: '0.00', unissuedAdjustment: '0.00' }]);
  });

  it('takes no payment (409 statement_not_issued) and stores nothing', async () => {
    const res = await pay(PUB, { amount: '100.00', date: today(), reference: 'WIRE-1' });
    expect(res.status, res.text).toBe(409);
    expect(res.json.error.code).toBe('statement_not_issued');
    const stored = await documentClient().send(new GetCommand({ TableName: api.tableName, Key: keys.partnerStatement('pub-7', '2027-01') }));
    expect(stored.Item).toBeUndefined();
    expect((await statement(PUB)).status).toBe('OPEN');
  });

  it('cannot be issued with nothing to pay (409 statement_not_payable)', async () => {
    const res = await api.request('POST', '/v1/partners/nobody/statements/2027-01/issue', { token: finance, body: {} });
    expect(res.status, res.text).toBe(409);
    expect(res.json.error.code).toBe('statement_not_payable');
  });
});

describe('issue and payments', () => {
  it('issues once: the totals are frozen, a second issue is 409', async () => {
    const res = await api.request('POST', `${PUB}/2027-01/issue`, { token: finance, body: {} });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ status: 'ISSUED', issuedBy: 'fiona', issuedTotals: [{ currency: 'USD', amount: '15000.00' }], amountPaid: '0.00', balanceDue: '15000.00', version: 1 });
    expect(res.headers.get('etag')).toBe('"1"');
    const again = await api.request('POST', `${PUB}/2027-01/issue`, { token: finance, body: {} });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('statement_already_issued');
    expect((await statement(PUB)).version).toBe(1);
  });

  it('refuses bad input with 400 and changes nothing', async () => {
    const before = await statement(PUB);
    const bad: [unknown, string][] = [
      [{ amount: 'abc', date: today(), reference: 'R' }, 'validation_failed'],
      [{ amount: '0', date: today(), reference: 'R' }, 'validation_failed'],
      [{ amount: '-5.00', date: today(), reference: 'R' }, 'validation_failed'],
      [{ amount: '1.001', date: today(), reference: 'R' }, 'invalid_amount'],
      [{ amount: '10.00', date: '2027-13-01', reference: 'R' }, 'validation_failed'],
      [{ amount: '10.00', date: '2000-01-01', reference: 'R' }, 'validation_failed'],
      [{ amount: '10.00', date: today(), reference: '   ' }, 'validation_failed'],
      [{ amount: '10.00', date: today(), reference: 'R', currency: 'EUR' }, 'validation_failed'],
      [{ amount: '10.00', date: today(), reference: 'R', status: 'PAID' }, 'validation_failed'],
      [{ amount: 10, date: today(), reference: 'R' }, 'validation_failed'],
    ];
    for (const [body, code] of bad) {
      const res = await pay(PUB, body);
      expect(res.status, `${JSON.stringify(body)}: ${res.text}`).toBe(400);
      expect(res.json.error.code, JSON.stringify(body)).toBe(code);
    }
    const badPeriod = await api.request('POST', `${PUB}/2027-13/payments`, { token: finance, body: { amount: '10.00', date: today(), reference: 'R' } });
    expect(badPeriod.status).toBe(400);
    expect(await statement(PUB)).toEqual(before);
  });

  it('adds partial payments; a retried request with the same Idempotency-Key records nothing twice', async () => {
    const body = { amount: '5000.00', date: today(), reference: 'WIRE-0042' };
    const first = await pay(PUB, body, { 'idempotency-key': 'pub7-wire-0042' });
    expect(first.status, first.text).toBe(201);
    expect(first.json).toMatchObject({ status: 'ISSUED', amountPaid: '5000.00', balanceDue: '10000.00', version: 2 });
    expect(first.json.payment).toMatchObject({ currency: 'USD', amount: '5000.00', date: today(), reference: 'WIRE-0042', actor: 'fiona' });
    const replay = await pay(PUB, body, { 'idempotency-key': 'pub7-wire-0042' });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotency-replayed')).toBe('true');
    expect(replay.json).toEqual(first.json);
    const reused = await pay(PUB, { ...body, amount: '1.00' }, { 'idempotency-key': 'pub7-wire-0042' });
    expect(reused.status).toBe(422);
    const now = await statement(PUB);
    expect(now.payments).toHaveLength(1);
    expect(now.amountPaid).toBe('5000.00');
  });

  it('refuses an overpayment whole (409) and changes nothing', async () => {
    const res = await pay(PUB, { amount: '10000.01', date: today(), reference: 'WIRE-0043' });
    expect(res.status, res.text).toBe(409);
    expect(res.json.error.code).toBe('overpayment');
    expect(res.json.error.message).toContain('10000.00');
    const now = await statement(PUB);
    expect(now).toMatchObject({ status: 'ISSUED', amountPaid: '5000.00', balanceDue: '10000.00', version: 2 });
  });

  it('becomes PAID when the balance is paid in full, and then takes no more', async () => {
    const res = await pay(PUB, { amount: '10000', date: today(), reference: 'WIRE-0044', currency: 'USD' });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({ status: 'PAID', amountPaid: '15000.00', balanceDue: '0.00', version: 3 });
    expect(res.json.payment.amount).toBe('10000.00');
    const more = await pay(PUB, { amount: '0.01', date: today(), reference: 'WIRE-0045' });
    expect(more.status).toBe(409);
    expect(more.json.error.code).toBe('overpayment');
    const paid = await statement(PUB);
    expect(paid.status).toBe('PAID');
    expect(paid.payments.map((p: { amount: string }) => p.amount)).toEqual(['5000.00', '10000.00']);
  });
});

describe('a re-run after issue', () => {
  it('keeps the issued amount and shows the difference as unissuedAdjustment', async () => {
    const issued = await api.request('POST', `${AFF}/2027-01/issue`, { token: finance, body: {} });
    expect(issued.status, issued.text).toBe(200);
    expect(issued.json).toMatchObject({ issuedTotals: [{ currency: 'USD', amount: '60.00' }], balanceDue: '60.00', unissuedAdjustment: '0.00' });
    // A re-run of c-1 lowers aff-3's payout by 20.00 after the statement was issued.
    await repo.writeRunInvoice({ runId: 'run-2', runSeq: 2, contract: { id: 'c-1', advertiserId: 'adv-1', currency: 'USD' }, rated: januaryRerun, actor: 'system', at: '2027-02-10T00:00:00.000Z' });
    const after = await statement(AFF);
    expect(after).toMatchObject({ status: 'ISSUED', totals: [{ currency: 'USD', amount: '40.00' }], issuedTotals: [{ currency: 'USD', amount: '60.00' }], balanceDue: '60.00', unissuedAdjustment: '-20.00' });
    // Payments are held against what was issued.
    const res = await pay(AFF, { amount: '60.00', date: today(), reference: 'AFF-1' });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({ status: 'PAID', balanceDue: '0.00', unissuedAdjustment: '-20.00' });
  });
});

describe('races', () => {
  it('racing issues: exactly one issues; racing payments never overpay together', async () => {
    const repoAt = '2027-03-03T00:00:00.000Z';
    await repo.writeRunInvoice({ runId: 'run-feb', runSeq: 1, contract: { id: 'c-1', advertiserId: 'adv-1', currency: 'USD' }, rated: { ...january, period: '2027-02' }, actor: 'system', at: repoAt });
    const issues = await Promise.all(Array.from({ length: 5 }, () => api.request('POST', `${PUB}/2027-02/issue`, { token: finance, body: {} })));
    expect(issues.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
    // 7,500.00 issued: of five racing payments of 2,000.00, three fit.
    const payments = await Promise.all(
      Array.from({ length: 5 }, (_, i) => api.request('POST', `${PUB}/2027-02/payments`, { token: finance, body: { amount: '2000.00', date: today(), reference: `RACE-${i}` } })),
    );
    expect(payments.map((r) => r.status).sort()).toEqual([201, 201, 201, 409, 409]);
    const after = await api.request('GET', `${PUB}?period=2027-02`, { token: finance });
    expect(after.json).toMatchObject({ status: 'ISSUED', amountPaid: '6000.00', balanceDue: '1500.00', version: 4 });
  });
});

describe('the period export', () => {
  it('lists the payments made to partners in partner-payments.csv and posts them Dr partner payables / Cr cash, balanced', async () => {
    const exportsOf = new FinanceExports(s3Client(), api.buckets.exports, repo, systemClock, new PartnerStatementRepository(documentClient(), api.tableName));
    const manifest = await exportsOf.writePeriodExport('2027-01');
    expect(manifest.files.find((f) => f.name === 'partner-payments.csv')!.rows).toBe(3);
    const res = await api.request('GET', '/v1/exports?period=2027-01', { token: finance });
    const url = (name: string) => res.json.items.find((i: { key: string }) => i.key === `exports/2027-01/${name}`).url as string;
    const [header, ...rows] = parseCsv(await (await fetch(url('partner-payments.csv'))).text());
    const col = (name: string) => header!.indexOf(name);
    expect(rows.map((r) => [r[col('partnerId')], r[col('statementStatus')], r[col('amount')], r[col('reference')]])).toEqual([
      ['aff-3', 'PAID', '60.00', 'AFF-1'],
      ['pub-7', 'PAID', '5000.00', 'WIRE-0042'],
      ['pub-7', 'PAID', '10000.00', 'WIRE-0044'],
    ]);
    const [jHeader, ...journal] = parseCsv(await (await fetch(url('journal.csv'))).text());
    const j = (name: string) => jHeader!.indexOf(name);
    const paidOut = journal.filter((r) => r[j('kind')] === 'PARTNER_STATEMENT');
    expect(paidOut).toHaveLength(6);
    expect(paidOut.filter((r) => r[j('accountCode')] === '1000').map((r) => r[j('credit')])).toEqual(['60.00', '5000.00', '10000.00']);
    expect(manifest.balances).toEqual([{ currency: 'USD', debit: manifest.balances[0]!.credit, credit: manifest.balances[0]!.credit }]);
  });
});

describe('roles', () => {
  it('only finance issues and pays statements', async () => {
    for (const token of [ops, advertiser]) {
      expect((await api.request('POST', '/v1/partners/pub-9/statements/2027-01/issue', { token, body: {} })).status).toBe(403);
      expect((await api.request('POST', '/v1/partners/pub-9/statements/2027-01/payments', { token, body: { amount: '1.00', date: today(), reference: 'R' } })).status).toBe(403);
      expect((await api.request('GET', '/v1/partners/pub-9/statements?period=2027-01', { token })).status).toBe(403);
    }
    expect((await api.request('POST', '/v1/partners/pub-9/statements/2027-01/issue', { body: {} })).status).toBe(401);
  });
});

describe('audit of statements', () => {
  it('chains the issue and every payment of a partner\'s statements, with their actors', async (ctx) => {
    if (!poller) ctx.skip();
    await poller!.drain();
    const audit = new DynamoAuditRepository(documentClient(), api.tableName);
    const { entries } = await audit.readChain('partnerStatement#pub-7');
    // One chain per partner: its January statement (issue, partial, final payment) then February's (issue, three payments).
    const januaryActions = entries.filter((e) => e.entityKey.sk === 'PERIOD#2027-01').map((e) => e.action);
    expect(januaryActions).toEqual(['partnerStatement.issued', 'UPDATED', 'partnerStatement.paid']);
    expect(entries.filter((e) => e.entityKey.sk === 'PERIOD#2027-02').map((e) => e.action)).toEqual(['partnerStatement.issued', 'UPDATED', 'UPDATED', 'UPDATED']);
    expect(entries.every((e) => e.actor === 'fiona')).toBe(true);
    expect(verifyChain(entries).ok).toBe(true);
    expect(poller!.failures).toEqual([]);
  });
});
