import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvRowToRecord, parseCsvHeader, parseUsageFileKey, reportKeyOf, splitCsvLine, usageFileKey } from '../../../shared/domain/usage/file-format';

describe('usage file keys', () => {
  it('names the contract, the kind and the format', () => {
    expect(parseUsageFileKey('usage/ctr_1/impressions/2027-01 week 1.csv')).toEqual({ contractId: 'ctr_1', kind: 'impressions', format: 'csv', gzip: false });
    expect(parseUsageFileKey('usage/ctr_1/conversions/a/b.jsonl.gz')).toEqual({ contractId: 'ctr_1', kind: 'conversions', format: 'ndjson', gzip: true });
    expect(parseUsageFileKey('usage/ctr_1/conversions/x.ndjson')).toMatchObject({ format: 'ndjson' });
  });

  it('refuses anything else', () => {
    for (const key of ['usage/ctr_1/clicks/x.csv', 'usage/ctr_1/impressions/x.xlsx', 'usage/x.csv', 'other/ctr_1/impressions/x.csv', 'usage/c#1/impressions/x.csv']) {
      expect(parseUsageFileKey(key)).toHaveProperty('error');
    }
  });

  it('puts the report outside usage/ so it never triggers ingestion', () => {
    const key = usageFileKey('ctr_1', 'impressions', 'jan.csv');
    expect(key).toBe('usage/ctr_1/impressions/jan.csv');
    expect(reportKeyOf(key)).toBe('reports/usage/ctr_1/impressions/jan.csv.report.json');
  });
});

describe('CSV rows', () => {
  it('splits quoted fields with commas and doubled quotes', () => {
    expect(splitCsvLine('a,"b,c","say ""hi""",,e')).toEqual(['a', 'b,c', 'say "hi"', '', 'e']);
    expect(splitCsvLine('"open,')).toBeNull();
  });

  it('reads back any row a CSV writer produces', () => {
    const quote = (cell: string) => (/[",]/.test(cell) || cell === '' ? `"${cell.replace(/"/g, '""')}"` : cell);
    fc.assert(
      fc.property(fc.array(fc.string().filter((s) => !/[\r\n]/.test(s)), { minLength: 1, maxLength: 8 }), (cells) => {
        expect(splitCsvLine(cells.map(quote).join(','))).toEqual(cells);
      }),
    );
  });

  it('checks the header against the kind: unknown, repeated and missing columns', () => {
    expect(parseCsvHeader('\uFEFFcount, date,chargeId,source', 'impressions')).toEqual({ columns: ['count', 'date', 'chargeId', 'source'], kind: 'impressions' });
    const bad = parseCsvHeader('date,date,chargeId,clicks', 'impressions');
    expect(bad).toHaveProperty('error');
    expect((bad as { error: string }).error).toMatch(/unknown column\(s\) "clicks".*repeated column\(s\) date.*missing column\(s\) count, source/);
  });

  it('types cells the way the API body would carry them, leaving bad cells for the shape check', () => {
    const impressions = parseCsvHeader('date,chargeId,count,source,partnerId', 'impressions') as Exclude<ReturnType<typeof parseCsvHeader>, { error: string }>;
    expect(csvRowToRecord('2027-01-05,ctv,1234567,FIRST_PARTY,', impressions)).toEqual({
      record: { date: '2027-01-05', chargeId: 'ctv', count: 1234567, source: 'FIRST_PARTY' },
    });
    expect(csvRowToRecord('2027-01-05,ctv,1.5,FIRST_PARTY,p', impressions)).toEqual({
      record: { date: '2027-01-05', chargeId: 'ctv', count: '1.5', source: 'FIRST_PARTY', partnerId: 'p' },
    });
    const conversions = parseCsvHeader('id,event,occurredAt,exposureAt,value,geo,newCustomer', 'conversions') as typeof impressions;
    expect(csvRowToRecord('cv-1,PURCHASE,2027-01-05T10:00:00Z,2027-01-03T21:00:00Z,120.00,US,TRUE', conversions)).toEqual({
      record: { id: 'cv-1', event: 'PURCHASE', occurredAt: '2027-01-05T10:00:00Z', exposureAt: '2027-01-03T21:00:00Z', value: '120.00', geo: 'US', newCustomer: true },
    });
  });
});
