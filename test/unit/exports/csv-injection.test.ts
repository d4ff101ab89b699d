/** Formula neutralization of CSV cells (OWASP CSV injection), with negative amounts left numbers. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvField, neutralizeFormula, parseCsv, toCsv } from '../../../shared/domain/exports/csv';

describe('CSV cells that a spreadsheet would evaluate', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","click")', `"'=HYPERLINK(""http://evil.example"",""click"")"`],
    ['+SUM(1+1)', `"'+SUM(1+1)"`],
    ['-2+3+cmd|\' /C calc\'!A0', `"'-2+3+cmd|' /C calc'!A0"`],
    ['@SUM(A1:A9)', `"'@SUM(A1:A9)"`],
    ['\t=1+1', `"'\t=1+1"`],
    ['\r=1+1', `"'\r=1+1"`],
    ['-', `"'-"`],
    ['-2.5e3', `"'-2.5e3"`],
    ['+12', `"'+12"`],
  ])('%j is written as text with a leading quote', (value, written) => {
    expect(csvField(value)).toBe(written);
    expect(parseCsv(`${csvField(value)}\r\n`)).toEqual([[`'${value}`]]);
  });

  it.each(['-12.50', '-3', '0', '15432.09', '-0.01', '125000'])('the plain decimal %s stays a number', (amount) => {
    expect(csvField(amount)).toBe(amount);
  });

  it('leaves ordinary text alone (quoting only what RFC 4180 needs)', () => {
    expect(csvField('ctv-premium')).toBe('ctv-premium');
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField('ctv, "prime"')).toBe('"ctv, ""prime"""');
    expect(csvField('{"kind":"CPM_USAGE"}')).toBe('"{""kind"":""CPM_USAGE""}"');
  });

  it('any value: the written cell never starts with a formula character unless it is a plain decimal, and reads back as the neutralized text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom('=', '+', '-', '@', '\t', '\r').chain((c) => fc.string().map((s) => c + s)), fc.double().map(String)), (value) => {
        const cell = parseCsv(toCsv([{ header: 'v', value: (v: string) => v }], [value]))[1]?.[0] ?? '';
        const plainDecimal = /^-?\d+(\.\d+)?$/.test(value);
        if (/^[=+\-@\t\r]/.test(value) && !plainDecimal) expect(cell).toBe(`'${value}`);
        else expect(cell).toBe(value);
        expect(neutralizeFormula(value) === value || neutralizeFormula(value) === `'${value}`).toBe(true);
        if (!plainDecimal) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
      }),
      { numRuns: 2000 },
    );
  });
});
