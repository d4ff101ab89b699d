/**
 * The Partners page in headless Chromium against the local API (real handlers, DynamoDB Local):
 * finance opens a partner's statement, issues it and records a partial then a final payment;
 * the status, balance due and payments follow, axe-core on every state. Run invoices are
 * written with the repository the billing workflow uses.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebConsole, webConsoleHandler } from '../../scripts/lib/web-console';
import { systemClock } from '../../shared/domain/kernel/clock';
import { startTestApi, type TestApi } from '../support/api';
import { documentClient } from '../support/aws';
import { InvoicesOnTable } from '../support/invoices';
import { january } from '../unit/invoices/fixtures';
import { checkPage, launchBrowser } from './browser';

let api: TestApi;
let browser: Browser;

beforeAll(async () => {
  await buildWebConsole();
  api = await startTestApi({ outsideApi: webConsoleHandler() });
  browser = await launchBrowser();
  const repo = new InvoicesOnTable(documentClient(), api.tableName, systemClock);
  // pub-7 earns 7,500.00 USD on each of two contracts in 2027-01.
  for (const id of ['c-1', 'c-2']) {
    await repo.writeRunInvoice({ runId: 'run-1', runSeq: 1, contract: { id, advertiserId: 'adv-1', currency: 'USD' }, rated: january, actor: 'system', at: '2027-02-03T00:00:00.000Z' });
  }
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 100 });
const figure = (page: Page, name: string) => page.locator(`[aria-label="Statement status"] dt:text-is("${name}") + dd`).textContent();
const balanceCells = (page: Page) => page.getByRole('table', { name: 'Balances by currency' }).locator('tbody td').allTextContents();

describe('partner statements in the console', () => {
  it('finance: issues a statement and pays it in two payments', { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${api.url}/sign-in`);
    await page.getByRole('button', { name: 'Finance', exact: true }).click();
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Contracts');

    await page.goto(`${api.url}/partners?partnerId=pub-7&period=2027-01`);
    await eventually(() => figure(page, 'Status')).toBe('OPEN');
    await checkPage(page, 'partner-statement-open');
    expect(await page.getByRole('form', { name: 'Record a payment to the partner' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Issue statement' }).click();
    await eventually(() => figure(page, 'Status')).toBe('ISSUED');
    expect(await page.getByRole('button', { name: 'Issue statement' }).count()).toBe(0);
    expect(await page.getByRole('form', { name: 'Record a payment to the partner' }).count()).toBe(1);
    expect((await balanceCells(page)).map((c) => c.replace(/[^\d.-]/g, ''))).toEqual(['', '15000.00', '15000.00', '0.00', '15000.00', '0.00']);

    await page.getByRole('textbox', { name: 'Payment amount (USD)' }).fill('5000.00');
    await page.getByRole('textbox', { name: 'Reference' }).fill('WIRE-0042');
    await page.getByRole('button', { name: 'Record payment' }).click();
    await eventually(async () => (await balanceCells(page))[4]?.replace(/[^\d.-]/g, '')).toBe('10000.00');
    await page.getByRole('table', { name: 'Payments to the partner' }).getByText('WIRE-0042').waitFor();
    await checkPage(page, 'partner-statement-issued');

    // An overpayment is refused and shown; nothing changes.
    await page.getByRole('textbox', { name: 'Payment amount (USD)' }).fill('10000.01');
    await page.getByRole('textbox', { name: 'Reference' }).fill('WIRE-0043');
    await page.getByRole('button', { name: 'Record payment' }).click();
    await page.getByText(/exceeds the balance due/).waitFor();
    expect(await figure(page, 'Status')).toBe('ISSUED');

    await page.getByRole('textbox', { name: 'Payment amount (USD)' }).fill('10000.00');
    await page.getByRole('button', { name: 'Record payment' }).click();
    await eventually(() => figure(page, 'Status')).toBe('PAID');
    expect(await page.getByRole('form', { name: 'Record a payment to the partner' }).count()).toBe(0);
    await checkPage(page, 'partner-statement-paid');
  });
});
