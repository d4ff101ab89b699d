/**
 * A year of billing, 2027, through the public API and the real billing runs (the synthesized
 * state machine on the local executor), under a fake clock that the scenario moves: usage at
 * the end of each month, the run on the 3rd of the next, then finance finalizes. Every invoice
 * is checked line by line against figures worked out by hand in the comments, never against
 * the engine: the engine is what is under test.
 *
 * Cast (partners: "pub" on CPM revenue, "aff" per conversion):
 *   A  USD, America/New_York, 2027-01-15..2027-12-31. CPM "ctv" GRADUATED
 *      (first 1,000,000 at 10.00, the rest at 8.00 per 1,000); minimum 9,000.00 a month,
 *      prorated; agency commission 15 %; pub gets 40 % of its share of ctv revenue.
 *      Late usage (February), a backdated amendment (June, effective April 1: 9.00 / 7.50),
 *      a voided invoice (March).
 *   B  EUR, UTC, 2027-01-01..2027-12-31. CPA "purchase": 20.00 + 5 % of the value, at most
 *      60.00, 7-day window, geos DE/FR, 3 hold days; aff gets 8.00 per conversion. A small CPM
 *      charge "ctv" (FLAT 6.00) used in December and after. A held conversion billed by a re-run
 *      (February), a reversal credited by a re-run (May), a renewal approved in November
 *      (4 % uplift of the CPM rate and the CPA payout, billed from January 2028).
 *   C  JPY, Asia/Tokyo, 2027-03-01..2027-05-31, HALF_UP. CPM "spot" FLAT 450 per 1,000,
 *      budget cap 1,000,000 per period (hit in April); JPY has no minor unit.
 *   V  USD, UTC, 2028-02-01..2028-03-31, v2 terms (the last describe block): CPA payout tiers,
 *      a partner override, LAST_TOUCH over three partners with a late touch, CPCV, a
 *      performance guarantee and make-good credits approved through the API.
 *
 * Each month is closed as finance closes it: the whole run finalized at once
 * (POST /v1/billing-runs/{id}/finalize), every issued document's PDF downloaded and its figures
 * read back, and the payments received since the last close recorded. Payment terms come from the
 * advertisers' billing profiles (A 30 days, B 30, C 15; all tax-exempt, so no TAX line changes the
 * figures). A and C pay (C once in two parts, the second late); B is the late payer. A's voided
 * March invoice is reissued and paid. The year ends with the receivables aged as of 2027-12-31,
 * and as of 2027-05-19 before B's late payments, against buckets worked out by hand.
 *
 * The clock: functions/runtime/clock.ts is the one clock of the routes and the run's tasks;
 * this file replaces it with a fixed clock. A run's asOf is the instant it is started, an
 * approval's recordedAt the instant of the approval, usage's receivedAt the instant it is
 * posted, an invoice number's year the year it is finalized in.
 *
 * Run alone: npx vitest run test/scenarios/year-of-billing.test.ts
 */
import '../workflow/quiet-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, startTestAuditPoller, type TestApi } from '../support/api';
import { documentClient, s3Client } from '../support/aws';
import { LocalBillingWorkflow, synthesizeBillingWorkflow } from '../../scripts/lib/local-workflow';
import { useLocalBillingWorkflow } from '../../functions/runtime/workflow';
import { useRuntimeClock } from '../../functions/runtime/clock';
import { fixedClock } from '../../shared/domain/kernel/clock';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { verifyChain } from '../../shared/domain/audit/chain';
import { parseCsv } from '../../shared/domain/exports/csv';
import { FinanceExports } from '../../shared/adapters/s3/exports';
import { InvoiceRepository } from '../../shared/adapters/dynamodb/invoice-repository';
import {
  adjustPeriodLine, adjustUsage, cap, commission, credit, expectInvoice, guaranteeCredit, ScenarioApi, trueUp, usage,
} from './scenario-api';

const clock = fixedClock('2026-12-10T15:00:00Z');

let api: TestApi;
let workflow: LocalBillingWorkflow;
let s: ScenarioApi;
let A: string;
let B: string;
let C: string;
let pub: string;
let aff: string;
/** The advertisers of A, B and C (aging rows are per advertiser). */
const advertiserOf: Record<string, string> = {};
/** A, B or C by contract id: payments are planned by name, period and run. */
const nameOf: Record<string, string> = {};
/** Every document issued so far, by "<name> <period> #<runSeq>" (and "A 2027-03 reissue"). */
const issued = new Map<string, any>();
/** Payment ids recorded, by reference. */
const paid = new Set<string>();
/** Every finalized document's number, in the order they were numbered. */
const numbers: string[] = [];
/** A's voided March invoice and its credit note. */
const voidedMarch: { invoiceId?: string; creditNoteId?: string } = {};
/** The first invoices of April and May, as finalized: re-runs must leave them as they are. */
const finalizedBeforeAmendment: Record<string, any> = {};

const none = { minimumCommitment: null, budgetCap: null, agencyCommissionPct: null };

const termsA = (tier1: string, tier2: string) => ({
  charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'GRADUATED', tiers: [{ upTo: 1_000_000, rate: tier1 }, { upTo: null, rate: tier2 }] } }],
  minimumCommitment: { amount: '9000.00', prorate: true },
  budgetCap: null,
  agencyCommissionPct: '15',
  partners: [{ partnerId: pub, chargeIds: ['ctv'], percentOfRevenue: '40' }],
});

const termsB = () => ({
  charges: [
    {
      id: 'purchase', kind: 'CPA', event: 'PURCHASE',
      payout: { flat: '20.00', percentOfValue: '5', min: null, max: '60.00' },
      attributionWindowDays: 7,
      eligibility: { geos: ['DE', 'FR'], newCustomersOnly: false, minValue: null },
      holdDays: 3,
      maxConversionsPerPeriod: null,
    },
    { id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '6.00' } },
  ],
  ...none,
  partners: [{ partnerId: aff, chargeIds: ['purchase'], flatPerConversion: '8.00' }],
});

const termsC = () => ({
  charges: [{ id: 'spot', kind: 'CPM', pricing: { model: 'FLAT', rate: '450' } }],
  ...none,
  budgetCap: { amount: '1000000', scope: 'PERIOD' },
  partners: [],
});

const imp = (date: string, count: number, partnerId?: string) => ({ date, chargeId: 'ctv', count, source: 'FIRST_PARTY', ...(partnerId ? { partnerId } : {}) });
const conv = (id: string, occurredAt: string, exposureAt: string, value: string, geo: string, partnerId?: string) => ({
  id, event: 'PURCHASE', occurredAt, exposureAt, value, geo, newCustomer: true, ...(partnerId ? { partnerId } : {}),
});

/** The monthly routine: the run on the 3rd at 06:00 UTC (as the schedule does), its invoices read. */
async function runMonth(period: string, runSeq: number, contracts: string[], at: string) {
  clock.set(at);
  return s.run(period, runSeq, contracts);
}

/**
 * A month's close: the whole run finalized, each document's PDF checked, and every planned
 * payment dated up to today whose document is issued recorded.
 */
async function finalize(month: { run: { id: string }; invoices: Record<string, any> }): Promise<Record<string, any>> {
  const finalized = await s.finalizeRun(month.run, month.invoices);
  const ordered = Object.values(finalized).sort((a, b) => (a.number < b.number ? -1 : 1));
  for (const invoice of ordered) {
    numbers.push(invoice.number);
    issued.set(`${nameOf[invoice.contractId] ?? invoice.contractId} ${invoice.period} #${invoice.runSeq}`, invoice);
    await s.expectPdfOf(invoice);
  }
  await recordPaymentsReceived();
  return finalized;
}

/**
 * The payments the customers make, as their bank statements would show them. A pays in full a
 * few days before each due date, but leaves part of August and all of October and November open;
 * C pays April in two parts, the second after its due date; B, the late payer, pays January in
 * full and February in part, both in May, and nothing after. Negative adjustments and empty
 * documents take no payment.
 */
const paymentPlan: { document: string; amount: string; date: string; reference: string }[] = [
  { document: 'A 2027-01 #1', amount: '4195.16', date: '2027-03-01', reference: 'A-WIRE-0301' },
  { document: 'A 2027-02 #1', amount: '9860.00', date: '2027-04-01', reference: 'A-WIRE-0401' },
  { document: 'A 2027-02 #2', amount: '2040.00', date: '2027-04-01', reference: 'A-WIRE-0401-B' },
  { document: 'C 2027-03 #1', amount: '675000', date: '2027-04-15', reference: 'C-FURIKOMI-0415' },
  { document: 'A 2027-03 reissue', amount: '7650.00', date: '2027-05-01', reference: 'A-WIRE-0501' },
  { document: 'C 2027-04 #1', amount: '500000', date: '2027-05-18', reference: 'C-FURIKOMI-0518' },
  { document: 'B 2027-01 #1', amount: '90.00', date: '2027-05-20', reference: 'B-SEPA-0520-1' },
  { document: 'B 2027-02 #1', amount: '20.00', date: '2027-05-20', reference: 'B-SEPA-0520-2' },
  { document: 'A 2027-04 #1', amount: '9180.00', date: '2027-06-01', reference: 'A-WIRE-0601' },
  { document: 'C 2027-04 #1', amount: '500000', date: '2027-06-10', reference: 'C-FURIKOMI-0610' },
  { document: 'C 2027-05 #1', amount: '500009', date: '2027-06-18', reference: 'C-FURIKOMI-0618' },
  { document: 'A 2027-05 #1', amount: '8500.00', date: '2027-07-01', reference: 'A-WIRE-0701' },
  { document: 'A 2027-06 #1', amount: '9562.50', date: '2027-08-01', reference: 'A-WIRE-0801' },
  { document: 'A 2027-07 #1', amount: '7650.00', date: '2027-09-01', reference: 'A-WIRE-0901' },
  { document: 'A 2027-08 #1', amount: '10000.00', date: '2027-10-01', reference: 'A-WIRE-1001' },
  { document: 'A 2027-09 #1', amount: '7650.01', date: '2027-11-01', reference: 'A-WIRE-1101' },
];

/** Records each planned payment that has happened by today (the fake clock) on an issued document. */
async function recordPaymentsReceived(): Promise<void> {
  const today = clock.now().toISOString().slice(0, 10);
  for (const { document, ...payment } of paymentPlan) {
    const invoice = issued.get(document);
    if (!invoice || payment.date > today || paid.has(payment.reference)) continue;
    const after = await s.pay(invoice.id, payment);
    expect(after.payment).toMatchObject(payment);
    paid.add(payment.reference);
  }
}

beforeAll(async () => {
  useRuntimeClock(clock);
  api = await startTestApi();
  await synthesizeBillingWorkflow();
  workflow = new LocalBillingWorkflow({ exportsBucket: api.buckets.exports, s3: s3Client(), retryIntervalMs: 5 });
  useLocalBillingWorkflow(workflow);
  const [ops, approver, finance] = await Promise.all([
    api.token({ sub: 'olga', roles: ['ops'] }),
    api.token({ sub: 'april', roles: ['approver'] }),
    api.token({ sub: 'fiona', roles: ['finance'] }),
  ]);
  s = new ScenarioApi(api, workflow, { ops, approver, finance }, clock);

  // 2026-12-10: the directory and the three contracts, approved before the year starts.
  pub = (await s.call('POST', '/v1/partners', ops, { name: 'StreamPub' }, 201)).id;
  aff = (await s.call('POST', '/v1/partners', ops, { name: 'Affiliates DE' }, 201)).id;
  // Billing profiles: payment terms per advertiser, tax-exempt so the figures below carry no TAX line.
  const address = { line1: '1 Media Plaza', city: 'New York', postalCode: '10001', country: 'US' };
  const advertiser = async (currency: string, timezone: string, legalName: string, paymentTermsDays: number) =>
    (await s.call('POST', '/v1/advertisers', ops, {
      name: `Adv ${currency}`, currency, timezone,
      billingProfile: { legalName, address, tax: { kind: 'EXEMPT' }, paymentTermsDays, invoiceEmail: 'ap@example.com' },
    }, 201)).id;
  const contract = async (body: object) => (await s.call('POST', '/v1/contracts', ops, body, 201)).id;
  A = await contract({
    advertiserId: (advertiserOf.A = await advertiser('USD', 'America/New_York', 'Adv USD Inc.', 30)), name: 'A 2027', currency: 'USD', timezone: 'America/New_York',
    startDate: '2027-01-15', endDate: '2027-12-31', terms: termsA('10.00', '8.00'),
  });
  B = await contract({
    advertiserId: (advertiserOf.B = await advertiser('EUR', 'UTC', 'Adv EUR GmbH', 30)), name: 'B 2027', currency: 'EUR', timezone: 'UTC',
    startDate: '2027-01-01', endDate: '2027-12-31', terms: termsB(),
  });
  C = await contract({
    advertiserId: (advertiserOf.C = await advertiser('JPY', 'Asia/Tokyo', 'Adv JPY KK', 15)), name: 'C spring', currency: 'JPY', timezone: 'Asia/Tokyo',
    startDate: '2027-03-01', endDate: '2027-05-31', rounding: 'HALF_UP', terms: termsC(),
  });
  Object.assign(nameOf, { [A]: 'A', [B]: 'B', [C]: 'C' });
  // A: 9,000.00 x 12 periods = 108,000.00 >= 100,000.00 -> approver and finance.
  // B: nothing committed -> one approval. C: JPY has no threshold -> always two (fails safe).
  expect((await s.approve(A, 1)).approvals).toHaveLength(2);
  expect((await s.approve(B, 1)).approvals).toHaveLength(1);
  expect((await s.approve(C, 1)).approvals).toHaveLength(2);
  // A's recordedAt is the instant of its second approval on the fake clock: submitted 15:00,
  // approved 15:01 and 15:02.
  expect((await s.call('GET', `/v1/contracts/${A}/versions/1`, ops)).recordedAt).toBe('2026-12-10T15:02:00.000Z');
}, 240_000);

afterAll(async () => {
  await workflow?.settle();
  useLocalBillingWorkflow(undefined);
  useRuntimeClock(undefined);
  await api?.stop();
});

describe('a year of billing, 2027', { timeout: 60_000 }, () => {
  it('January: A starts mid-month (prorated minimum), usage before its start is not billed; B excludes out-of-window and ineligible conversions', async () => {
    clock.set('2027-01-31T18:00:00Z');
    await s.impressions(A, [imp('2027-01-10', 50_000), imp('2027-01-20', 120_000, pub), imp('2027-01-25', 180_000)]);
    await s.conversions(B, [
      conv('cv-jan-1', '2027-01-10T12:00:00Z', '2027-01-08T12:00:00Z', '200.00', 'DE', aff),
      conv('cv-jan-2', '2027-01-20T09:00:00Z', '2027-01-19T09:00:00Z', '1000.00', 'FR'),
      conv('cv-jan-3', '2027-01-25T10:00:00Z', '2027-01-17T09:00:00Z', '90.00', 'DE'), // 8 d 1 h after exposure
      conv('cv-jan-4', '2027-01-26T10:00:00Z', '2027-01-26T08:00:00Z', '90.00', 'US'), // geo not listed
    ]);
    const { run, invoices } = await runMonth('2027-01', 1, [A, B], '2027-02-03T06:00:00Z');
    // The run's asOf is its start: the fake instant.
    expect(run.startedAt).toBe('2027-02-03T06:00:00.000Z');

    // A: Jan 10 is before startDate: skipped. Billable 120,000 + 180,000 = 300,000, all in tier 1:
    //    300,000 x 10.00 / 1,000 = 3,000.00.
    //    Minimum prorated: 9,000.00 x 17 active days (15..31) / 31 = 4,935.483870967...;
    //    true-up = round(4,935.483870967... - 3,000.00) = 1,935.48.
    //    Commission: -(3,000.00 + 1,935.48) x 15 % = -740.322 -> -740.32.
    //    subtotal 3,000.00 + 1,935.48 = 4,935.48; total 4,935.48 - 740.32 = 4,195.16.
    //    pub: 3,000.00 x 120,000 / 300,000 x 40 % = 480.00 (on gross usage, before the minimum).
    expectInvoice(invoices[A], {
      kind: 'INVOICE',
      lines: [usage('ctv', 1, '300000', '3000.00'), trueUp('1935.48'), commission('-740.32')],
      subtotal: '4935.48', total: '4195.16',
      payouts: [{ partnerId: pub, chargeId: 'ctv', amount: '480.00' }],
    });
    // B: cv-jan-1 20.00 + 200.00 x 5 % = 30.00; cv-jan-2 20.00 + 1,000.00 x 5 % = 70.00, capped at 60.00;
    //    cv-jan-3 outside the 7-day window, cv-jan-4 in the US: not billable.
    //    2 conversions, 30.00 + 60.00 = 90.00. aff: 1 conversion x 8.00 = 8.00.
    expectInvoice(invoices[B], {
      kind: 'INVOICE', lines: [usage('purchase', 1, '2', '90.00')], subtotal: '90.00', total: '90.00',
      payouts: [{ partnerId: aff, chargeId: 'purchase', amount: '8.00' }],
    });
    clock.set('2027-02-04T09:00:00Z');
    const finalized = await finalize({ run, invoices });
    // Numbered in the year of issue, taken from the fake clock: the first two of 2027.
    expect(Object.values(finalized).map((i) => i.number).sort()).toEqual(['INV-2027-000001', 'INV-2027-000002']);
    expect(finalized[A].finalizedAt).toBe('2027-02-04T09:00:00.000Z');
  });

  it('February: graduated tiers; a conversion still in its hold days is left for later', async () => {
    clock.set('2027-02-28T18:00:00Z');
    await s.impressions(A, [imp('2027-02-10', 500_000, pub), imp('2027-02-20', 700_000)]);
    await s.conversions(B, [
      conv('cv-feb-1', '2027-02-14T15:00:00Z', '2027-02-13T15:00:00Z', '123.45', 'DE', aff),
      conv('cv-feb-2', '2027-02-28T12:00:00Z', '2027-02-27T10:00:00Z', '80.00', 'FR', aff),
      conv('cv-feb-3', '2027-02-21T08:00:00Z', '2027-02-20T08:00:00Z', '33.33', 'DE'),
    ]);
    const { run, invoices } = await runMonth('2027-02', 1, [A, B], '2027-03-03T06:00:00Z');
    // A: 1,200,000 = 1,000,000 x 10.00 / 1,000 + 200,000 x 8.00 / 1,000 = 10,000.00 + 1,600.00 = 11,600.00.
    //    Above the 9,000.00 minimum: no true-up. Commission -11,600.00 x 15 % = -1,740.00.
    //    total 11,600.00 - 1,740.00 = 9,860.00.
    //    pub: 11,600.00 x 500,000 / 1,200,000 x 40 % = 1,933.333... -> 1,933.33.
    expectInvoice(invoices[A], {
      kind: 'INVOICE',
      lines: [usage('ctv', 1, '1200000', '11600.00'), commission('-1740.00')],
      subtotal: '11600.00', total: '9860.00',
      payouts: [{ partnerId: pub, chargeId: 'ctv', amount: '1933.33' }],
    });
    // B: cv-feb-2 occurred Feb 28 12:00; + 3 hold days = Mar 3 12:00 > asOf Mar 3 06:00: held.
    //    cv-feb-1 20.00 + 123.45 x 5 % = 26.1725; cv-feb-3 20.00 + 33.33 x 5 % = 21.6665;
    //    exact 47.839 -> 47.84 (rounded once, on the line). aff: 1 x 8.00.
    expectInvoice(invoices[B], {
      kind: 'INVOICE', lines: [usage('purchase', 1, '2', '47.84')], subtotal: '47.84', total: '47.84',
      payouts: [{ partnerId: aff, chargeId: 'purchase', amount: '8.00' }],
    });
    clock.set('2027-03-04T09:00:00Z');
    await finalize({ run, invoices });
  });

  it('February re-run: late usage on A and the conversion out of its hold on B are invoiced as differences only', async () => {
    // Feb 28 impressions arrive on Mar 10, after the run of Mar 3.
    clock.set('2027-03-10T14:00:00Z');
    await s.impressions(A, [imp('2027-02-28', 300_000)]);
    const { run, invoices } = await runMonth('2027-02', 2, [A, B], '2027-03-12T06:00:00Z');
    // A: afresh 1,500,000 = 10,000.00 + 500,000 x 8.00 / 1,000 = 14,000.00; invoiced 11,600.00:
    //    +300,000 impressions, +2,400.00 (all in tier 2: 300,000 x 8.00 / 1,000).
    //    Commission afresh -2,100.00, invoiced -1,740.00: -360.00.
    //    subtotal 2,400.00 (commission excluded); total 2,400.00 - 360.00 = 2,040.00.
    //    pub afresh 14,000.00 x 500,000 / 1,500,000 x 40 % = 1,866.666... -> 1,866.67; change
    //    1,866.67 - 1,933.33 = -66.66 (pub's share of the revenue fell: the late impressions are
    //    not pub's, and they are priced in the cheaper tier).
    expectInvoice(invoices[A], {
      kind: 'ADJUSTMENT',
      lines: [adjustUsage('ctv', 1, '300000', '2400.00'), adjustPeriodLine('AGENCY_COMMISSION', '-360.00')],
      subtotal: '2400.00', total: '2040.00',
      payouts: [{ partnerId: pub, chargeId: 'ctv', amount: '-66.66' }],
    });
    // B: cv-feb-2's hold passed (Mar 3 12:00 <= Mar 12 06:00): 20.00 + 80.00 x 5 % = 24.00;
    //    afresh 47.839 + 24.00 = 71.839 -> 71.84, invoiced 47.84: +1, +24.00. aff +8.00.
    expectInvoice(invoices[B], {
      kind: 'ADJUSTMENT', lines: [adjustUsage('purchase', 1, '1', '24.00')], subtotal: '24.00', total: '24.00',
      payouts: [{ partnerId: aff, chargeId: 'purchase', amount: '8.00' }],
    });
    clock.set('2027-03-12T10:00:00Z');
    await finalize({ run, invoices });
  });

  it('March: A under its minimum; C (JPY) starts; B has nothing to bill; A\'s invoice is then voided with a credit note', async () => {
    clock.set('2027-03-31T18:00:00Z');
    await s.impressions(A, [imp('2027-03-15', 200_000, pub), imp('2027-03-16', 600_000)]);
    await s.impressions(C, [{ date: '2027-03-20', chargeId: 'spot', count: 1_500_000, source: 'FIRST_PARTY' }]);
    const { run, invoices } = await runMonth('2027-03', 1, [A, B, C], '2027-04-03T06:00:00Z');
    // A: 800,000 x 10.00 / 1,000 = 8,000.00; true-up 9,000.00 - 8,000.00 = 1,000.00 (31 of 31 days);
    //    commission -9,000.00 x 15 % = -1,350.00; total 9,000.00 - 1,350.00 = 7,650.00.
    //    pub: 8,000.00 x 200,000 / 800,000 x 40 % = 800.00.
    expectInvoice(invoices[A], {
      kind: 'INVOICE',
      lines: [usage('ctv', 1, '800000', '8000.00'), trueUp('1000.00'), commission('-1350.00')],
      subtotal: '9000.00', total: '7650.00',
      payouts: [{ partnerId: pub, chargeId: 'ctv', amount: '800.00' }],
    });
    // B: no conversion, no line; the invoice still records the run.
    expectInvoice(invoices[B], { kind: 'INVOICE', lines: [], subtotal: '0.00', total: '0.00' });
    // C: 1,500,000 x 450 / 1,000 = 675,000 yen, under the 1,000,000 cap. No minor digits.
    expectInvoice(invoices[C], { kind: 'INVOICE', lines: [usage('spot', 1, '1500000', '675000')], subtotal: '675000', total: '675000' });
    clock.set('2027-04-04T09:00:00Z');
    const finalized = await finalize({ run, invoices });

    // Voiding A's March invoice: a credit note, born FINALIZED, each line negated: its total is
    // exactly -7,650.00.
    clock.set('2027-04-05T11:00:00Z');
    const voided = await s.call('POST', `/v1/invoices/${finalized[A].id}/void`, s.tokens.finance, { reason: 'issued to the wrong billing entity' });
    expect(voided).toMatchObject({ status: 'VOID', voidedAt: '2027-04-05T11:00:00.000Z' });
    const creditNote = voided.creditNote;
    Object.assign(voidedMarch, { invoiceId: finalized[A].id, creditNoteId: creditNote.id });
    expect(creditNote).toMatchObject({ kind: 'CREDIT_NOTE', status: 'FINALIZED', creditsInvoiceId: finalized[A].id, number: 'CN-2027-000001' });
    expect(creditNote.total).toBe('-7650.00');
    expect(creditNote.subtotal).toBe('-9000.00');
    expect(creditNote.lines.map(({ type, amount }: any) => [type, amount])).toEqual([['USAGE', '-8000.00'], ['MINIMUM_TRUE_UP', '-1000.00'], ['AGENCY_COMMISSION', '1350.00']]);
    await s.expectPdfOf(await s.call('GET', `/v1/invoices/${creditNote.id}`, s.tokens.finance));
    // A voided document takes no payment.
    const refused = await api.request('POST', `/v1/invoices/${finalized[A].id}/payments`, { token: s.tokens.finance, body: { amount: '1.00', date: '2027-04-05', reference: 'X' } });
    expect([refused.status, refused.json.error.code]).toEqual([409, 'invoice_void']);

    // Reissued to the right entity: the engine rates March again on the same terms and usage,
    // so the corrected draft is the voided invoice's figures, linked to it and its credit note.
    clock.set('2027-04-05T11:30:00Z');
    const reissue = await s.call('POST', `/v1/invoices/${finalized[A].id}/reissue`, s.tokens.finance, {}, 201);
    expect(reissue).toMatchObject({ status: 'DRAFT', reissueOf: finalized[A].id, reissueOfCreditNoteId: creditNote.id, total: '7650.00', subtotal: '9000.00' });
    const reissued = await s.call('POST', `/v1/invoices/${reissue.id}/finalize`, s.tokens.finance);
    expect(reissued).toMatchObject({ status: 'FINALIZED', issueDate: '2027-04-05', dueDate: '2027-05-05' });
    numbers.push(reissued.number);
    issued.set('A 2027-03 reissue', reissued);
    await s.expectPdfOf(reissued);
  });

  it('April: C hits its period budget cap', async () => {
    clock.set('2027-04-30T18:00:00Z');
    await s.impressions(A, [imp('2027-04-12', 400_000, pub), imp('2027-04-22', 700_000)]);
    await s.impressions(C, [{ date: '2027-04-15', chargeId: 'spot', count: 2_500_000, source: 'FIRST_PARTY' }]);
    const { run, invoices } = await runMonth('2027-04', 1, [A, B, C], '2027-05-03T06:00:00Z');
    // A (version 1, the amendment does not exist yet): 1,100,000 = 10,000.00 + 100,000 x 8.00 / 1,000
    //    = 10,800.00; commission -1,620.00; total 9,180.00.
    //    pub: 10,800.00 x 400,000 / 1,100,000 x 40 % = 1,570.9090... -> 1,570.91.
    expectInvoice(invoices[A], {
      kind: 'INVOICE',
      lines: [usage('ctv', 1, '1100000', '10800.00'), commission('-1620.00')],
      subtotal: '10800.00', total: '9180.00',
      payouts: [{ partnerId: pub, chargeId: 'ctv', amount: '1570.91' }],
    });
    expectInvoice(invoices[B], { kind: 'INVOICE', lines: [], subtotal: '0.00', total: '0.00' });
    // C: 2,500,000 x 450 / 1,000 = 1,125,000 yen; PERIOD cap 1,000,000: cap adjustment -125,000.
    expectInvoice(invoices[C], {
      kind: 'INVOICE', lines: [usage('spot', 1, '2500000', '1125000'), cap('-125000')], subtotal: '1000000', total: '1000000',
    });
    clock.set('2027-05-04T09:00:00Z');
    const finalized = await finalize({ run, invoices });
    finalizedBeforeAmendment['2027-04'] = finalized[A];
  });

  it('May: C ends; a JPY half yen rounds HALF_UP', async () => {
    clock.set('2027-05-31T18:00:00Z');
    await s.impressions(A, [imp('2027-05-05', 250_000, pub), imp('2027-05-25', 750_000)]);
    await s.conversions(B, [
      conv('cv-may-1', '2027-05-05T10:00:00Z', '2027-05-01T10:00:00Z', '400.00', 'DE', aff),
      conv('cv-may-2', '2027-05-18T10:00:00Z', '2027-05-18T09:00:00Z', '150.00', 'FR', aff),
    ]);
    await s.impressions(C, [{ date: '2027-05-10', chargeId: 'spot', count: 1_111_130, source: 'FIRST_PARTY' }]);
    const { run, invoices } = await runMonth('2027-05', 1, [A, B, C], '2027-06-03T06:00:00Z');
    // A: exactly 1,000,000 (tier 1's bound is inclusive) x 10.00 / 1,000 = 10,000.00;
    //    commission -1,500.00; total 8,500.00. pub: 10,000.00 x 250,000 / 1,000,000 x 40 % = 1,000.00.
    expectInvoice(invoices[A], {
      kind: 'INVOICE',
      lines: [usage('ctv', 1, '1000000', '10000.00'), commission('-1500.00')],
      subtotal: '10000.00', total: '8500.00',
      payouts: [{ partnerId: pub, chargeId: 'ctv', amount: '1000.00' }],
    });
    // B: cv-may-1 20.00 + 400.00 x 5 % = 40.00 (4 days after exposure: in the window);
    //    cv-may-2 20.00 + 150.00 x 5 % = 27.50; 67.50. aff: 2 x 8.00 = 16.00.
    expectInvoice(invoices[B], {
      kind: 'INVOICE', lines: [usage('purchase', 1, '2', '67.50')], subtotal: '67.50', total: '67.50',
      payouts: [{ partnerId: aff, chargeId: 'purchase', amount: '16.00' }],
    });
    // C: 1,111,130 x 450 / 1,000 = 500,008.5 yen -> HALF_UP 500,009 (HALF_EVEN would give 500,008).
    expectInvoice(invoices[C], { kind: 'INVOICE', lines: [usage('spot', 1, '1111130', '500009')], subtotal: '500009', total: '500009' });
    clock.set('2027-06-04T09:00:00Z');
    const finalized = await finalize({ run, invoices });
    finalizedBeforeAmendment['2027-05'] = finalized[A];
  });

  it('June: a reversal on B, a backdated amendment on A; re-runs of April and May invoice exactly the differences', async () => {
    clock.set('2027-06-10T09:00:00Z');
    await s.call('POST', '/v1/usage/conversions/cv-may-2/reversal', s.tokens.ops, { contractId: B, reversedAt: '2027-06-10T09:00:00Z', reason: 'order returned' });

    clock.set('2027-06-14T10:00:00Z');
    const drafted = await s.call('POST', `/v1/contracts/${A}/amendments`, s.tokens.ops, { effectiveFrom: '2027-04-01', terms: termsA('9.00', '7.50') }, 201);
    expect(drafted).toMatchObject({ number: 2, kind: 'AMENDMENT', backdated: true });
    clock.set('2027-06-15T16:00:00Z');
    // 9,000.00 x 9 periods (April..December) = 81,000.00 < 100,000.00: one approval, at 16:01.
    const approved = await s.approve(A, 2);
    expect(approved.recordedAt).toBe('2027-06-15T16:01:00.000Z');

    const april = await runMonth('2027-04', 2, [A, B, C], '2027-06-20T06:00:00Z');
    // A afresh: April is version 2's: 1,100,000 = 1,000,000 x 9.00 / 1,000 + 100,000 x 7.50 / 1,000
    //    = 9,000.00 + 750.00 = 9,750.00. Against what was invoiced, per (type, charge, version):
    //      USAGE ctv v2: +1,100,000, +9,750.00   (new)
    //      AGENCY_COMMISSION: -1,462.50 afresh - (-1,620.00) = +157.50
    //      USAGE ctv v1: -1,100,000, -10,800.00  (no longer billed under v1)
    //    subtotal 9,750.00 - 10,800.00 = -1,050.00, the rate difference
    //    (1,000,000 x 1.00 / 1,000 + 100,000 x 0.50 / 1,000); total -1,050.00 + 157.50 = -892.50.
    //    pub afresh 9,750.00 x 400,000 / 1,100,000 x 40 % = 1,418.1818... -> 1,418.18;
    //    change 1,418.18 - 1,570.91 = -152.73.
    expectInvoice(april.invoices[A], {
      kind: 'ADJUSTMENT',
      lines: [adjustUsage('ctv', 2, '1100000', '9750.00'), adjustPeriodLine('AGENCY_COMMISSION', '157.50'), adjustUsage('ctv', 1, '-1100000', '-10800.00')],
      subtotal: '-1050.00', total: '-892.50',
      payouts: [{ partnerId: pub, chargeId: 'ctv', amount: '-152.73' }],
    });
    // Nothing changed for B and C in April: an empty adjustment each.
    expectInvoice(april.invoices[B], { kind: 'ADJUSTMENT', lines: [], subtotal: '0.00', total: '0.00' });
    expectInvoice(april.invoices[C], { kind: 'ADJUSTMENT', lines: [], subtotal: '0', total: '0' });

    const may = await runMonth('2027-05', 2, [A, B, C], '2027-06-20T07:00:00Z');
    // A afresh: 1,000,000 x 9.00 / 1,000 = 9,000.00, exactly the minimum: no true-up.
    //      USAGE ctv v2: +1,000,000, +9,000.00
    //      AGENCY_COMMISSION: -1,350.00 - (-1,500.00) = +150.00
    //      USAGE ctv v1: -1,000,000, -10,000.00
    //    subtotal -1,000.00 (1,000,000 x 1.00 / 1,000); total -850.00.
    //    pub afresh 9,000.00 x 25 % x 40 % = 900.00; change -100.00.
    expectInvoice(may.invoices[A], {
      kind: 'ADJUSTMENT',
      lines: [adjustUsage('ctv', 2, '1000000', '9000.00'), adjustPeriodLine('AGENCY_COMMISSION', '150.00'), adjustUsage('ctv', 1, '-1000000', '-10000.00')],
      subtotal: '-1000.00', total: '-850.00',
      payouts: [{ partnerId: pub, chargeId: 'ctv', amount: '-100.00' }],
    });
    // B: cv-may-2 reversed on Jun 10 <= asOf: afresh 1 conversion, 40.00; invoiced 2, 67.50:
    //    -1, -27.50 credited. aff: 8.00 afresh - 16.00 = -8.00.
    expectInvoice(may.invoices[B], {
      kind: 'ADJUSTMENT', lines: [adjustUsage('purchase', 1, '-1', '-27.50')], subtotal: '-27.50', total: '-27.50',
      payouts: [{ partnerId: aff, chargeId: 'purchase', amount: '-8.00' }],
    });
    expectInvoice(may.invoices[C], { kind: 'ADJUSTMENT', lines: [], subtotal: '0', total: '0' });

    // The finalized April and May invoices are untouched: the corrections are new documents.
    for (const period of ['2027-04', '2027-05']) {
      const original = finalizedBeforeAmendment[period];
      // What was billed is as it was; only payments (A paid April on June 1) have moved.
      const billed = ({ number, status, finalizedAt, lines, subtotal, total, partnerPayouts }: any) => ({ number, status, finalizedAt, lines, subtotal, total, partnerPayouts });
      expect(billed(await s.call('GET', `/v1/invoices/${original.id}`, s.tokens.finance))).toEqual(billed(original));
    }
    expect(april.invoices[A].id).not.toBe(finalizedBeforeAmendment['2027-04'].id);
    clock.set('2027-06-21T09:00:00Z');
    await finalize(april);
    await finalize(may);
  });

  it('June to October: version 2 rates, the minimum, tier boundaries and a half cent', async () => {
    // June, version 2: 1,300,000 = 9,000.00 + 300,000 x 7.50 / 1,000 = 9,000.00 + 2,250.00 = 11,250.00;
    //    commission -1,687.50; total 9,562.50.
    //    pub: 11,250.00 x 300,000 / 1,300,000 x 40 % = 1,038.4615... -> 1,038.46.
    clock.set('2027-06-30T18:00:00Z');
    await s.impressions(A, [imp('2027-06-10', 300_000, pub), imp('2027-06-20', 1_000_000)]);
    let month = await runMonth('2027-06', 1, [A, B], '2027-07-03T06:00:00Z');
    expectInvoice(month.invoices[A], {
      kind: 'INVOICE', lines: [usage('ctv', 2, '1300000', '11250.00'), commission('-1687.50')], subtotal: '11250.00', total: '9562.50',
      payouts: [{ partnerId: pub, chargeId: 'ctv', amount: '1038.46' }],
    });
    expectInvoice(month.invoices[B], { kind: 'INVOICE', lines: [], subtotal: '0.00', total: '0.00' });
    await finalize(month);

    // July: 900,000 x 9.00 / 1,000 = 8,100.00; true-up 900.00; commission -9,000.00 x 15 % = -1,350.00;
    //    total 7,650.00. No partner impressions: no payout.
    clock.set('2027-07-31T18:00:00Z');
    await s.impressions(A, [imp('2027-07-15', 900_000)]);
    month = await runMonth('2027-07', 1, [A, B], '2027-08-03T06:00:00Z');
    expectInvoice(month.invoices[A], {
      kind: 'INVOICE', lines: [usage('ctv', 2, '900000', '8100.00'), trueUp('900.00'), commission('-1350.00')], subtotal: '9000.00', total: '7650.00',
    });
    await finalize(month);

    // August: 2,000,000 = 9,000.00 + 1,000,000 x 7.50 / 1,000 = 16,500.00; commission -2,475.00;
    //    total 14,025.00. pub: 16,500.00 x 1,000,000 / 2,000,000 x 40 % = 3,300.00.
    clock.set('2027-08-31T18:00:00Z');
    await s.impressions(A, [imp('2027-08-10', 1_000_000, pub), imp('2027-08-20', 1_000_000)]);
    month = await runMonth('2027-08', 1, [A, B], '2027-09-03T06:00:00Z');
    expectInvoice(month.invoices[A], {
      kind: 'INVOICE', lines: [usage('ctv', 2, '2000000', '16500.00'), commission('-2475.00')], subtotal: '16500.00', total: '14025.00',
      payouts: [{ partnerId: pub, chargeId: 'ctv', amount: '3300.00' }],
    });
    await finalize(month);

    // September, A: 1,000,001 = 9,000.00 + 1 x 7.50 / 1,000 = 9,000.0075 -> 9,000.01 (HALF_EVEN:
    //    0.75 of a cent is past the half); no true-up (9,000.01 >= 9,000.00);
    //    commission -9,000.01 x 15 % = -1,350.0015 -> -1,350.00; total 7,650.01.
    // B: cv-sep-1 20.00 + 12.10 x 5 % = 20.605, a tie: HALF_EVEN -> 20.60 (to the even cent).
    clock.set('2027-09-30T18:00:00Z');
    await s.impressions(A, [imp('2027-09-15', 1_000_001)]);
    await s.conversions(B, [conv('cv-sep-1', '2027-09-20T10:00:00Z', '2027-09-19T10:00:00Z', '12.10', 'DE')]);
    month = await runMonth('2027-09', 1, [A, B], '2027-10-03T06:00:00Z');
    expectInvoice(month.invoices[A], {
      kind: 'INVOICE', lines: [usage('ctv', 2, '1000001', '9000.01'), commission('-1350.00')], subtotal: '9000.01', total: '7650.01',
    });
    expectInvoice(month.invoices[B], { kind: 'INVOICE', lines: [usage('purchase', 1, '1', '20.60')], subtotal: '20.60', total: '20.60' });
    await finalize(month);

    // October: 600,000, all pub's, x 9.00 / 1,000 = 5,400.00; true-up 3,600.00; commission -1,350.00;
    //    total 7,650.00. pub: 5,400.00 x 40 % = 2,160.00 (gross usage, not the true-up).
    clock.set('2027-10-31T18:00:00Z');
    await s.impressions(A, [imp('2027-10-05', 600_000, pub)]);
    month = await runMonth('2027-10', 1, [A, B], '2027-11-03T06:00:00Z');
    expectInvoice(month.invoices[A], {
      kind: 'INVOICE', lines: [usage('ctv', 2, '600000', '5400.00'), trueUp('3600.00'), commission('-1350.00')], subtotal: '9000.00', total: '7650.00',
      payouts: [{ partnerId: pub, chargeId: 'ctv', amount: '2160.00' }],
    });
    await finalize(month);
  });

  it('November: B is renewed for 6 months with a 4 % uplift, effective after its end date', async () => {
    clock.set('2027-11-20T10:00:00Z');
    const renewal = await s.call('POST', `/v1/contracts/${B}/renewals`, s.tokens.ops, { termMonths: 6, rateUpliftPct: '4' }, 201);
    // The rules (draft-renewal.ts, renewal.ts): the renewal takes effect the day after the
    // current endDate, 2028-01-01, and the endDate moves 6 months, to 2028-06-30. Every price is
    // uplifted: the CPM rate 6.00 x 1.04 = 6.24, and the CPA payout as a v2 payout tier would be
    // (flat 20.00 x 1.04 = 20.80, max 60.00 x 1.04 = 62.40 as money, 5 % x 1.04 = 5.2 % as a rate);
    // partner fees stay as they are. So no 2027 period is billed under it: November and December
    // stay on version 1.
    expect(renewal).toMatchObject({ number: 2, kind: 'RENEWAL', effectiveFrom: '2028-01-01', renewal: { newEndDate: '2028-06-30' } });
    expect(renewal.terms.charges[1].pricing.rate).toBe('6.24');
    expect(renewal.terms.charges[0].payout).toEqual({ flat: '20.80', percentOfValue: '5.2', min: null, max: '62.40' });
    expect(renewal.terms.partners).toEqual(termsB().partners);
    clock.set('2027-11-22T10:00:00Z');
    await s.approve(B, 2);
    expect((await s.call('GET', `/v1/contracts/${B}`, s.tokens.ops)).endDate).toBe('2028-06-30');

    // A: exactly 1,000,000 x 9.00 / 1,000 = 9,000.00 = the minimum: no true-up; commission -1,350.00;
    //    total 7,650.00. pub: 9,000.00 x 400,000 / 1,000,000 x 40 % = 1,440.00.
    clock.set('2027-11-30T18:00:00Z');
    await s.impressions(A, [imp('2027-11-10', 400_000, pub), imp('2027-11-20', 600_000)]);
    const month = await runMonth('2027-11', 1, [A, B], '2027-12-03T06:00:00Z');
    expectInvoice(month.invoices[A], {
      kind: 'INVOICE', lines: [usage('ctv', 2, '1000000', '9000.00'), commission('-1350.00')], subtotal: '9000.00', total: '7650.00',
      payouts: [{ partnerId: pub, chargeId: 'ctv', amount: '1440.00' }],
    });
    expectInvoice(month.invoices[B], { kind: 'INVOICE', lines: [], subtotal: '0.00', total: '0.00' });
    await finalize(month);
  });

  it('December: run in January 2028, B still on version 1; numbering starts again in 2028', async () => {
    clock.set('2027-12-31T18:00:00Z');
    await s.impressions(A, [imp('2027-12-10', 1_000_000, pub), imp('2027-12-20', 2_000_000)]);
    await s.impressions(B, [imp('2027-12-15', 500_000)]);
    await s.conversions(B, [conv('cv-dec-1', '2027-12-10T10:00:00Z', '2027-12-09T10:00:00Z', '500.00', 'FR', aff)]);
    const month = await runMonth('2027-12', 1, [A, B], '2028-01-03T06:00:00Z');
    // A: 3,000,000 = 9,000.00 + 2,000,000 x 7.50 / 1,000 = 24,000.00; commission -3,600.00;
    //    total 20,400.00. pub: 24,000.00 x 1,000,000 / 3,000,000 x 40 % = 3,200.00.
    expectInvoice(month.invoices[A], {
      kind: 'INVOICE', lines: [usage('ctv', 2, '3000000', '24000.00'), commission('-3600.00')], subtotal: '24000.00', total: '20400.00',
      payouts: [{ partnerId: pub, chargeId: 'ctv', amount: '3200.00' }],
    });
    // B, version 1 (the renewal starts 2028-01-01): cv-dec-1 20.00 + 500.00 x 5 % = 45.00;
    //    ctv 500,000 x 6.00 / 1,000 = 3,000.00; total 3,045.00. aff 8.00.
    expectInvoice(month.invoices[B], {
      kind: 'INVOICE', lines: [usage('purchase', 1, '1', '45.00'), usage('ctv', 1, '500000', '3000.00')], subtotal: '3045.00', total: '3045.00',
      payouts: [{ partnerId: aff, chargeId: 'purchase', amount: '8.00' }],
    });
    clock.set('2028-01-04T09:00:00Z');
    const finalized = await finalize(month);
    expect(Object.values(finalized).map((i) => i.number).sort()).toEqual(['INV-2028-000001', 'INV-2028-000002']);
  });

  it('closes the year: the receivables aged as of 2027-12-31, and as of 2027-05-19 before the late payer paid', async () => {
    // Today is 2028-01-04 (December's close). Days past due count from the due date (issue day +
    // the advertiser's payment terms) to asOf: current (not yet due), 1-30, 31-60, 61-90, over 90.
    const aging = async (asOf: string) => {
      const { items, ...rest } = await s.call('GET', `/v1/receivables?asOf=${asOf}`, s.tokens.finance);
      expect(rest).toEqual({ asOf });
      return Object.fromEntries(items.map(({ advertiserId, ...row }: any) => [Object.keys(advertiserOf).find((k) => advertiserOf[k] === advertiserId), row]));
    };
    // 2027-12-31. A (USD, 30 days) paid everything but:
    //   August 14,025.00 (issued 09-03, due 10-03) less 10,000.00 paid 10-01 = 4,025.00,
    //     28 + 30 + 31 = 89 days past due -> 61-90;
    //   October 7,650.00 (issued 11-03, due 12-03): 28 days -> 1-30;
    //   November 7,650.00 (issued 12-03, due 2028-01-02): current.
    //   December's invoice is issued 2028-01-04, after asOf: not yet a receivable. The April and
    //   May adjustments (-892.50, -850.00) are credits owed, not receivables.
    //   total 4,025.00 + 7,650.00 + 7,650.00 = 19,325.00.
    // B (EUR, 30 days), the late payer:
    //   February 47.84 (due 04-03) less 20.00 paid 05-20 = 27.84, 272 days -> over 90;
    //   February's re-run 24.00 (due 04-11) -> over 90; May 67.50 (due 07-04), 180 days -> over 90;
    //   over 90 = 27.84 + 24.00 + 67.50 = 119.34. September 20.60 (due 11-02): 28 + 31 = 59 days -> 31-60.
    //   total 139.94. (May's -27.50 reversal adjustment is a credit, left out.)
    // C (JPY, 15 days) paid in full: no row.
    expect(await aging('2027-12-31')).toEqual({
      A: { currency: 'USD', current: '7650.00', d1_30: '7650.00', d31_60: '0.00', d61_90: '4025.00', over90: '0.00', total: '19325.00' },
      B: { currency: 'EUR', current: '0.00', d1_30: '0.00', d31_60: '20.60', d61_90: '0.00', over90: '119.34', total: '139.94' },
    });
    // 2027-05-19, the day before B paid. A: April 9,180.00 (issued 05-04, due 06-03) current; the
    //   rest paid by then, the voided March invoice left out (its reissue paid 05-01).
    // B: January 90.00 due 03-06, 25 + 30 + 19 = 74 days -> 61-90; February 47.84 due 04-03,
    //   46 days, and its re-run 24.00 due 04-11, 38 days -> 31-60: 71.84. total 161.84.
    // C: April 1,000,000 (issued 05-04, due 05-19) less 500,000 paid 05-18: 500,000, due today -> current.
    expect(await aging('2027-05-19')).toEqual({
      A: { currency: 'USD', current: '9180.00', d1_30: '0.00', d31_60: '0.00', d61_90: '0.00', over90: '0.00', total: '9180.00' },
      B: { currency: 'EUR', current: '0.00', d1_30: '0.00', d31_60: '71.84', d61_90: '90.00', over90: '0.00', total: '161.84' },
      C: { currency: 'JPY', current: '500000', d1_30: '0', d31_60: '0', d61_90: '0', over90: '0', total: '500000' },
    });

    // What each invoice shows today: August part-paid and past due; C's April paid in two parts.
    const august = await s.call('GET', `/v1/invoices/${issued.get('A 2027-08 #1').id}`, s.tokens.finance);
    expect(august).toMatchObject({ amountPaid: '10000.00', balanceDue: '4025.00', dueDate: '2027-10-03', paymentStatus: 'OVERDUE' });
    const cApril = await s.call('GET', `/v1/invoices/${issued.get('C 2027-04 #1').id}`, s.tokens.finance);
    expect(cApril).toMatchObject({ amountPaid: '1000000', balanceDue: '0', paymentStatus: 'PAID' });
    expect(cApril.payments.map((p: any) => [p.date, p.amount])).toEqual([['2027-05-18', '500000'], ['2027-06-10', '500000']]);
    // Paying more than is due changes nothing.
    const over = await api.request('POST', `/v1/invoices/${august.id}/payments`, { token: s.tokens.finance, body: { amount: '4025.01', date: '2028-01-04', reference: 'A-WIRE-TOO-MUCH' } });
    expect([over.status, over.json.error.code]).toEqual([409, 'overpayment']);
    expect((await s.call('GET', `/v1/invoices/${august.id}`, s.tokens.finance)).amountPaid).toBe('10000.00');
    // Every planned payment was recorded at the close after it was received.
    expect([...paid].sort()).toEqual(paymentPlan.map((p) => p.reference).sort());
  });

  it('January 2028: only B is still in force, billed under its uplifted renewal', async () => {
    clock.set('2028-01-31T18:00:00Z');
    await s.impressions(B, [imp('2028-01-15', 500_000)]);
    await s.conversions(B, [conv('cv-2028-1', '2028-01-12T10:00:00Z', '2028-01-11T10:00:00Z', '100.00', 'DE', aff)]);
    // A and C ended in 2027: the plan holds B alone.
    const month = await runMonth('2028-01', 1, [B], '2028-02-03T06:00:00Z');
    // Version 2: cv-2028-1 20.80 + 100.00 x 5.2 % = 26.00 (uplifted payout, under its max 62.40);
    //    ctv 500,000 x 6.24 / 1,000 = 3,120.00; total 3,146.00. aff 8.00 (partner fees not uplifted).
    expectInvoice(month.invoices[B], {
      kind: 'INVOICE', lines: [usage('purchase', 2, '1', '26.00'), usage('ctv', 2, '500000', '3120.00')], subtotal: '3146.00', total: '3146.00',
      payouts: [{ partnerId: aff, chargeId: 'purchase', amount: '8.00' }],
    });
  });

  it('numbers every document of 2027 without a gap, in the order finalized', () => {
    const of2027 = numbers.filter((n) => n.startsWith('INV-2027-'));
    // 2 (Jan) + 2 (Feb) + 2 (Feb re-run) + 3 (Mar) + 1 (Mar reissue) + 3 (Apr) + 3 (May) + 6 (re-runs)
    //   + 2 x 5 (Jun..Oct) + 2 (Nov) = 34
    expect(of2027).toHaveLength(34);
    expect(of2027).toEqual(of2027.map((_, i) => `INV-2027-${String(i + 1).padStart(6, '0')}`));
  });

  it('states May\'s partner payouts across the first run and the re-run', async () => {
    // pub: 1,000.00 (run 1) - 100.00 (run 2) = 900.00 USD; aff: 16.00 - 8.00 = 8.00 EUR.
    const pubMay = await s.call('GET', `/v1/partners/${pub}/statements?period=2027-05`, s.tokens.finance);
    expect(pubMay.lines.map((l: any) => [l.contractId, l.chargeId, l.amount, l.runs.map((r: any) => r.amount)])).toEqual([[A, 'ctv', '900.00', ['1000.00', '-100.00']]]);
    expect(pubMay.totals).toEqual([{ currency: 'USD', amount: '900.00' }]);
    const affMay = await s.call('GET', `/v1/partners/${aff}/statements?period=2027-05`, s.tokens.finance);
    expect(affMay.lines.map((l: any) => [l.contractId, l.chargeId, l.amount])).toEqual([[B, 'purchase', '8.00']]);
    expect(affMay.totals).toEqual([{ currency: 'EUR', amount: '8.00' }]);
    // February: pub 1,933.33 - 66.66 = 1,866.67; aff 8.00 + 8.00 = 16.00.
    expect((await s.call('GET', `/v1/partners/${pub}/statements?period=2027-02`, s.tokens.finance)).totals).toEqual([{ currency: 'USD', amount: '1866.67' }]);
    expect((await s.call('GET', `/v1/partners/${aff}/statements?period=2027-02`, s.tokens.finance)).totals).toEqual([{ currency: 'EUR', amount: '16.00' }]);
  });

  it('exports May with a balanced journal, and March with the voided invoice and its credit note', async () => {
    // GET /v1/exports only lists what the billing workflow exported. March was exported by its
    // run, before the void: the workflow's Export step (as a later run of March would) brings it
    // up to date with the void and the credit note.
    // May's export, written again, gains the payments received since its run.
    const exports = new FinanceExports(s3Client(), api.buckets.exports, new InvoiceRepository(documentClient(), api.tableName), clock);
    await exports.writePeriodExport('2027-03');
    await exports.writePeriodExport('2027-05');
    for (const period of ['2027-05', '2027-03']) {
      const listed = await s.call('GET', `/v1/exports?period=${period}`, s.tokens.finance);
      const keys = listed.items.map((i: any) => i.key);
      for (const name of ['invoices.csv', 'invoices.jsonl', 'invoice-lines.csv', 'invoice-lines.jsonl', 'partner-payouts.csv', 'payments.csv', 'aging.csv', 'journal.csv', 'manifest.json']) {
        expect(keys).toContain(`exports/${period}/${name}`);
      }
      const journal = listed.items.find((i: any) => i.key === `exports/${period}/journal.csv`);
      const download = await fetch(journal.url);
      expect(download.status).toBe(200);
      const rows = parseCsv(await download.text());
      const header = rows[0]!;
      const col = (name: string) => header.indexOf(name);
      const perCurrency = new Map<string, { debit: bigint; credit: bigint }>();
      const documents = new Set<string>();
      for (const row of rows.slice(1)) {
        const currency = row[col('currency')]!;
        const sums = perCurrency.get(currency) ?? { debit: 0n, credit: 0n };
        sums.debit += minorOf(row[col('debit')]!);
        sums.credit += minorOf(row[col('credit')]!);
        perCurrency.set(currency, sums);
        documents.add(row[col('invoiceId')]!);
      }
      for (const [currency, { debit, credit }] of perCurrency) expect(debit, `${period} ${currency}`).toBe(credit);
      // May: the three first-run invoices and the three re-run adjustments, in USD, EUR and JPY.
      // March: A's voided invoice and its credit note (which reverses it), and C's invoice.
      if (period === '2027-05') expect([...perCurrency.keys()].sort()).toEqual(['EUR', 'JPY', 'USD']);
      if (period === '2027-03') for (const id of [voidedMarch.invoiceId, voidedMarch.creditNoteId]) expect(documents.has(id!), `journal posts ${id}`).toBe(true);
      if (period === '2027-05') {
        // The payments on May's documents: A's in full on 07-01, C's on 06-18; B's 67.50 is unpaid.
        const payments = parseCsv(await (await fetch(listed.items.find((i: any) => i.key === `exports/${period}/payments.csv`).url)).text());
        const p = (name: string) => payments[0]!.indexOf(name);
        expect(payments.slice(1).map((r) => [r[p('contractId')], r[p('date')], r[p('amount')], r[p('reference')]]).sort()).toEqual([
          [A, '2027-07-01', '8500.00', 'A-WIRE-0701'],
          [C, '2027-06-18', '500009', 'C-FURIKOMI-0618'],
        ].sort());
      }
    }
  });

  it("verifies contract A's audit trail", { timeout: 90_000 }, async () => {
    const poller = await startTestAuditPoller();
    try {
      await poller.drain({ timeoutMs: 80_000 });
      expect(poller.failures).toEqual([]);
      const { entries, head } = await new DynamoAuditRepository(documentClient(), api.tableName).readChain(`contract#${A}`);
      expect(verifyChain(entries, head ? { head } : {}).ok).toBe(true);
      const trail = await s.call('GET', `/v1/contracts/${A}/audit?limit=200`, s.tokens.finance);
      expect(trail.items.map((e: any) => e.action)).toEqual(expect.arrayContaining(['version.approved', 'contract.activated']));
      // The amendment's approval, at the fake instant, by the approver.
      expect(trail.items).toContainEqual(expect.objectContaining({ action: 'version.approved', actor: 'april', at: '2027-06-15T16:01:00.000Z' }));
    } finally {
      await poller.stop();
    }
  });
});

/** A decimal amount as an integer of its smallest digit ("" = 0), so sums are exact. */
function minorOf(text: string): bigint {
  if (text === '') return 0n;
  const negative = text.startsWith('-');
  const [whole, frac = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole! + frac.padEnd(6, '0'));
  return negative ? -value : value;
}

/**
 * V, a v2 advertiser (USD, UTC, 2028-02-01..2028-03-31), billed after the 2027 contracts so their
 * runs and figures stay as they are (from February 2028 on a run plans B, still in force and
 * without usage, and V). Its terms use every v2 structure the run carries end to end:
 *   "signup" CPA, event SIGNUP, 7-day window, LAST_TOUCH, GRADUATED payout tiers:
 *      ranks 1-2 at 30.00 flat; rank 3 on at 20.00 + 10 % of the value, at most 35.00;
 *      partner override: cash's conversions at 12.00 flat (replacing the tier's payout).
 *   "views" CPCV, FLAT 0.05 per completed view.
 *   Performance guarantee: at most 50.00 of "views" per "signup" conversion.
 *   Partners: shop 20 % of its conversions' payouts, aff 6.00 and cash 4.00 per conversion
 *   (signup); pub 40 % of views revenue, shared by completed views.
 * Credits are made through the credits resource and approved (or not) through the API.
 */
describe('a v2 advertiser, 2028', { timeout: 60_000 }, () => {
  let V: string;
  let shop: string;
  let cash: string;
  /** V's February make-good, approved in March. */
  let makeGood: any;

  const payout = (flat: string, percentOfValue = '0', max: string | null = null) => ({ flat, percentOfValue, min: null, max });
  const termsV = () => ({
    charges: [
      {
        id: 'signup', kind: 'CPA', event: 'SIGNUP', attributionWindowDays: 7, attribution: 'LAST_TOUCH',
        eligibility: { geos: null, newCustomersOnly: false, minValue: null }, holdDays: 0, maxConversionsPerPeriod: null,
        payoutTiers: { model: 'GRADUATED', tiers: [{ upTo: 2, payout: payout('30.00') }, { upTo: null, payout: payout('20.00', '10', '35.00') }] },
        partnerOverrides: [{ partnerIds: [cash], payout: payout('12.00') }],
      },
      { id: 'views', kind: 'CPCV', pricing: { model: 'FLAT', rate: '0.05' } },
    ],
    ...none,
    performanceGuarantee: { maxCostPerConversion: '50.00', mediaChargeIds: ['views'], conversionChargeIds: ['signup'] },
    partners: [
      { partnerId: shop, chargeIds: ['signup'], percentOfRevenue: '20' },
      { partnerId: aff, chargeIds: ['signup'], flatPerConversion: '6.00' },
      { partnerId: cash, chargeIds: ['signup'], flatPerConversion: '4.00' },
      { partnerId: pub, chargeIds: ['views'], percentOfRevenue: '40' },
    ],
  });
  /** One partner's touch of a signup: the touches of one conversion share id, occurredAt and value. */
  const touch = (id: string, occurredAt: string, exposureAt: string, value: string, partnerId: string) => ({
    id, event: 'SIGNUP', occurredAt, exposureAt, value, geo: 'US', newCustomer: true, partnerId,
  });
  const views = (date: string, count: number, completedViews: number, partnerId?: string) => ({
    date, chargeId: 'views', count, completedViews, source: 'FIRST_PARTY', ...(partnerId ? { partnerId } : {}),
  });
  /** Partner payouts are listed by partner id (the ids are generated). */
  const byPartner = (payouts: { partnerId: string; chargeId: string; amount: string }[]) =>
    [...payouts].sort((a, b) => (a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : a.chargeId < b.chargeId ? -1 : 1));
  const touchesOf = (line: any) => [...line.explanation.touches].sort((a: any, b: any) => (a.partnerId < b.partnerId ? -1 : 1));
  const credits = () => `/v1/contracts/${V}/credits`;

  it('February 2028: payout tiers, an override, LAST_TOUCH over three partners, CPCV and a guarantee credit', async () => {
    clock.set('2028-02-04T10:00:00Z');
    shop = (await s.call('POST', '/v1/partners', s.tokens.ops, { name: 'ShopAff' }, 201)).id;
    cash = (await s.call('POST', '/v1/partners', s.tokens.ops, { name: 'CashbackAff' }, 201)).id;
    const advertiserId = (await s.call('POST', '/v1/advertisers', s.tokens.ops, { name: 'Adv V', currency: 'USD', timezone: 'UTC' }, 201)).id;
    V = (await s.call('POST', '/v1/contracts', s.tokens.ops, {
      advertiserId, name: 'V spring 2028', currency: 'USD', timezone: 'UTC', startDate: '2028-02-01', endDate: '2028-03-31', terms: termsV(),
    }, 201)).id;
    // Nothing committed (no minimum): one approval.
    expect((await s.approve(V, 1)).approvals).toHaveLength(1);

    clock.set('2028-02-29T18:00:00Z');
    await s.impressions(V, [views('2028-02-10', 4_000, 3_000, pub), views('2028-02-20', 6_000, 3_000)]);
    // Six touches of four signups: a second touch of an id is a duplicate of the first record,
    // kept as that partner's touch.
    const sent = await s.call('POST', '/v1/usage/conversions', s.tokens.ops, {
      contractId: V,
      records: [
        touch('su-1', '2028-02-05T10:00:00Z', '2028-02-04T10:00:00Z', '100.00', shop),
        touch('su-1', '2028-02-05T10:00:00Z', '2028-02-05T08:00:00Z', '100.00', aff),
        touch('su-2', '2028-02-08T10:00:00Z', '2028-02-07T10:00:00Z', '200.00', shop),
        touch('su-3', '2028-02-12T10:00:00Z', '2028-02-10T10:00:00Z', '50.00', aff),
        touch('su-3', '2028-02-12T10:00:00Z', '2028-02-11T10:00:00Z', '50.00', cash),
        touch('su-4', '2028-02-20T10:00:00Z', '2028-02-19T10:00:00Z', '400.00', shop),
      ],
    }, 202);
    expect(sent).toEqual({ accepted: 4, duplicates: 2, touches: 2 });

    const month = await runMonth('2028-02', 1, [B, V], '2028-03-03T06:00:00Z');
    // LAST_TOUCH, the latest exposure wins: su-1 aff (Feb 5 08:00 after shop's Feb 4), su-2 shop
    //    (alone), su-3 cash (Feb 11 after aff's Feb 10), su-4 shop (alone, so far).
    // signup, GRADUATED, ranks by occurredAt: su-1 rank 1 and su-2 rank 2 in tier 1 (upTo 2):
    //    30.00 + 30.00; su-3 rank 3 is cash's: the override pays 12.00 (not tier 2's payout);
    //    su-4 rank 4, tier 2: 20.00 + 400.00 x 10 % = 60.00, capped at max 35.00.
    //    4 conversions, 30.00 + 30.00 + 12.00 + 35.00 = 107.00.
    // views, CPCV: 3,000 + 3,000 completed views x 0.05 = 300.00 (per view, not per 1,000).
    // Guarantee: M = 300.00 (views), C = 4 (signup), cap 50.00 x 4 = 200.00:
    //    GUARANTEE_CREDIT -max(0, 300.00 - 200.00) = -100.00.
    // Subtotal = total = 107.00 + 300.00 - 100.00 = 307.00 (no commission).
    // Payouts, on gross usage (the guarantee changes none): shop 20 % x (su-2 30.00 + su-4 35.00)
    //    = 13.00; aff su-1 x 6.00 = 6.00; cash su-3 x 4.00 = 4.00;
    //    pub 300.00 x 3,000 / 6,000 views x 40 % = 60.00.
    expectInvoice(month.invoices[V], {
      kind: 'INVOICE',
      lines: [usage('signup', 1, '4', '107.00'), usage('views', 1, '6000', '300.00'), guaranteeCredit('-100.00')],
      subtotal: '307.00', total: '307.00',
      payouts: byPartner([
        { partnerId: shop, chargeId: 'signup', amount: '13.00' },
        { partnerId: aff, chargeId: 'signup', amount: '6.00' },
        { partnerId: cash, chargeId: 'signup', amount: '4.00' },
        { partnerId: pub, chargeId: 'views', amount: '60.00' },
      ]),
    });
    expectInvoice(month.invoices[B], { kind: 'INVOICE', lines: [], subtotal: '0.00', total: '0.00' });
    // The explanations say what decided each line.
    const [signup, , guarantee] = month.invoices[V].lines;
    expect(signup.explanation.payoutTiers.tiers.map((t: any) => [t.fromRank, t.toRank, t.count, t.overridden])).toEqual([[1, 2, 2, 0], [3, 4, 1, 1]]);
    expect(signup.explanation.overrides).toEqual([expect.objectContaining({ partnerIds: [cash], count: 1 })]);
    expect(touchesOf(signup)).toEqual([
      { partnerId: shop, won: 2, lost: 1 }, { partnerId: aff, won: 1, lost: 1 }, { partnerId: cash, won: 1, lost: 0 },
    ].sort((a, b) => (a.partnerId < b.partnerId ? -1 : 1)));
    expect(guarantee.explanation).toMatchObject({ maxCostPerConversion: '50.00', media: '300.00', conversions: '4', allowed: '200.00' });
    clock.set('2028-03-03T09:00:00Z');
    await finalize(month);
  });

  it('March 2028: a make-good approved through the API and a late touch; the re-run of February credits it and moves su-4 from shop to aff', async () => {
    clock.set('2028-03-04T10:00:00Z');
    makeGood = await s.call('POST', credits(), s.tokens.ops, { period: '2028-02', amount: '75.00', reason: 'MAKE_GOOD', note: 'under-delivered views in week 3' }, 201);
    expect(makeGood).toMatchObject({ status: 'PENDING_APPROVAL', recordedAt: null });
    // Two credits that are never invoiced: one left pending, one rejected.
    await s.call('POST', credits(), s.tokens.ops, { period: '2028-02', amount: '30.00', reason: 'SERVICE_CREDIT' }, 201);
    const refused = await s.call('POST', credits(), s.tokens.ops, { period: '2028-02', amount: '40.00', reason: 'GOODWILL' }, 201);
    clock.set('2028-03-05T09:00:00Z');
    await s.call('POST', `${credits()}/${refused.id}/reject`, s.tokens.approver, { reason: 'not agreed with sales' });
    makeGood = await s.call('POST', `${credits()}/${makeGood.id}/approve`, s.tokens.approver, { comment: 'make-good agreed' });
    expect(makeGood).toMatchObject({ status: 'APPROVED', recordedAt: '2028-03-05T09:00:00.000Z' });
    const listed = await s.call('GET', credits(), s.tokens.finance);
    expect(listed.items.map((c: any) => [c.amount, c.status]).sort()).toEqual([['30.00', 'PENDING_APPROVAL'], ['40.00', 'REJECTED'], ['75.00', 'APPROVED']]);

    // aff's touch of su-4 arrives late, with an exposure after shop's (Feb 20 09:00 > Feb 19 10:00).
    clock.set('2028-03-05T12:00:00Z');
    expect(await s.call('POST', '/v1/usage/conversions', s.tokens.ops, {
      contractId: V, records: [touch('su-4', '2028-02-20T10:00:00Z', '2028-02-20T09:00:00Z', '400.00', aff)],
    }, 202)).toEqual({ accepted: 0, duplicates: 1, touches: 1 });

    const february = await runMonth('2028-02', 2, [B, V], '2028-03-06T06:00:00Z');
    // V afresh: su-4 is aff's now, still rank 4 in tier 2: 35.00; signup 4, 107.00 and views
    //    300.00 unchanged, so the guarantee credit stays -100.00: no USAGE or GUARANTEE_CREDIT
    //    adjustment. The approved make-good (recordedAt Mar 5 <= asOf Mar 6) makes CREDIT
    //    -75.00, none invoiced before: ADJUSTMENT of CREDIT -75.00. The pending 30.00 and the
    //    rejected 40.00 are not rated. Subtotal = total = -75.00 (CREDIT is in the subtotal).
    // Payouts, the changes: shop afresh 20 % x 30.00 (su-2) = 6.00, was 13.00: -7.00;
    //    aff afresh 2 x 6.00 = 12.00, was 6.00: +6.00; cash and pub unchanged.
    expectInvoice(february.invoices[V], {
      kind: 'ADJUSTMENT', lines: [adjustPeriodLine('CREDIT', '-75.00')], subtotal: '-75.00', total: '-75.00',
      payouts: byPartner([{ partnerId: shop, chargeId: 'signup', amount: '-7.00' }, { partnerId: aff, chargeId: 'signup', amount: '6.00' }]),
    });
    expectInvoice(february.invoices[B], { kind: 'ADJUSTMENT', lines: [], subtotal: '0.00', total: '0.00' });
    // The CREDIT adjustment names the credit by id and reason (the fresh line's explanation).
    expect(february.invoices[V].lines[0].explanation).toMatchObject({ adjusts: 'CREDIT', previouslyInvoiced: { amount: '0.00' }, recomputed: { amount: '-75.00' } });
    expect(february.invoices[V].lines[0].explanation.fresh.credits).toEqual([
      { id: makeGood.id, reason: 'MAKE_GOOD', amount: '75.00', recordedAt: '2028-03-05T09:00:00.000Z' },
    ]);
    clock.set('2028-03-06T09:00:00Z');
    await finalize(february);

    // Statements: aff 6.00 (run 1) + 6.00 (run 2) = 12.00; shop 13.00 - 7.00 = 6.00.
    const affFeb = await s.call('GET', `/v1/partners/${aff}/statements?period=2028-02`, s.tokens.finance);
    expect(affFeb.lines.map((l: any) => [l.contractId, l.chargeId, l.amount, l.runs.map((r: any) => r.amount)])).toEqual([[V, 'signup', '12.00', ['6.00', '6.00']]]);
    const shopFeb = await s.call('GET', `/v1/partners/${shop}/statements?period=2028-02`, s.tokens.finance);
    expect(shopFeb.lines.map((l: any) => [l.contractId, l.chargeId, l.amount, l.runs.map((r: any) => r.amount)])).toEqual([[V, 'signup', '6.00', ['13.00', '-7.00']]]);
  });

  it('March 2028, run in April: a service credit approved in March is a CREDIT line of the first run', async () => {
    clock.set('2028-03-20T10:00:00Z');
    const serviceCredit = await s.call('POST', credits(), s.tokens.ops, { period: '2028-03', amount: '20.00', reason: 'SERVICE_CREDIT' }, 201);
    clock.set('2028-03-21T10:00:00Z');
    await s.call('POST', `${credits()}/${serviceCredit.id}/approve`, s.tokens.finance, {});

    clock.set('2028-03-31T18:00:00Z');
    await s.impressions(V, [views('2028-03-15', 5_000, 2_000)]);
    await s.conversions(V, [touch('su-5', '2028-03-10T10:00:00Z', '2028-03-09T10:00:00Z', '80.00', cash)]);
    const march = await runMonth('2028-03', 1, [B, V], '2028-04-03T06:00:00Z');
    // signup: su-5, rank 1, cash's: the override pays 12.00 (not tier 1's 30.00).
    // views: 2,000 x 0.05 = 100.00. Guarantee: M 100.00, C 1, cap 50.00: -50.00.
    // CREDIT: -20.00. Subtotal = total = 12.00 + 100.00 - 50.00 - 20.00 = 42.00.
    // Payouts: cash 4.00; no partner views, no pub payout.
    expectInvoice(march.invoices[V], {
      kind: 'INVOICE',
      lines: [usage('signup', 1, '1', '12.00'), usage('views', 1, '2000', '100.00'), guaranteeCredit('-50.00'), credit('-20.00')],
      subtotal: '42.00', total: '42.00',
      payouts: [{ partnerId: cash, chargeId: 'signup', amount: '4.00' }],
    });
    expect(march.invoices[V].lines[3].explanation.credits).toEqual([expect.objectContaining({ id: serviceCredit.id, reason: 'SERVICE_CREDIT', amount: '20.00' })]);
  });
});
