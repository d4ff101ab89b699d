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
