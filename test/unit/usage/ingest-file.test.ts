import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import { ingestUsageFile, UsageFileFailed } from '../../../shared/domain/usage/ingest-file';
import type { PlannedImpression, WriteMeta } from '../../../shared/domain/usage/types';
import { parseConversion, parseImpression } from '../../../shared/schemas/usage';
import { usageContract } from './fixtures';
import { MemoryUsageStore } from './memory-store';

async function* linesOf(lines: string[]) {
  for (const line of lines) yield line;
}

const deps = (store = new MemoryUsageStore()) => ({
  store,
  clock: fixedClock('2027-02-02T12:00:00.000Z'),
  contracts: async (id: string) => (id === 'c-1' ? usageContract() : null),
  partners: { existingPartnerIds: async (ids: readonly string[]) => new Set(ids.filter((id) => id.startsWith('pub-'))) },
  parse: { impression: parseImpression, conversion: parseConversion },
});

const input = (lines: string[], key = 'usage/c-1/impressions/f.csv') => ({ bucket: 'b', key, eTag: '"e"', lines: linesOf(lines), actor: 's3:x' });
const row = (day: number) => `2027-01-${String(day).padStart(2, '0')},ctv-premium,${day},FIRST_PARTY`;

describe('ingesting a usage file', () => {
  it('accounts for every row: rows = accepted + duplicates + rejected', async () => {
    const report = await ingestUsageFile(deps(), input(['date,chargeId,count,source', row(1), row(1), 'x,y', row(2)]));
    expect(report).toMatchObject({ status: 'COMPLETED', rows: 4, accepted: 2, duplicates: 1, rejected: 1, failure: null });
    expect(report.errors).toEqual([{ line: 4, errors: [{ path: '', message: 'the row has 2 cells, the header 4' }] }]);
  });

  it('rejects the rows naming a partner the directory lacks, and only those', async () => {
    const store = new MemoryUsageStore();
    const lines = ['date,chargeId,count,source,partnerId', `${row(1)},pub-1`, `${row(2)},nobody`, `${row(3)},`, `2027-01-04,ctv-premium,-1,FIRST_PARTY,nobody`];
    const report = await ingestUsageFile(deps(store), input(lines));
    expect(report).toMatchObject({ rows: 4, accepted: 2, rejected: 2 });
    expect(report.errors).toEqual([
      { line: 3, errors: [{ path: 'partnerId', message: 'no partner "nobody" in the directory' }] },
      { line: 5, errors: [{ path: 'count', message: expect.any(String) }, { path: 'partnerId', message: 'no partner "nobody" in the directory' }] },
    ]);
    expect([...store.impressions.values()].map((i) => i.partnerId).sort()).toEqual([null, 'pub-1']);
  });

  it('completes an empty file with nothing to do', async () => {
    expect(await ingestUsageFile(deps(), input([]))).toMatchObject({ status: 'COMPLETED', rows: 0, accepted: 0 });
    expect(await ingestUsageFile(deps(), input(['date,chargeId,count,source', '']))).toMatchObject({ status: 'COMPLETED', rows: 0 });
  });

  it('stamps every stored record with the file as origin and the uploader as actor', async () => {
    const store = new MemoryUsageStore();
    await ingestUsageFile(deps(store), input(['date,chargeId,count,source', row(3)]));
    expect([...store.impressions.values()][0]!.meta).toMatchObject({ actor: 's3:x', origin: 'file:b/usage/c-1/impressions/f.csv' });
  });

  it('breaks off on a storage failure with the progress so far, for the caller to write and retry', async () => {
    class FailingStore extends MemoryUsageStore {
      override async putImpressions(contractId: string, records: readonly PlannedImpression[], meta: WriteMeta) {
        if (this.writes >= 1) throw new Error('throttled for good');
        return super.putImpressions(contractId, records, meta);
      }
    }
    // Two identities (one day, two sources) over 1,500 rows: the first batch of 1,000 stores 2 and
    // counts 998 duplicates; the second batch fails.
    const lines = ['date,chargeId,count,source', ...Array.from({ length: 1_500 }, (_, i) => `2027-01-01,ctv-premium,${i},${i % 2 ? 'FIRST_PARTY' : 'THIRD_PARTY'}`)];
    const failure = await ingestUsageFile(deps(new FailingStore()), input(lines)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UsageFileFailed);
    expect((failure as UsageFileFailed).report).toMatchObject({
      status: 'FAILED',
      failure: { code: 'ingestion_failed', message: 'throttled for good' },
      rows: 1_500,
      accepted: 2,
      duplicates: 998,
    });
  });
});
