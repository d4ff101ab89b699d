/**
 * `npm run bench -- --only console [--quick]`: the web console's invoice page with 1,000
 * explained lines in headless Chromium (the test browser: @sparticuz/chromium + playwright-core)
 * against the local stack, beside the API call that feeds it.
 *
 * The stack starts in this process (audit off, as in the api benchmark), the console is built
 * into web/dist if it is stale, and one DRAFT invoice of 1,000 CPM lines (each with the rating
 * engine's explanation: version, flat rate or graduated tiers, sources, exact amount and
 * rounding) is written through the invoice use case, as a billing run writes it (beyond 100 KB
 * the lines go to line items of their own, so the GET reads them back page by page).
 *
 * Each sample is a fresh page load of /invoices/{id} signed in as finance (the token in
 * sessionStorage, as after a sign-in). In the page:
 *   api          the GET /v1/invoices/{id} as the browser saw it (Resource Timing: startTime to responseEnd)
 *   interactive  from when that request started to when the lines' first screen is in the DOM (line
 *                1's "Explain" button), a frame has painted and the main thread has run a task after
 *                it: input is handled from then on. The page renders the first 50 lines and 200
 *                more each time the end of the table scrolls into view, so no render blocks the
 *                main thread for all 1,000 rows at once (the benchmark then scrolls to line 1,000
 *                and explains it, to check every line is there)
 *   load         from navigation start to interactive (HTML, the entry and page chunks, the API call, render)
 * Goal: interactive <= 1.5 x api (median of the samples). Figures of one run: bench/README.md.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InvoiceRepository } from '../shared/adapters/dynamodb/invoice-repository';
import type { RatedPeriodInput } from '../shared/domain/invoices/invoice';
import { writeRunInvoice } from '../shared/domain/invoices/write-run-invoice';
import { LOCAL_AWS } from '../scripts/lib/dynamodb-local';
import { mintDevToken } from '../scripts/lib/dev-auth';
import { startLocalStack } from '../scripts/lib/local-stack';
import { buildWebConsole, webConsoleHandler } from '../scripts/lib/web-console';
import { launchBrowser } from '../test/web/browser';
import { figure, type Benchmark } from './lib/benchmark';
import { fmt } from './lib/load';

const LINES = 1_000;
const GOAL = 1.5;
const TOKEN_KEY = 'ctv-console.token';

/** 1,000 lines as the engine explains them: every third graduated (tier reached), the rest flat. */
function ratedPeriod(): RatedPeriodInput {
  const lines = Array.from({ length: LINES }, (_, i) => {
    const quantity = String(100_000 + i * 137);
    const graduated = i % 3 === 0;
    const amount = graduated ? '612.34' : '800.00';
    return {
      type: 'USAGE' as const,
      chargeId: `ctv-${String(i).padStart(4, '0')}`,
      version: 1,
      quantity,
      amount,
      explanation: {
        kind: 'CPM_USAGE',
        version: 1,
        chargeId: `ctv-${String(i).padStart(4, '0')}`,
        quantity,
        pricing: graduated
          ? { model: 'GRADUATED', per: 1000, tiers: [{ upTo: 50_000, rate: '8', quantity: '50000' }, { upTo: null, rate: '6.5', quantity: String(50_000 + i * 137) }] }
          : { model: 'FLAT', rate: '8', per: 1000 },
        sources: { billableSource: 'FIRST_PARTY', firstParty: quantity, thirdParty: String(99_000 + i * 131), discrepancyThresholdPct: '10', discrepancy: false },
        exactAmount: graduated ? '612.3405' : '800',
        rounding: 'HALF_EVEN',
        amount,
      },
    };
  });
  // 334 graduated lines at 612.34 and 666 flat ones at 800.00.
  const subtotal = '737321.56';
  return { period: '2026-09', currency: 'USD', isRerun: false, lines, subtotal, total: subtotal, partnerPayoutsByCharge: [], flags: [] };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const benchmark: Benchmark = {
  name: 'console',
  description: 'web console: invoice page with 1,000 explained lines, interactive in Chromium vs the API call feeding it',
  async run({ quick }) {
    const samples = quick ? 3 : 7;
    await buildWebConsole({ log: (line) => console.log(`  ${line}`) });
    const stack = await startLocalStack({ port: 0, audit: false, tableName: `bench-console-${Date.now()}`, outsideApi: webConsoleHandler() });
    const browser = await launchBrowser();
    try {
      const client = DynamoDBDocumentClient.from(new DynamoDBClient({ ...LOCAL_AWS, endpoint: stack.endpoints.dynamodb }), { marshallOptions: { removeUndefinedValues: true } });
      const store = new InvoiceRepository(client, stack.tableName);
      const rated = ratedPeriod();
      const { invoiceId } = await writeRunInvoice(
        { store },
        { runId: 'bench-run', runSeq: 1, contract: { id: 'bench-contract', advertiserId: 'bench-adv', currency: 'USD' }, rated, actor: 'system:billing-run', at: '2026-10-02T00:00:00.000Z' },
      );
      const token = await mintDevToken({ sub: 'bench.finance', roles: ['finance'] });
      const url = `${stack.apiUrl}/invoices/${encodeURIComponent(invoiceId)}`;

      // The API call alone from Node, for reference (no browser in between).
      const nodeApi: number[] = [];
      let bytes = 0;
      for (let i = 0; i < samples; i++) {
        const started = performance.now();
        const response = await fetch(`${stack.apiUrl}/v1/invoices/${encodeURIComponent(invoiceId)}`, { headers: { authorization: `Bearer ${token}` } });
        const text = await response.text();
        nodeApi.push(performance.now() - started);
        if (response.status !== 200) throw new Error(`GET invoice: ${response.status} ${text.slice(0, 300)}`);
        bytes = text.length;
      }

      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      await context.addInitScript(([key, value]) => (globalThis as any).sessionStorage.setItem(key, value), [TOKEN_KEY, token] as const);
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      const results: { api: number; interactive: number; load: number }[] = [];
      // One warm-up load (the browser's code cache, the handler's first imports), then the samples.
      for (let i = 0; i <= samples; i++) {
        await page.goto(url, { waitUntil: 'commit' });
        await page.waitForFunction(() => (globalThis as any).document.querySelector('button[aria-controls="explain-1"]') !== null, undefined, { polling: 'raf' });
        const figures = await page.evaluate(
          () =>
            new Promise<{ api: number; interactive: number; load: number }>((resolve) => {
              const w = globalThis as any;
              // A painted frame, then a task after it: the main thread is free for input.
              w.requestAnimationFrame(() =>
                w.setTimeout(() => {
                  const done = w.performance.now();
                  const entry = w.performance.getEntriesByType('resource').find((e: any) => /\/v1\/invoices\/[^/?]+$/.test(new URL(e.name).pathname));
                  resolve({ api: entry.responseEnd - entry.startTime, interactive: done - entry.startTime, load: done });
                }, 0),
              );
            }),
        );
        if (i > 0) results.push(figures);
      }
      // The rest of the lines follow on scrolling; all 1,000 are there and the last one explains.
      const first = await page.locator('table.lines tbody tr').count();
      const scrollStarted = performance.now();
      while ((await page.locator(`button[aria-controls="explain-${LINES}"]`).count()) === 0) {
        await page.mouse.wheel(0, 20_000);
        await page.waitForTimeout(50);
      }
      const allRenderedMs = performance.now() - scrollStarted;
      const lines = await page.locator('table.lines tbody tr').count();
      if (lines !== LINES) throw new Error(`the page shows ${lines} lines after scrolling, expected ${LINES}`);
      await page.getByRole('button', { name: `Explain line ${LINES}` }).click();
      await page.locator(`#explain-${LINES} .explanation`).waitFor();

      const api = median(results.map((r) => r.api));
      const interactive = median(results.map((r) => r.interactive));
      const load = median(results.map((r) => r.load));
      const ratio = interactive / api;
      console.log(`  invoice: ${LINES.toLocaleString('en-US')} explained lines, ${(bytes / 1024).toFixed(0)} KB of JSON; ${samples} page loads (median)`);
      console.log(`  GET /v1/invoices/{id} from Node:           ${fmt(median(nodeApi), 0)} ms`);
      console.log(`  GET /v1/invoices/{id} in the page:         ${fmt(api, 0)} ms`);
      console.log(`  interactive (from the request's start):    ${fmt(interactive, 0)} ms  = ${fmt(ratio, 2)} x the API call (goal <= ${GOAL}x: ${ratio <= GOAL ? 'met' : 'NOT met'})`);
      console.log(`  page load to interactive (cold navigation): ${fmt(load, 0)} ms`);
      console.log(`  first render: ${first - 1} lines; scrolling to line ${LINES.toLocaleString('en-US')} rendered the rest in ${fmt(allRenderedMs, 0)} ms`);
      return [
        figure('lines', LINES, 'count'),
        figure('jsonKB', Math.round(bytes / 1024), 'KB'),
        figure('apiNodeMs', Math.round(median(nodeApi)), 'ms'),
        figure('apiMs', Math.round(api), 'ms'),
        figure('interactiveMs', Math.round(interactive), 'ms'),
        figure('interactiveToApiRatio', Number(ratio.toFixed(2)), 'x', `<= ${GOAL}`),
        figure('loadMs', Math.round(load), 'ms'),
        figure('scrollToLastLineMs', Math.round(allRenderedMs), 'ms'),
      ];
    } finally {
      await browser.close();
      await stack.stop();
    }
  },
};
