import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDecimal, formatMoney, isNegativeAmount } from '../../../web/src/lib/money';
import { currentPeriod, formatDay, formatInstant, formatPeriod, previousPeriod } from '../../../web/src/lib/dates';

describe('formatMoney', () => {
  it("formats the API's decimal strings with the currency's minor units and code", () => {
    expect(formatMoney('12345.67', 'USD')).toBe('12,345.67 USD');
    expect(formatMoney('500009', 'JPY')).toBe('500,009 JPY');
    expect(formatMoney('1.5', 'KWD')).toBe('1.500 KWD');
    expect(formatMoney('0', 'EUR')).toBe('0.00 EUR');
    expect(formatMoney('-0.00', 'USD')).toBe('0.00 USD');
    expect(formatMoney('-1000.5', 'EUR')).toBe('-1,000.50 EUR');
  });

  it('never rounds: an unrounded figure keeps every digit it has', () => {
    expect(formatMoney('2000.0000001', 'USD')).toBe('2,000.0000001 USD');
    expect(formatMoney('0.125', 'JPY')).toBe('0.125 JPY');
  });

  it('is exact beyond what a JS number can hold (string arithmetic only)', () => {
    expect(formatMoney('12345678901234567890.12', 'USD')).toBe('12,345,678,901,234,567,890.12 USD');
    expect(formatMoney('9007199254740993', 'JPY')).toBe('9,007,199,254,740,993 JPY');
  });

  it('shows what is not a decimal string as it came', () => {
    expect(formatDecimal('abc')).toBe('abc');
    expect(formatMoney('', 'USD')).toBe(' USD');
  });

  it('keeps every digit of any decimal string (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 8 }), (units, scale) => {
        const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
        const amount = `${units < 0n ? '-' : ''}${scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`}`;
        const shown = formatMoney(amount, 'USD').replace(' USD', '').replace(/,/g, '');
        const [whole, fraction = ''] = amount.replace('-', '').split('.');
        const expected = `${whole}.${fraction.padEnd(2, '0')}`;
        expect(shown.replace('-', '')).toBe(expected);
        expect(shown.startsWith('-')).toBe(isNegativeAmount(amount));
      }),
    );
  });
});

describe('dates', () => {
  it('formats days and periods from their digits (no time zone can move them)', () => {
    expect(formatPeriod('2026-10')).toBe('Oct 2026');
    expect(formatDay('2026-01-01')).toBe('Jan 1, 2026');
    expect(formatDay('not a day')).toBe('not a day');
    expect(previousPeriod('2026-01')).toBe('2025-12');
    expect(previousPeriod('2026-10')).toBe('2026-09');
    expect(currentPeriod(new Date('2026-12-31T23:59:59Z'))).toBe('2026-12');
  });

  it('shows instants in the given time zone, labelled with it', () => {
    expect(formatInstant('2026-10-05T14:03:00Z', 'America/New_York')).toBe('Oct 5, 2026, 10:03 (America/New_York)');
    expect(formatInstant('2026-10-05T23:30:00Z', 'Asia/Tokyo')).toBe('Oct 6, 2026, 08:30 (Asia/Tokyo)');
    expect(formatInstant('2026-10-05T14:03:00Z')).toBe('Oct 5, 2026, 14:03 (UTC)');
    expect(formatInstant('2026-10-05T14:03:00Z', 'Not/AZone')).toBe('Oct 5, 2026, 14:03 (UTC)');
  });
});
