import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import { ConflictError, NotFoundError, TooLargeError, ValidationError } from '../../../shared/domain/kernel/errors';
import { recordErrorDetails, requireUsageContract } from '../../../shared/domain/usage/batch';
import { ingestConversions } from '../../../shared/domain/usage/ingest-conversions';
import { ingestImpressions } from '../../../shared/domain/usage/ingest-impressions';
import { reverseConversion } from '../../../shared/domain/usage/reverse-conversion';
import { IngestMode } from '../../../shared/domain/usage/types';
import { parseConversion, parseImpression } from '../../../shared/schemas/usage';
import { conversion, impression, usageContract } from './fixtures';
import { MemoryUsageStore } from './memory-store';

const NOW = '2027-02-02T12:00:00.000Z';
const setup = () => ({ store: new MemoryUsageStore(), clock: fixedClock(NOW) });
const request = <T>(records: T[], parse: (raw: unknown) => any, mode: IngestMode = IngestMode.ALL_OR_NOTHING) => ({
  contract: usageContract(),
  records: records.map(parse),
  actor: 'alice',
  origin: 'api',
  mode,
});

describe('ingesting impressions', () => {
  it('stores valid records with their period and the server time as receivedAt unless given', async () => {
    const deps = setup();
    const out = await ingestImpressions(deps, request([impression(), impression({ date: '2027-02-01', receivedAt: '2027-02-02T01:00:00Z' })], parseImpression));
    expect(out).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const stored = [...deps.store.impressions.values()];
    expect(stored.map((r) => [r.period, r.receivedAt, r.meta.actor])).toEqual([
      ['2027-01', NOW, 'alice'],
      ['2027-02', '2027-02-02T01:00:00Z', 'alice'],
    ]);
  });

  it('rejects the whole batch with every bad path, storing nothing (API mode)', async () => {
    const deps = setup();
    const records: unknown[] = Array.from({ length: 14 }, () => impression());
    records[3] = { ...impression(), count: 'many' };
    records[12] = impression({ chargeId: 'unknown' });
    const failure = await ingestImpressions(deps, request(records, parseImpression)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ValidationError);
    expect((failure as ValidationError).details.map((d) => d.path)).toEqual(['records.3.count', 'records.12.chargeId']);
    expect(deps.store.writes).toBe(0);
  });

  it('stores the good records and reports the bad ones (file mode)', async () => {
    const deps = setup();
    const out = await ingestImpressions(
      deps,
      request([impression(), impression({ chargeId: 'nope' }), impression({ date: '2027-01-06' })], parseImpression, IngestMode.SKIP_INVALID),
    );
    expect(out.accepted).toBe(2);
    expect(out.rejected).toEqual([{ index: 1, path: 'chargeId', message: expect.any(String) }]);
    expect(deps.store.impressions.size).toBe(2);
  });

  it('keeps the last record of an identity within a batch and counts the others as duplicates', async () => {
    const deps = setup();
    const out = await ingestImpressions(deps, request([impression({ count: 1 }), impression({ count: 2 }), impression({ count: 3 })], parseImpression));
    expect(out).toEqual({ accepted: 1, duplicates: 2, rejected: [] });
    expect([...deps.store.impressions.values()][0]!.count).toBe(3);
  });

  it('answers 413 over 1,000 records before looking at any', async () => {
    const deps = setup();
    const records = Array.from({ length: 1_001 }, () => ({}));
    await expect(ingestImpressions(deps, request(records, parseImpression))).rejects.toBeInstanceOf(TooLargeError);
  });
});

describe('ingesting conversions', () => {
  it('attributes each to the month of occurredAt in the contract zone', async () => {
    const deps = setup();
    await ingestConversions(deps, request([conversion({ id: 'late-jan', occurredAt: '2027-02-01T03:00:00Z' })], parseConversion));
    expect((await deps.store.findConversion('c-1', 'late-jan'))!.period).toBe('2027-01');
  });

  it('keeps the first record of an id, in the batch and across batches', async () => {
    const deps = setup();
    const first = await ingestConversions(deps, request([conversion({ value: '1.00' }), conversion({ value: '2.00' }), conversion({ id: 'cv-2' })], parseConversion));
    expect(first).toEqual({ accepted: 2, duplicates: 1, touches: 0, rejected: [] });
    const again = await ingestConversions(deps, request([conversion({ value: '3.00' }), conversion({ id: 'cv-3' })], parseConversion));
    expect(again).toEqual({ accepted: 1, duplicates: 1, touches: 0, rejected: [] });
    expect((await deps.store.findConversion('c-1', 'cv-1'))!.value).toBe('1.00');
  });

  it('names bad money digits by record path', async () => {
    const deps = setup();
    const failure = await ingestConversions(deps, request([conversion(), conversion({ id: 'cv-2', value: '9.999' })], parseConversion)).catch((e) => e);
    expect((failure as ValidationError).details).toEqual([{ path: 'records.1.value', message: expect.any(String) }]);
  });
});

describe('reversing a conversion', () => {
  const contract = usageContract();
  const reversal = (deps: ReturnType<typeof setup>, id = 'cv-1', reversedAt = '2027-01-20T00:00:00Z') =>
    reverseConversion(deps, { contract, conversionId: id, reversedAt, reason: 'chargeback', actor: 'bob', origin: 'api' });

  it('sets reversedAt once; a second reversal is a conflict', async () => {
    const deps = setup();
    await ingestConversions(deps, request([conversion()], parseConversion));
    const reversed = await reversal(deps);
    expect(reversed.reversedAt).toBe('2027-01-20T00:00:00Z');
    expect(reversed.reversalReason).toBe('chargeback');
    await expect(reversal(deps)).rejects.toBeInstanceOf(ConflictError);
  });

  it('is 404 for an unknown conversion and 400 before the conversion occurred', async () => {
    const deps = setup();
    await expect(reversal(deps, 'missing')).rejects.toBeInstanceOf(NotFoundError);
    await ingestConversions(deps, request([conversion()], parseConversion));
    await expect(reversal(deps, 'cv-1', '2027-01-01T00:00:00Z')).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('batch helpers', () => {
  it('answers 404 for a contract the lookup does not know', async () => {
    await expect(requireUsageContract(async () => null, 'x')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('names a record-level problem by the record index alone', () => {
    expect(recordErrorDetails([{ index: 4, path: '', message: 'm' }])).toEqual([{ path: 'records.4', message: 'm' }]);
  });
});
