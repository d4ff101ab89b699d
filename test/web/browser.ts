/**
 * Headless Chromium for the console's browser tests: the binary ships inside the npm package
 * @sparticuz/chromium (nothing is downloaded at run time), driven by playwright-core. Every page
 * a journey visits goes through `visit()`: axe-core (no serious or critical violations) and a
 * screenshot into test/web/screenshots/ (git-ignored) for review.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const SCREENSHOTS = resolve(import.meta.dirname, 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  return playwright.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true });
}

export interface AxeFinding {
  id: string;
  impact: string | null | undefined;
  help: string;
  targets: string[];
}

/** Runs axe-core on the page as it is and returns its serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeFinding[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Checks the page the journey is on: axe clean, and a screenshot named after the step. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  expect(await seriousViolations(page), `axe on ${name} (${page.url()})`).toEqual([]);
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The accessible names of the first `count` elements Tab reaches from the top of the page. */
export async function tabStops(page: Page, count: number): Promise<string[]> {
  // The callbacks run in the page; the project compiles without DOM types, hence `any`.
  await page.evaluate(() => (globalThis as any).document.activeElement?.blur());
  await page.locator('body').focus();
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    await page.keyboard.press('Tab');
    names.push(
      await page.evaluate(() => {
        const { document, CSS } = globalThis as any;
        const el = document.activeElement;
        if (!el || el === document.body) return '';
        const labelled = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent : null;
        return String(el.getAttribute('aria-label') ?? labelled ?? el.textContent ?? '').trim();
      }),
    );
  }
  return names;
}
