/**
 * Money, exactly. Amounts cross every boundary as decimal strings; inside they are big.js
 * values (or integer minor units on hot paths). Rounding to a currency's minor units
 * happens in ONE function, `roundMoney`, so the rounding mode is applied identically to
 * invoice lines, period lines and partner payouts.
 *
 * Values that are not finite decimals (a prorated minimum over 31 days, a partner's share
 * of impressions) are carried as a `Fraction` of two decimals and rounded exactly, never
 * through a truncated quotient: a sum of truncated thirds can land a hair below a tie.
 */
import Big from 'big.js';
import { minorUnits } from './currencies';
import type { RoundingMode } from '../terms/types';

/**
 * The project's own big.js constructor. It is a clone so that its settings never leak into
 * other code using big.js: strict (no JS numbers in, no lossy numbers out) and no division
 * at all in money code — inexact quotients are Fractions, rounded exactly.
 */
export const Dec = Big();
Dec.strict = true;
Dec.DP = 40;
// toString/toFixed without exponent for every magnitude a contract can hold.
Dec.NE = -1_000;
Dec.PE = 1_000;

export type Decimal = Big;

/** An exact quotient `num / den`, `den > 0`. Used where a division does not terminate. */
export interface Fraction {
  readonly num: Big;
  readonly den: Big;
}

export type Exact = Big | Fraction;

const DECIMAL = /^-?\d+(\.\d+)?$/;

export const ZERO: Big = Dec('0');
export const ONE: Big = Dec('1');
export const HUNDRED: Big = Dec('100');

// 10^-k for the decimal shifts of pricing (per mille, percent, minor units), built once.
const NEGATIVE_POWERS: Big[] = Array.from({ length: 41 }, (_, k) => Dec(`1e-${k}`));

/** Parses a plain decimal string ("12.50", "-3", "0.000001"). Throws RangeError otherwise. */
export function parseDecimal(value: string): Big {
  if (!DECIMAL.test(value)) throw new RangeError(`not a decimal string: "${value}"`);
  return Dec(value);
}

// Decimal strings of contract terms (rates, percentages, payouts, caps) are few and repeat
// from contract to contract, while big.js parses each with a regular expression: every
// line priced would parse the same handful again. big.js values are immutable (every
// operation returns a new one), so one parsed value may serve every caller.
const TERM_CACHE_LIMIT = 10_000;
const parsedTerms = new Map<string, Big>();

/** `Dec(text)` for a decimal string of contract terms, parsed once per process. */
export function decOfTerm(text: string): Big {
  let value = parsedTerms.get(text);
  if (value === undefined) {
    value = Dec(text);
    if (parsedTerms.size >= TERM_CACHE_LIMIT) parsedTerms.clear();
    parsedTerms.set(text, value);
  }
  return value;
}

// Small counts (conversions paid at a clamp, per tier, per partner) are priced on every line of
// every contract, and big.js parses each through a regular expression: the first ones are
// parsed once. big.js values are immutable, so one value may serve every caller.
const SMALL_INTEGERS: Big[] = Array.from({ length: 1024 }, (_, n) => Dec(String(n)));

/** A decimal from a safe integer (counts) or a bigint, without going through a JS float. */
export function decFromInteger(value: number | bigint): Big {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
    if (value >= 0 && value < SMALL_INTEGERS.length) return SMALL_INTEGERS[value]!;
  }
  return Dec(String(value));
}

/** `value × 10^-places`, exact (no division). */
export function shiftLeft(value: Big, places: number): Big {
  if (places === 0) return value;
  return value.times(NEGATIVE_POWERS[places] ?? Dec(`1e-${places}`));
}

export function isFraction(value: Exact): value is Fraction {
  return (value as Fraction).den !== undefined && (value as Fraction).num !== undefined;
}

export function fraction(num: Big, den: Big): Fraction {
  if (den.lte(ZERO)) throw new RangeError('a fraction needs a positive denominator');
  return { num, den };
}

/** Exact sum of two exact values. */
export function addExact(a: Exact, b: Exact): Exact {
  if (!isFraction(a) && !isFraction(b)) return a.plus(b);
  const fa = isFraction(a) ? a : { num: a, den: ONE };
  const fb = isFraction(b) ? b : { num: b, den: ONE };
  if (fa.den.eq(fb.den)) return { num: fa.num.plus(fb.num), den: fa.den };
  return { num: fa.num.times(fb.den).plus(fb.num.times(fa.den)), den: fa.den.times(fb.den) };
}

/** Exact product of an exact value and a decimal. */
export function timesExact(a: Exact, b: Big): Exact {
  return isFraction(a) ? { num: a.num.times(b), den: a.den } : a.times(b);
}

/** A decimal as an integer numerator over a power of ten. */
function toScaledBigInt(value: Big): { n: bigint; places: number } {
  const text = value.toFixed();
  const dot = text.indexOf('.');
  if (dot < 0) return { n: BigInt(text), places: 0 };
  return { n: BigInt(text.slice(0, dot) + text.slice(dot + 1)), places: text.length - dot - 1 };
}

function toRational(value: Exact): { n: bigint; d: bigint } {
  if (!isFraction(value)) {
    const { n, places } = toScaledBigInt(value);
    return { n, d: 10n ** BigInt(places) };
  }
  const num = toScaledBigInt(value.num);
  const den = toScaledBigInt(value.den);
  // (n1 / 10^p1) / (n2 / 10^p2) = n1 · 10^p2 / (n2 · 10^p1)
  return { n: num.n * 10n ** BigInt(den.places), d: den.n * 10n ** BigInt(num.places) };
}

const BIG_RM = { HALF_UP: 1, HALF_EVEN: 2 } as const satisfies Record<RoundingMode, Big.RoundingMode>;

/**
 * THE rounding of money: an exact amount to the currency's minor units with the contract's
 * mode. HALF_UP takes a tie away from zero (-15.025 → -15.03), HALF_EVEN to the even
 * neighbour (-15.025 → -15.02); both are big.js's own modes, which work on the magnitude.
 * A Fraction is first reduced, exactly, to a decimal with the same rounding fate: the
 * truncated quotient plus a marker digit below, at or above the tie.
 */
export function roundMoney(exact: Exact, currency: string, mode: RoundingMode): Big {
  const digits = minorUnits(currency);
  let value: Big;
  if (isFraction(exact)) {
    const { n, d } = toRational(exact);
    const negative = n < 0n;
    const scaled = (negative ? -n : n) * 10n ** BigInt(digits);
    const quotient = scaled / d;
    const twiceRemainder = (scaled % d) * 2n;
    const marker = twiceRemainder === 0n ? '' : twiceRemainder < d ? '.25' : twiceRemainder === d ? '.5' : '.75';
    value = shiftLeft(Dec(`${negative ? '-' : ''}${quotient}${marker}`), digits);
  } else {
    value = exact;
  }
  const rounded = value.round(digits, BIG_RM[mode]);
  return rounded.eq(ZERO) ? ZERO : rounded;
}

/** A money amount with exactly the currency's minor digits ("15432.09", "555556", "4.500"). */
export function formatMoney(amount: Big, currency: string): string {
  const digits = minorUnits(currency);
  return (amount.eq(ZERO) ? ZERO : amount).toFixed(digits);
}

/** Rounds and formats in one step: the only way an exact amount becomes a boundary string. */
export function roundToString(exact: Exact, currency: string, mode: RoundingMode): string {
  return formatMoney(roundMoney(exact, currency, mode), currency);
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/**
 * An exact value as text for explanations: a plain decimal when it terminates
 * ("15432.0875"), otherwise the reduced fraction ("52700/31").
 */
export function exactToString(exact: Exact): string {
  if (!isFraction(exact)) return exact.toFixed();
  const { n, d } = toRational(exact);
  const g = gcd(n, d) || 1n;
  const num = n / g;
  const den = d / g;
  let rest = den;
  let twos = 0;
  let fives = 0;
  while (rest % 2n === 0n) { rest /= 2n; twos++; }
  while (rest % 5n === 0n) { rest /= 5n; fives++; }
  if (rest !== 1n) return `${num}/${den}`;
  const places = Math.max(twos, fives);
  const scaledNum = num * (10n ** BigInt(places) / den);
  return shiftLeft(Dec(String(scaledNum)), places).toFixed();
}

/** Money string → integer minor units, for sums on hot paths. Digits must already be valid. */
export function toMinorUnits(amount: string, currency: string): bigint {
  parseDecimal(amount);
  const digits = minorUnits(currency);
  // Digits count as written: "1.500" is not a USD amount even though it equals 1.5.
  const dot = amount.indexOf('.');
  const whole = dot < 0 ? amount : amount.slice(0, dot);
  const frac = dot < 0 ? '' : amount.slice(dot + 1);
  if (frac.length > digits) throw new RangeError(`${currency} amounts carry at most ${digits} decimals: "${amount}"`);
  return BigInt(whole + frac.padEnd(digits, '0'));
}
