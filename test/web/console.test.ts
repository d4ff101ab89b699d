/**
 * The web console in headless Chromium against the local stack (real handlers, DynamoDB Local,
 * s3rver, the billing workflow), built from web/ by the same code `npm start` uses. One journey
 * per user, each asserting what that user sees; axe-core on every page visited; keyboard reach.
 */
import '../workflow/quiet-logs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useLocalBillingWorkflow } from '../../functions/runtime/workflow';
import { BILLING_STATE } from '../../infra/constructs/billing-workflow';
import { INITIAL_JS_BUDGET_BYTES, initialJavaScript } from '../../scripts/lib/web-bundle-size';
import { LocalBillingWorkflow, synthesizeBillingWorkflow } from '../../scripts/lib/local-workflow';
import { WEB_DIST, buildWebConsole, webConsoleHandler } from '../../scripts/lib/web-console';
import { startTestApi, startTestAuditPoller, type TestApi } from '../support/api';
import { s3Client } from '../support/aws';
import { pdfStrings } from '../support/pdf-text';
import { SCREENSHOTS, checkPage, launchBrowser, tabStops } from './browser';

let api: TestApi;
let workflow: LocalBillingWorkflow;
let poller: Awaited<ReturnType<typeof startTestAuditPoller>>;
let browser: Browser;
const acme = { id: '', name: 'Acme Streaming' };
const globex = { id: '', name: 'Globex Media' };
let springId = '';
let globexContractId = '';
/** Globex's rating fails until finance has "fixed" it, so the June run completes with errors and is retried. */
let globexRatingFails = true;

type Cap = { amount: string; scope: 'PERIOD' | 'CONTRACT' } | null;
const terms = (rate: string, budgetCap: Cap = null) => ({ charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate } }], minimumCommitment: null, budgetCap, agencyCommissionPct: null, partners: [] });

async function seedActiveContract(ops: string, approver: string, advertiserId: string, name: string, budgetCap: Cap = null): Promise<string> {
  const created = await api.request('POST', '/v1/contracts', {
    token: ops,
    body: { advertiserId, name, currency: 'USD', timezone: 'America/New_York', startDate: '2026-01-01', endDate: '2026-12-31', terms: terms('8', budgetCap) },
  });
  expect(created.status).toBe(201);
  const id = created.json.id as string;
  expect((await api.request('POST', `/v1/contracts/${id}/versions/1/submit`, { token: ops, body: {} })).status).toBe(200);
  expect((await api.request('POST', `/v1/contracts/${id}/versions/1/approve`, { token: approver, body: {} })).status).toBe(200);
  return id;
}

beforeAll(async () => {
  await buildWebConsole();
  api = await startTestApi({ outsideApi: webConsoleHandler() });
  poller = await startTestAuditPoller();
  await synthesizeBillingWorkflow();
  workflow = new LocalBillingWorkflow({
    exportsBucket: api.buckets.exports,
    s3: s3Client(),
    retryIntervalMs: 5,
    hooks: {
      beforeTask: (call) => {
        const contractId = (call.payload as { contractId?: string } | undefined)?.contractId;
        if (call.state === BILLING_STATE.RATE_CONTRACT && globexRatingFails && contractId === globexContractId) {
          throw Object.assign(new Error('the usage of Globex Launch CTV could not be read'), { name: 'UsageUnavailableError' });
        }
      },
    },
  });
  useLocalBillingWorkflow(workflow);

  browser = await launchBrowser();


  const ops = await api.token({ sub: 'seed.ops', roles: ['ops'] });
  const approver = await api.token({ sub: 'seed.approver', roles: ['approver'] });
  for (const advertiser of [acme, globex]) {
    const res = await api.request('POST', '/v1/advertisers', { token: ops, body: { name: advertiser.name, currency: 'USD', timezone: 'America/New_York' } });
    expect(res.status).toBe(201);
    advertiser.id = res.json.id;
  }
  springId = await seedActiveContract(ops, approver, acme.id, 'Acme Spring CTV', { amount: '5000.00', scope: 'PERIOD' });
  globexContractId = await seedActiveContract(ops, approver, globex.id, 'Globex Launch CTV');
  // 250,000 first-party impressions at 8.00 per thousand: 2,000.00 USD for June.
  const usage = await api.request('POST', '/v1/usage/impressions', { token: ops, body: { contractId: springId, records: [{ date: '2026-06-10', chargeId: 'ctv', count: 250_000, source: 'FIRST_PARTY' }] } });
  expect(usage.status).toBe(202);
  // 50,000 for Globex: 400.00 USD, the invoice finance voids, reissues and discards.
  const globexUsage = await api.request('POST', '/v1/usage/impressions', { token: ops, body: { contractId: globexContractId, records: [{ date: '2026-06-15', chargeId: 'ctv', count: 50_000, source: 'FIRST_PARTY' }] } });
  expect(globexUsage.status).toBe(202);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await workflow?.settle();
  useLocalBillingWorkflow(undefined);
  await poller?.stop();
  await api?.stop();
});

const openPages: Page[] = [];

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  openPages.push(page);
  return { context, page };
}

// A failed journey leaves a screenshot of where it stopped.
afterEach(async (test) => {
  const page = openPages.pop();
  if (page && !page.isClosed() && test.task.result?.state === 'fail') {
    await page.screenshot({ path: join(SCREENSHOTS, `failed-${test.task.name.split(':')[0]}.png`), fullPage: true }).catch(() => undefined);
  }
  // Contexts stay open until the browser closes: @sparticuz/chromium runs single-process, where
  // closing a context mid-navigation can take the browser down with it.
});

async function signInAs(page: Page, persona: 'Approver' | 'Finance' | 'Advertiser', advertiserId?: string): Promise<void> {
  await page.goto(`${api.url}/sign-in`);
  if (advertiserId) await page.getByRole('textbox', { name: 'Advertiser ID', exact: true }).fill(advertiserId);
  await page.getByRole('button', { name: persona, exact: true }).click();
  await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Contracts');
}

/** expect.poll with room for a loaded machine (its default gives up after one second). */
const eventually = <T>(read: () => Promise<T> | T, options: { timeout?: number } = {}) => expect.poll(read, { timeout: options.timeout ?? 15_000, interval: 100 });

const navLinks = (page: Page) => page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();

describe('the web console', () => {
  it('ops: signs in with a token, creates a contract (field errors first), submits it, uploads usage, reads the audit trail', { timeout: 300_000 }, async () => {
    const { page } = await newPage();
    await page.goto(`${api.url}/`);
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to CTV billing');
    await checkPage(page, '01-sign-in');
    const stops = await tabStops(page, 6);
    expect(stops).toContain('Token');
    expect(stops).toContain('Sign in');

    await page.getByRole('textbox', { name: 'Token' }).fill(await api.token({ sub: 'olivia.ops', roles: ['ops'] }));
    await page.keyboard.press('Enter');
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Contracts');
    await page.getByRole('link', { name: 'Acme Spring CTV' }).waitFor();
    expect(await navLinks(page)).toEqual(['Contracts', 'Spend']);
    await checkPage(page, '02-ops-contracts');
    const opsStops = await tabStops(page, 4);
    expect(opsStops.slice(0, 3)).toEqual(['Skip to content', 'Sign out', 'Contracts']);

    await page.getByRole('link', { name: 'New contract' }).click();
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('New contract');
    await page.getByRole('textbox', { name: 'Advertiser ID', exact: true }).fill(acme.id);
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Acme Holiday CTV');
    await page.getByRole('textbox', { name: 'Start date', exact: true }).fill('2026-11-01');
    await page.getByRole('textbox', { name: 'End date', exact: true }).fill('2026-12-31');
    await page.getByRole('button', { name: 'Create draft' }).click();
    // The client-side check uses the API's own schema: same message, next to the field.
    const rate = page.getByRole('textbox', { name: 'Rate per 1,000 impressions' });
    await eventually(() => rate.getAttribute('aria-invalid')).toBe('true');
    const rateError = await page.locator(`#${(await rate.getAttribute('aria-describedby'))!.split(' ').pop()}`).textContent();
    expect(rateError).toBe('must be a non-negative decimal string with at most 6 decimals');
    await checkPage(page, '03-ops-new-contract-errors');
    await rate.fill('12.5');
    await page.getByRole('button', { name: 'Create draft' }).click();
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Acme Holiday CTV');
    expect(await page.locator('.page-header .badge').textContent()).toBe('DRAFT');
    await checkPage(page, '04-ops-contract');

    await page.getByRole('link', { name: 'Version 1 · initial' }).click();
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await eventually(() => page.locator('.page-header .badge').first().textContent()).toBe('PENDING APPROVAL');
    await checkPage(page, '05-ops-version-submitted');

    await page.goto(`${api.url}/contracts/${springId}?tab=usage`);
    const csv = (rows: string[], name = 'usage.csv') => ({ name, mimeType: 'text/csv', buffer: Buffer.from(['date,chargeId,count,source', ...rows].join('\n')) });
    await page.getByLabel('Usage file').setInputFiles(csv(['2026-07-01,ctv,1000,FIRST_PARTY', '2026-13-01,ctv,1000,FIRST_PARTY']));
    const refused = page.getByRole('table', { name: /Refused rows/ });
    await eventually(() => refused.locator('tbody tr').first().textContent()).toBe('2impressiondatemust be a calendar day YYYY-MM-DD');
    await checkPage(page, '06-ops-usage-refused');
    await page.getByLabel('Usage file').setInputFiles(csv(['2026-07-01,ctv,1000,FIRST_PARTY', '2026-07-02,ctv,3000,FIRST_PARTY'], 'usage-fixed.csv'));
    await eventually(() => page.locator('.report p').first().textContent()).toBe('2 of 2 rows sent · 2 accepted · 0 duplicates · 0 refused');

    // A make-goods credit: the API's schema checks the form first, then it is pending approval.
    await page.getByRole('tab', { name: 'Credits' }).click();
    await page.getByText('No credits on this contract').waitFor();
    await page.getByRole('textbox', { name: 'Credit period' }).fill('2026-07');
    await page.getByRole('textbox', { name: 'Credit amount (USD)' }).fill('abc');
    await page.getByRole('button', { name: 'Create credit' }).click();
    await eventually(() => page.getByRole('textbox', { name: 'Credit amount (USD)' }).getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('textbox', { name: 'Credit amount (USD)' }).fill('150.00');
    await page.getByRole('combobox', { name: 'Credit reason' }).selectOption('MAKE_GOOD');
    await page.getByRole('textbox', { name: 'Note', exact: true }).fill('Missed delivery on Jul 4');
    await page.getByRole('button', { name: 'Create credit' }).click();
    await page.getByText('Credit of 150.00 USD for Jul 2026 created, pending approval.').waitFor();
    const creditRow = page.getByRole('table', { name: 'Credits' }).locator('tbody tr').first();
    await eventually(() => creditRow.textContent()).toMatch(/^Jul 2026150\.00 USDMake-goodPENDING APPROVALMissed delivery on Jul 4by olivia\.ops/);
    await checkPage(page, '06b-ops-credits');

    await poller.drain();
    await page.getByRole('tab', { name: 'Audit' }).click();
    await eventually(() => page.locator('.verified').textContent()).toMatch(/^Chain intact: \d+ entries, each linked to the one before\.$/);
    await checkPage(page, '07-ops-audit');
  });

  it('approver: finds the submitted version under Approvals and approves it with a comment', { timeout: 180_000 }, async () => {
    const { page } = await newPage();
    await signInAs(page, 'Approver');
    expect(await navLinks(page)).toEqual(['Contracts', 'Approvals']);
    await page.getByRole('link', { name: 'Approvals' }).click();
    await page.getByRole('link', { name: 'Acme Holiday CTV' }).click();
    await page.getByRole('link', { name: 'Version 1 · initial' }).click();
    await page.getByText(/^Needs 1 approval/).waitFor();
    await checkPage(page, '08-approver-version');
    await page.getByRole('textbox', { name: 'Comment', exact: true }).fill('Rates match the insertion order');
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await eventually(() => page.locator('.page-header .badge').first().textContent()).toBe('APPROVED');
    expect(await page.getByText(/^Approved by arnold\.approver/).textContent()).toContain('Rates match the insertion order');
    await checkPage(page, '09-approver-approved');

    // The credit ops created: approved from the contract's Credits tab, by keyboard.
    await page.goto(`${api.url}/contracts/${springId}?tab=credits`);
    const approveCredit = page.getByRole('button', { name: 'Approve Jul 2026 credit' });
    await approveCredit.focus();
    await page.keyboard.press('Enter');
    const creditRow = page.getByRole('table', { name: 'Credits' }).locator('tbody tr').first();
    await eventually(() => creditRow.textContent()).toContain('APPROVED');
    expect(await creditRow.textContent()).toContain('Approved by arnold.approver');
    await checkPage(page, '09b-approver-credit-approved');
  });

  it('finance: runs June, watches it finish, explains and finalizes the invoice, finds the export files', { timeout: 240_000 }, async () => {
    const { page } = await newPage();
    await signInAs(page, 'Finance');
    expect(await navLinks(page)).toEqual(['Contracts', 'Approvals', 'Billing runs', 'Invoices', 'Receivables', 'Partners', 'Spend', 'Exports']);
    await page.getByRole('link', { name: 'Billing runs' }).click();
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Billing runs');
    await checkPage(page, '10-finance-billing-runs');
    await page.getByRole('textbox', { name: 'Period', exact: true }).fill('2026-06');
    await page.getByRole('button', { name: 'Start billing run' }).click();
    // Globex's rating fails: the run completes with errors naming it, and finance retries it.
    await eventually(() => page.locator('.page-header .badge').textContent(), { timeout: 180_000 }).toBe('COMPLETED WITH ERRORS');
    await page.getByRole('heading', { name: 'Failed contracts (1)' }).waitFor();
    const failure = page.getByRole('table', { name: 'Failed contracts' }).locator('tbody tr');
    expect(await failure.count()).toBe(1);
    expect(await failure.locator('td').first().textContent()).toBe(globexContractId);
    expect(await failure.locator('td').nth(1).textContent()).toMatch(/^NoResult: /);
    expect(await page.locator('.totals').textContent()).toBe('2,000.00 USD over 1 invoice');
    await checkPage(page, '10b-finance-run-with-errors');
    globexRatingFails = false;
    await page.getByRole('button', { name: 'Retry failed contracts' }).click();
    await eventually(() => page.locator('.page-header .badge').textContent(), { timeout: 180_000 }).toBe('SUCCEEDED');
    await page.getByText('2 of 2 contracts rated').waitFor();
    expect(await page.getByRole('heading', { name: /^Failed contracts/ }).count()).toBe(0);
    expect(await page.locator('.totals').textContent()).toBe('2,400.00 USD over 2 invoices');
    await checkPage(page, '11-finance-run');

    await page.getByRole('row', { name: /2,000\.00 USD/ }).getByRole('link').first().click();
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Invoice (draft)');
    expect(await page.locator('.figure-strong').textContent()).toBe('2,000.00 USD');
    await page.getByRole('button', { name: 'Explain line 1' }).click();
    const explanation = page.locator('.explanation');
    expect(await explanation.locator('dt:has-text("Exact amount") + dd').textContent()).toBe('2,000');
    expect(await explanation.locator('dt:has-text("Rate per 1,000") + dd').textContent()).toBe('8');
    expect(await explanation.textContent()).toContain('effective from Jan 1, 2026');
    await checkPage(page, '12-finance-invoice-explained');
    await page.getByRole('button', { name: 'Finalize' }).click();
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toMatch(/^Invoice INV-2026-\d+$/);
    expect(await page.locator('.page-header .badge').textContent()).toBe('FINALIZED');
    expect(await page.getByRole('button', { name: 'Reissue' }).isDisabled()).toBe(true);
    // A partial payment: the balance and the payment status follow.
    await page.getByRole('textbox', { name: 'Payment amount (USD)' }).fill('500.00');
    await page.getByRole('textbox', { name: 'Reference', exact: true }).fill('WIRE-0042');
    await page.getByRole('button', { name: 'Record payment' }).click();
    await eventually(() => page.locator('.figures dt:text-is("Balance due") + dd').textContent()).toBe('1,500.00 USD');
    expect(await page.locator('.figures dt:text-is("Paid") + dd').textContent()).toBe('500.00 USD');
    expect(await page.locator('.figures dt:text-is("Payment") + dd').textContent()).toMatch(/^(PARTIALLY PAID|OVERDUE)$/);
    await checkPage(page, '12a-finance-invoice-paid');

    // The PDF: the button opens the API's presigned URL, a PDF with the invoice's number, due date and total.
    const acmeNumber = (await page.getByRole('heading', { level: 1 }).textContent())!.replace('Invoice ', '');
    const acmeInvoice = (await api.request('GET', `/v1/invoices/${page.url().split('/').pop()!}`, { token: await api.token({ sub: 'seed.finance', roles: ['finance'] }) })).json as { dueDate: string };
    // The URL the button opens is read in the page and downloaded here: a PDF tab would take the
    // single-process test browser down with it.
    await page.evaluate(() => {
      const w = globalThis as any;
      w.open = (url: string) => ((w.__openedUrl = url), null);
    });
    await page.getByRole('button', { name: `Download PDF of ${acmeNumber}` }).click();
    await eventually(() => page.evaluate(() => (globalThis as any).__openedUrl ?? '')).toMatch(/\/documents\/2026-06\/[^/?]+\.pdf\?/);
    const pdf = await fetch(await page.evaluate(() => (globalThis as any).__openedUrl as string));
    expect(pdf.status).toBe(200);
    const pdfBytes = new Uint8Array(await pdf.arrayBuffer());
    expect(Buffer.from(pdfBytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    expect(pdfStrings(pdfBytes)).toEqual(expect.arrayContaining([acmeNumber, acmeInvoice.dueDate, '2000.00']));

    // Back on the run: finalize the rest (Globex's 400.00 draft) in bulk, with its progress.
    await page.goBack();
    await page.getByRole('button', { name: 'Finalize all drafts' }).click();
    await eventually(() => page.locator('.bulk-progress [role=status]').textContent(), { timeout: 60_000 }).toBe('2 of 2 invoices final · 1 finalized here · SUCCEEDED');
    expect(await page.getByRole('button', { name: 'Finalize all drafts' }).isDisabled()).toBe(true);
    await checkPage(page, '12b-finance-run-finalized');

    // Globex's invoice is wrong: void it (confirmation and reason), reissue it, discard the reissued draft.
    await page.getByRole('row', { name: /400\.00 USD/ }).getByRole('link').first().click();
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toMatch(/^Invoice INV-2026-\d+$/);
    const globexNumber = (await page.getByRole('heading', { level: 1 }).textContent())!.replace('Invoice ', '');
    expect(await page.locator('.figure-strong').textContent()).toBe('400.00 USD');
    expect(await page.getByRole('button', { name: 'Discard' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Void', exact: true }).click();
    const voidDialog = page.getByRole('alertdialog', { name: `Void ${globexNumber}?` });
    expect(await voidDialog.getByRole('button', { name: 'Void invoice' }).isDisabled()).toBe(true);
    await voidDialog.getByRole('textbox', { name: 'Reason' }).fill('Billed at the wrong rate card');
    await voidDialog.getByRole('button', { name: 'Void invoice' }).click();
    await eventually(() => page.locator('.page-header .badge').first().textContent()).toBe('VOID');
    await page.getByText('Voided: Billed at the wrong rate card').waitFor();
    await page.getByText(/^Credit note: cn_/).waitFor();
    await checkPage(page, '12c-finance-invoice-voided');
    await page.getByRole('button', { name: 'Reissue' }).click();
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Invoice (draft)');
    expect(await page.locator('.page-header .badge').first().textContent()).toBe('DRAFT');
    expect(await page.locator('.figure-strong').textContent()).toBe('400.00 USD');
    await page.getByText(/^Reissue of inv_/).waitFor();
    await page.getByRole('button', { name: 'Discard' }).click();
    const discardDialog = page.getByRole('alertdialog', { name: 'Discard this draft?' });
    await discardDialog.getByRole('textbox', { name: 'Reason' }).fill('Globex is billed through its agency from June');
    await discardDialog.getByRole('button', { name: 'Discard draft' }).click();
    await eventually(() => page.locator('.page-header .badge').first().textContent()).toBe('DISCARDED');
    expect(await page.getByRole('button', { name: 'Finalize' }).isDisabled()).toBe(true);
    await checkPage(page, '12d-finance-reissue-discarded');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invoices' }).click();
    await page.getByRole('combobox', { name: 'Status' }).selectOption('FINALIZED');
    await page.getByRole('button', { name: 'Apply' }).click();
    await eventually(() => page.url()).toContain('status=FINALIZED');
    await page.getByRole('row', { name: /INV-2026-\d+.*FINALIZED.*2,000\.00 USD/ }).waitFor();
    await checkPage(page, '13-finance-invoices');

    await page.getByRole('link', { name: 'Exports' }).click();
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Exports');
    await page.getByRole('textbox', { name: 'Period', exact: true }).fill('2026-06');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('link', { name: 'invoices.csv' }).waitFor({ timeout: 60_000 });
    await checkPage(page, '14-finance-exports');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Receivables' }).click();
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Receivables');
    // Today the 1,500.00 USD left on June's invoice is current; Globex's voided invoice owes nothing.
    const receivable = page.getByRole('table', { name: 'Receivables by advertiser' }).locator('tbody tr');
    const buckets = async () => (await receivable.first().locator('td').allTextContents()).slice(2);
    await eventually(() => receivable.count()).toBe(1);
    expect(await receivable.locator('td').first().textContent()).toBe(acme.id);
    expect(await buckets()).toEqual(['1,500.00 USD', '0.00 USD', '0.00 USD', '0.00 USD', '0.00 USD', '1,500.00 USD']);
    await page.locator('.chart svg').first().waitFor();
    await checkPage(page, '14b-finance-receivables');
    // 45 days after its due date (the day in the URL), the same balance is in the 31–60 days bucket.
    const later = new Date(Date.parse(`${acmeInvoice.dueDate}T00:00:00Z`) + 45 * 86_400_000).toISOString().slice(0, 10);
    await page.getByRole('textbox', { name: 'As of' }).fill(later);
    await page.getByRole('button', { name: 'Show receivables' }).click();
    await eventually(() => page.url()).toContain(`asOf=${later}`);
    await eventually(buckets).toEqual(['0.00 USD', '0.00 USD', '1,500.00 USD', '0.00 USD', '0.00 USD', '1,500.00 USD']);
    await page.locator('.chart svg').first().waitFor();
    await checkPage(page, '14c-finance-receivables-aged');
  });

  it("advertiser: sees only its own contracts and finalized invoice, and another advertiser's contract is not found", { timeout: 180_000 }, async () => {
    const { page } = await newPage();
    await signInAs(page, 'Advertiser', acme.id);
    expect(await navLinks(page)).toEqual(['Contracts', 'Invoices', 'Spend']);
    await page.getByRole('link', { name: 'Acme Spring CTV' }).waitFor();
    const names = await page.locator('table.data-table tbody tr td:first-child').allTextContents();
    expect(names.sort()).toEqual(['Acme Holiday CTV', 'Acme Spring CTV']);
    await checkPage(page, '15-advertiser-contracts');

    await page.getByRole('link', { name: 'Invoices' }).click();
    const row = page.getByRole('row', { name: /INV-2026-\d+/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('2,000.00 USD');
    await checkPage(page, '16-advertiser-invoices');
    await row.getByRole('link').first().click();
    expect(await page.locator('.figure-strong').textContent()).toBe('2,000.00 USD');
    await checkPage(page, '17-advertiser-invoice');

    // Spend to date of June against the cap, by keyboard from the navigation.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Spend' }).focus();
    await page.keyboard.press('Enter');
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Spend');
    await page.getByRole('combobox', { name: 'Contract' }).waitFor();
    const spendStops = await tabStops(page, 9);
    expect(spendStops).toEqual(expect.arrayContaining(['Contract', 'Period', 'Show spend']));
    await page.getByRole('combobox', { name: 'Contract' }).selectOption({ label: 'Acme Spring CTV' });
    await page.getByRole('textbox', { name: 'Period', exact: true }).fill('2026-06');
    await page.getByRole('button', { name: 'Show spend' }).click();
    await eventually(() => page.url()).toContain(`contract=${springId}`);
    await page.getByRole('heading', { name: 'Acme Spring CTV: Jun 2026' }).waitFor();
    const figure = (name: string) => page.locator(`.figures dt:text-is("${name}") + dd`).textContent();
    expect(await figure('Spend to date')).toBe('2,000.00 USD');
    expect(await figure('Budget cap')).toBe('5,000.00 USD');
    expect(await figure('Remaining')).toBe('3,000.00 USD');
    expect(await figure('Minimum commitment')).toBe('none');
    const days = page.getByRole('table', { name: 'Spend by day' }).locator('tbody tr');
    const rows = await days.allTextContents();
    expect(rows).toHaveLength(30);
    expect(rows[0]).toBe('Jun 1, 202600.00 USD0.00 USD');
    expect(rows[9]).toBe('Jun 10, 2026250,0002,000.00 USD2,000.00 USD');
    expect(rows[29]).toBe('Jun 30, 202600.00 USD2,000.00 USD');
    await page.locator('.chart svg').first().waitFor();
    await checkPage(page, '17b-advertiser-spend');

    // The approved credit shows on the contract; pending ones and their notes do not.
    await page.goto(`${api.url}/contracts/${springId}?tab=credits`);
    const credit = page.getByRole('table', { name: 'Credits' }).locator('tbody tr');
    await eventually(() => credit.count()).toBe(1);
    expect(await credit.first().textContent()).toMatch(/^Jul 2026150\.00 USDMake-goodAPPROVED/);
    expect(await page.getByRole('button', { name: /Approve/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Create credit' }).count()).toBe(0);
    await checkPage(page, '17c-advertiser-credits');

    await page.goto(`${api.url}/contracts/${globexContractId}`);
    await page.getByText('Contract not found').waitFor();
    expect(await page.getByText(globex.name).count()).toBe(0);
    await checkPage(page, '18-advertiser-not-found');
  });

  it('approver: previews the impact of a backdated amendment on invoiced June and sees why a second approver is needed', { timeout: 180_000 }, async () => {
    const ops = await api.token({ sub: 'seed.ops', roles: ['ops'] });
    // Rate 8 → 10 from June 1, with a contract-wide cap of 150,000.00: at the threshold's side of the policy.
    const drafted = await api.request('POST', `/v1/contracts/${springId}/amendments`, { token: ops, body: { effectiveFrom: '2026-06-01', terms: terms('10', { amount: '150000.00', scope: 'CONTRACT' }) } });
    expect(drafted.status).toBe(201);
    const n = drafted.json.number as number;
    expect((await api.request('POST', `/v1/contracts/${springId}/versions/${n}/submit`, { token: ops, body: {} })).status).toBe(200);

    const { page } = await newPage();
    await signInAs(page, 'Approver');
    await page.goto(`${api.url}/contracts/${springId}/versions/${n}`);
    await page.getByRole('heading', { name: 'Impact if approved' }).waitFor();
    const june = page.getByRole('table', { name: /^Jun 2026: adjustment/ });
    await june.waitFor();
    expect(await june.locator('caption').textContent()).toBe('Jun 2026: adjustment 500.00 USD');
    expect(await june.locator('tbody tr').first().textContent()).toMatch(/ctv.*500\.00 USD$/);
    const figure = (name: string) => page.locator(`.impact .figures dt:text-is("${name}") + dd`).textContent();
    expect(await figure('Change to invoiced periods')).toBe('500.00 USD');
    expect(await page.getByText(/^Needs 2 approvals/).textContent()).toBe(
      'Needs 2 approvals by different people, one of them finance: the committed value 150,000.00 USD is at or above the threshold of 100,000.00 USD.',
    );
    await checkPage(page, '19-approver-impact');
    const stops = await tabStops(page, 12);
    expect(stops).toContain('Approve');
  });

  it("keeps each first screen's JavaScript (sign-in, contracts) within 250 KB gzipped", () => {
    const sizes = initialJavaScript(WEB_DIST);
    expect(sizes.map((s) => s.screen)).toEqual(['sign-in', 'first page']);
    for (const size of sizes) expect(size.gzipBytes, `${size.screen}: ${size.files.join(', ')}`).toBeLessThanOrEqual(INITIAL_JS_BUDGET_BYTES);
    // The charts library comes with the Spend page only.
    expect(sizes.flatMap((s) => s.files).some((f) => /SpendChart/.test(f))).toBe(false);
  });
});
