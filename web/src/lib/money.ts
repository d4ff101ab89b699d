/**
 * Money as the API sends it (decimal strings) formatted for people, without ever turning an
 * amount into a JS number: Intl.NumberFormat formats the decimal STRING exactly (ECMA-402
 * treats a string argument as an exact decimal), and the digits come from the currency's
 * ISO 4217 minor units, the same table the server rounds with.
 */
import { isKnownCurrency, minorUnits } from '../../../shared/domain/kernel/currencies';

const DECIMAL = /^-?\d+(\.\d+)?$/;
const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(fractionDigits: number, locale: string): Intl.NumberFormat {
  const key = `${locale}:${fractionDigits}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits, useGrouping: true });
    formatters.set(key, formatter);
  }
  return formatter;
}

/** Digits after the point in a decimal string (`"12.500"` → 3). */
const fractionDigitsOf = (amount: string) => (amount.includes('.') ? amount.length - amount.indexOf('.') - 1 : 0);

/** Grouped decimal with at least `minDigits` fraction digits and never fewer than the string has (no rounding). */
export function formatDecimal(amount: string, minDigits = 0, locale = 'en-US'): string {
  if (!DECIMAL.test(amount)) return amount;
  const digits = Math.min(100, Math.max(minDigits, fractionDigitsOf(amount)));
  // Intl reads the string as an exact decimal: `"-0"` would print as "-0.00"; show zero unsigned.
  const normalized = /^-0*(\.0*)?$/.test(amount) ? amount.slice(1) : amount;
  return formatterFor(digits, locale).format(normalized as unknown as number);
}

/**
 * `12,345.67 USD`, `500,009 JPY`, `-1,000.50 EUR`; zero as `0.00 USD`. The currency's minor
 * units set the digits; an amount carrying more digits (an unrounded figure) keeps them all.
 */
export function formatMoney(amount: string, currency: string, locale = 'en-US'): string {
  const digits = isKnownCurrency(currency) ? minorUnits(currency) : 2;
  return `${formatDecimal(amount, digits, locale)} ${currency}`;
}

/** True for amounts below zero (`"-0.00"` is not), read from the string's sign. */
export const isNegativeAmount = (amount: string) => amount.startsWith('-') && /[1-9]/.test(amount);

/** Quantities (impressions, conversions) as grouped integers or decimals, from strings. */
export const formatQuantity = (quantity: string, locale = 'en-US') => formatDecimal(quantity, 0, locale);

/**
 * Exact sum of decimal strings (`"0.10" + "0.20"` = `"0.30"`), with BigInt on the digits scaled
 * to the longest fraction: running totals for charts and their text tables without ever
 * passing an amount through a JS number.
 */
export function addDecimals(...amounts: string[]): string {
  const valid = amounts.filter((a) => DECIMAL.test(a));
  const scale = Math.max(0, ...valid.map(fractionDigitsOf));
  let sum = 0n;
  for (const amount of valid) {
    const negative = amount.startsWith('-');
    const [whole = '0', fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
    const scaled = BigInt(whole + fraction.padEnd(scale, '0'));
    sum += negative ? -scaled : scaled;
  }
  const negative = sum < 0n;
  const digits = (negative ? -sum : sum).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** Running totals of decimal strings, each exact: `["1.5", "2"]` → `["1.5", "3.5"]`. */
export function cumulativeDecimals(amounts: readonly string[]): string[] {
  const out: string[] = [];
  let running = '0';
  for (const amount of amounts) {
    running = addDecimals(running, amount);
    out.push(running);
  }
  return out;
}

/** Sign of `a - b` for decimal strings (-1, 0 or 1), exact. */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  const difference = addDecimals(a, b.startsWith('-') ? b.slice(1) : `-${b}`);
  if (!/[1-9]/.test(difference)) return 0;
  return difference.startsWith('-') ? -1 : 1;
}
