import { describe, expect, it } from 'vitest';
import { Dec, exactToString, formatMoney, fraction, roundMoney, roundToString, toMinorUnits } from '../../../shared/domain/kernel/money';

describe('roundMoney', () => {
  it.each([
    // [exact, currency, mode, rounded]
    ['25.025', 'USD', 'HALF_EVEN', '25.02'], // tie → even cent 2
    ['25.035', 'USD', 'HALF_EVEN', '25.04'], // tie → even cent 4
    ['25.025', 'USD', 'HALF_UP', '25.03'], // tie → away from zero
    ['-15.025', 'USD', 'HALF_UP', '-15.03'], // negative tie → away from zero
    ['-15.025', 'USD', 'HALF_EVEN', '-15.02'], // negative tie → even
    ['-15.0251', 'USD', 'HALF_EVEN', '-15.03'], // not a tie: nearest
    ['15432.0875', 'USD', 'HALF_EVEN', '15432.09'],
    ['555556.5', 'JPY', 'HALF_EVEN', '555556'], // JPY: 0 minor digits, tie → even yen
    ['555557.5', 'JPY', 'HALF_EVEN', '555558'],
    ['325.00325', 'KWD', 'HALF_EVEN', '325.003'], // KWD: 3 minor digits
    ['-0.004', 'USD', 'HALF_UP', '0.00'], // rounds to zero: never "-0.00"
  ] as const)('%s %s %s → %s', (exact, currency, mode, rounded) => {
    expect(roundToString(Dec(exact), currency, mode)).toBe(rounded);
  });

  it('rounds fractions exactly, including ties that truncated decimals would miss', () => {
    // 1/3 + 1/6 = 1/2 → a tie at 0 decimals; a truncated 0.4999… would round down.
    const half = fraction(Dec('3'), Dec('6'));
    expect(formatMoney(roundMoney(half, 'JPY', 'HALF_UP'), 'JPY')).toBe('1');
    expect(formatMoney(roundMoney(half, 'JPY', 'HALF_EVEN'), 'JPY')).toBe('0');
    // 3100.00 × 17 / 31 = 1700 exactly
    expect(roundToString(fraction(Dec('52700'), Dec('31')), 'USD', 'HALF_EVEN')).toBe('1700.00');
    // 1000 / 3 = 333.333… → 333.33; -1000 / 3 → -333.33
    expect(roundToString(fraction(Dec('1000'), Dec('3')), 'USD', 'HALF_UP')).toBe('333.33');
    expect(roundToString(fraction(Dec('-1000'), Dec('3')), 'USD', 'HALF_UP')).toBe('-333.33');
    // -2 / 3 = -0.666… → -0.67
    expect(roundToString(fraction(Dec('-2'), Dec('3')), 'USD', 'HALF_EVEN')).toBe('-0.67');
    // -0.125 (−1/8) is a tie at 2 decimals: HALF_UP → -0.13, HALF_EVEN → -0.12
    expect(roundToString(fraction(Dec('-1'), Dec('8')), 'USD', 'HALF_UP')).toBe('-0.13');
    expect(roundToString(fraction(Dec('-1'), Dec('8')), 'USD', 'HALF_EVEN')).toBe('-0.12');
  });

  it('rejects an unknown currency', () => {
    expect(() => roundMoney(Dec('1'), 'XYZ', 'HALF_EVEN')).toThrow(RangeError);
  });
});

describe('money helpers', () => {
  it('formats with exactly the minor digits', () => {
    expect(formatMoney(Dec('4.5'), 'KWD')).toBe('4.500');
    expect(formatMoney(Dec('3600'), 'JPY')).toBe('3600');
    expect(formatMoney(Dec('-0'), 'USD')).toBe('0.00');
  });

  it('prints exact values as decimals when they terminate, else as reduced fractions', () => {
    expect(exactToString(Dec('15432.0875'))).toBe('15432.0875');
    expect(exactToString(fraction(Dec('1'), Dec('8')))).toBe('0.125');
    expect(exactToString(fraction(Dec('200'), Dec('6')))).toBe('100/3');
  });

  it('converts money strings to integer minor units', () => {
    expect(toMinorUnits('12.5', 'USD')).toBe(1250n);
    expect(toMinorUnits('1200', 'JPY')).toBe(1200n);
    expect(() => toMinorUnits('1.500', 'USD')).toThrow(RangeError);
  });

  it('does not change the settings of the global big.js constructor', async () => {
    const { default: Big } = await import('big.js');
    expect(Big.DP).toBe(20);
    expect(Big.strict).toBe(false);
  });
});
