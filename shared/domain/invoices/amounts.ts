/**
 * Sums and negations of already-rounded money strings. Nothing here rounds: every input must
 * already carry at most the currency's minor-unit digits (the engine rounded it once, at the
 * line), so sums and negations are exact and only formatted with those digits.
 */
import Big from 'big.js';
import { minorUnits } from '../kernel/currencies';
import { ValidationError } from '../kernel/errors';

const SIGNED_DECIMAL = /^-?\d+(\.\d+)?$/;

function digitsOf(value: string): number {
  const dot = value.indexOf('.');
  return dot < 0 ? 0 : value.length - dot - 1;
}

/** Parses a signed money string of `currency`; throws when it is not one (more digits than allowed). */
export function parseAmount(value: string, currency: string, path = 'amount'): Big {
  if (!SIGNED_DECIMAL.test(value) || digitsOf(value) > minorUnits(currency)) {
    throw new ValidationError(`"${value}" is not a ${currency} amount`, [{ path, message: `expected a decimal string with at most ${minorUnits(currency)} decimals` }], 'invalid_amount');
  }
  return new Big(value);
}

/** Formats with exactly the currency's digits; never "-0.00". */
export function formatAmount(value: Big, currency: string): string {
  const text = value.toFixed(minorUnits(currency));
  return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
}

export function sumAmounts(values: readonly string[], currency: string): string {
  return formatAmount(values.reduce((acc, v) => acc.plus(parseAmount(v, currency)), new Big(0)), currency);
}

export function negateAmount(value: string, currency: string): string {
  return formatAmount(parseAmount(value, currency).times(-1), currency);
}

/** Quantities are signed integers or decimals as strings; negated without any digit rule. */
export function negateQuantity(value: string): string {
  if (!SIGNED_DECIMAL.test(value)) throw new ValidationError(`"${value}" is not a quantity`, [{ path: 'quantity', message: 'expected a decimal string' }], 'invalid_quantity');
  if (/^-?0+(\.0+)?$/.test(value)) return value.replace(/^-/, '');
  return value.startsWith('-') ? value.slice(1) : `-${value}`;
}
