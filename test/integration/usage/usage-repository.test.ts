import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { aggregateOf } from '../../../shared/adapters/dynamodb/audit-stream';
import { DynamoUsageRepository } from '../../../shared/adapters/dynamodb/usage-repository';
import { USAGE_SHARDS, usageKeys } from '../../../shared/adapters/dynamodb/table';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import { ConflictError } from '../../../shared/domain/kernel/errors';
import { ingestConversions } from '../../../shared/domain/usage/ingest-conversions';
import { ingestImpressions } from '../../../shared/domain/usage/ingest-impressions';
import { reverseConversion } from '../../../shared/domain/usage/reverse-conversion';
import { decodeConversion } from '../../../shared/domain/usage/decode';
import { idHash } from '../../../shared/domain/billing/first-ids';
import { IngestMode, type UsageContract } from '../../../shared/domain/usage/types';
import type { Conversion, Impression } from '../../../shared/domain/terms/types';
import { parseConversion, parseImpression } from '../../../shared/schemas/usage';
import { documentClient, freshTable } from '../../support/aws';
import { conversion, impression, usageContract } from '../../unit/usage/fixtures';

const client = documentClient();
let table: string;
let repo: DynamoUsageRepository;
const clock = fixedClock('2027-02-02T12:00:00.000Z');

beforeAll(async () => {
  table = await freshTable();
  // More attempts than the default: four writers racing on one shared DynamoDB Local, busy with
  // other test files, conflict for longer than on DynamoDB.
  repo = new DynamoUsageRepository(client, table, { maxAttempts: 30 });
});

let seq = 0;
const newContract = (overrides: Partial<UsageContract> = {}) => usageContract({ id: `c-${++seq}`, ...overrides });

const sendImpressions = (contract: UsageContract, records: Impression[]) =>
  ingestImpressions({ store: repo, clock }, { contract, records: records.map(parseImpression), actor: 'alice', origin: 'api', mode: IngestMode.ALL_OR_NOTHING });
const sendConversions = (contract: UsageContract, records: Conversion[]) =>
  ingestConversions({ store: repo, clock }, { contract, records: records.map(parseConversion), actor: 'alice', origin: 'api', mode: IngestMode.ALL_OR_NOTHING });

const days = (month: string, n: number) => Array.from({ length: n }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);

describe('usage on DynamoDB Local', () => {
  it('stores conversions with the fields decoded at ingestion and returns them to rating, which rates them as their text; a reversal updates them', async () => {
    const contract = newContract();
    await sendConversions(contract, [
      conversion({ id: 'cv-d1', value: '120.5', receivedAt: '2027-01-06T00:00:00.250Z' }),
      conversion({ id: 'cv-d2', value: '7', reversedAt: '2027-01-09T00:00:00Z' }),
    ]);
    const { conversions } = await repo.loadPeriodUsage(contract.id, '2027-01');
    expect(conversions).toHaveLength(2);
    for (const stored of conversions) {
      const { occurredMs, exposureMs, reversedMs, receivedMs, valueUnits, valueScale, idHash: hash, ...text } = stored;
      expect({ occurredMs, exposureMs, reversedMs, receivedMs, valueUnits, valueScale, idHash: hash }).toEqual(decodeConversion(text));
    }
    expect(conversions.map((c) => [c.id, c.valueUnits, c.valueScale, c.reversedMs, c.receivedMs, c.idHash === idHash(c.id)])).toEqual([
      ['cv-d1', 1205, 1, null, Date.parse('2027-01-06T00:00:00.250Z'), true],
      ['cv-d2', 7, 0, Date.parse('2027-01-09T00:00:00Z'), Date.parse('2027-02-02T12:00:00.000Z'), true],
    ]);
    await reverseConversion({ store: repo, clock }, { contract, conversionId: 'cv-d1', reversedAt: '2027-01-10T00:00:00Z', reason: 'chargeback', actor: 'bob', origin: 'api' });
    const after = (await repo.loadPeriodUsage(contract.id, '2027-01')).conversions.find((c) => c.id === 'cv-d1')!;
    expect([after.reversedAt, after.reversedMs]).toEqual(['2027-01-10T00:00:00Z', Date.parse('2027-01-10T00:00:00Z')]);
    // The API's view of a stored conversion carries its text only.
    expect(Object.keys((await repo.findTouches(contract.id, 'cv-d1'))[0]!)).not.toContain('occurredMs');
  });

  it('replaces an impression day-aggregate on re-send and audits the write', async () => {
    const contract = newContract();
    await sendImpressions(contract, [impression({ count: 100 }), impression({ count: 7, source: 'THIRD_PARTY' })]);
    const out = await sendImpressions(contract, [impression({ count: 250, receivedAt: '2027-01-06T02:00:00Z' })]);
    expect(out).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const usage = await repo.loadPeriodUsage(contract.id, '2027-01');
    expect(usage.impressions).toEqual([
      { date: '2027-01-05', chargeId: 'ctv-premium', count: 250, source: 'FIRST_PARTY', partnerId: null, receivedAt: '2027-01-06T02:00:00Z', receivedMs: Date.parse('2027-01-06T02:00:00Z') },
      { date: '2027-01-05', chargeId: 'ctv-premium', count: 7, source: 'THIRD_PARTY', partnerId: null, receivedAt: '2027-02-02T12:00:00.000Z', receivedMs: Date.parse('2027-02-02T12:00:00.000Z') },
    ]);
    const key = usageKeys.impression(contract.id, '2027-01', impression());
    const { Items } = await client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk AND sk = :sk', ExpressionAttributeValues: { ':pk': key.pk, ':sk': key.sk } }));
    // One audit chain per partition, the very one the audit consumer derives from the pk.
    expect(Items![0]).toMatchObject({ entityType: 'usage', actor: 'alice', aggregate: `usage#${contract.id}#2027-01#${key.pk.slice(-1)}`, origin: 'api' });
    expect(Items![0]!.aggregate).toBe(aggregateOf(null, key.pk));
  });

  it('counts a re-sent conversion id as a duplicate, even with another occurredAt (another period)', async () => {
    const contract = newContract();
    expect(await sendConversions(contract, [conversion(), conversion({ id: 'cv-2' })])).toEqual({ accepted: 2, duplicates: 0, touches: 0, rejected: [] });
    const again = await sendConversions(contract, [conversion({ occurredAt: '2027-03-05T10:00:00Z', value: '9.00' }), conversion({ id: 'cv-3' })]);
    expect(again).toEqual({ accepted: 1, duplicates: 1, touches: 0, rejected: [] });
    const january = await repo.loadPeriodUsage(contract.id, '2027-01');
    expect(january.conversions.map((c) => [c.id, c.value])).toEqual([['cv-1', '120.00'], ['cv-2', '120.00'], ['cv-3', '120.00']]);
    expect((await repo.loadPeriodUsage(contract.id, '2027-03')).conversions).toEqual([]);
  });

  it('finds a duplicate inside a transaction chunk and still stores the rest of the chunk', async () => {
    const contract = newContract();
    await sendConversions(contract, [conversion({ id: 'cv-10' }), conversion({ id: 'cv-40' })]);
    const records = Array.from({ length: 60 }, (_, i) => conversion({ id: `cv-${i}` }));
    expect(await sendConversions(contract, records)).toEqual({ accepted: 58, duplicates: 2, touches: 0, rejected: [] });
    expect((await repo.loadPeriodUsage(contract.id, '2027-01')).conversions).toHaveLength(60);
  });

  it('stores each conversion exactly once when four writers send the same ids at the same time', { timeout: 240_000 }, async () => {
    const contract = newContract();
    const records = Array.from({ length: 200 }, (_, i) => conversion({ id: `race-${i}` }));
    const outcomes = await Promise.all([0, 1, 2, 3].map((writer) => sendConversions(contract, writer % 2 ? [...records].reverse() : records)));
    expect(outcomes.reduce((sum, o) => sum + o.accepted, 0)).toBe(200);
    expect(outcomes.reduce((sum, o) => sum + o.duplicates, 0)).toBe(600);
    expect((await repo.loadPeriodUsage(contract.id, '2027-01')).conversions).toHaveLength(200);
  });

  it('reverses a conversion once: 409 the second time, also when two reversals race', async () => {
    const contract = newContract();
    await sendConversions(contract, [conversion(), conversion({ id: 'cv-2' })]);
    const reverse = (id: string) =>
      reverseConversion({ store: repo, clock }, { contract, conversionId: id, reversedAt: '2027-01-20T00:00:00Z', reason: 'chargeback', actor: 'bob', origin: 'api' });
    const reversed = await reverse('cv-1');
    expect(reversed).toMatchObject({ id: 'cv-1', reversedAt: '2027-01-20T00:00:00Z', reversalReason: 'chargeback', period: '2027-01' });
    await expect(reverse('cv-1')).rejects.toBeInstanceOf(ConflictError);

    const stored = await repo.findConversion(contract.id, 'cv-2');
    const meta = { actor: 'x', origin: 'api', ingestedAt: clock.now().toISOString() };
    const outcomes = await Promise.allSettled([
      repo.reverseConversion([stored!], { reversedAt: '2027-01-21T00:00:00Z', reason: 'a' }, meta),
      repo.reverseConversion([stored!], { reversedAt: '2027-01-22T00:00:00Z', reason: 'b' }, meta),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof ConflictError)).toHaveLength(1);

    const usage = await repo.loadPeriodUsage(contract.id, '2027-01');
    expect(usage.conversions.find((c) => c.id === 'cv-1')!.reversedAt).toBe('2027-01-20T00:00:00Z');
    expect(await repo.findConversion(contract.id, 'nope')).toBeNull();
  });

  it('loads exactly the period, across every shard, and conversions by local month', async () => {
    const charges = ['ctv-premium', 'ctv-sports'];
    const contract = newContract({
      timezone: 'America/New_York',
      versions: [{ effectiveFrom: '2027-01-01', approved: true, charges: charges.map((id) => ({ id, kind: 'CPM' as const })) }],
    });
    const records = ['2026-12', '2027-01', '2027-02'].flatMap((month) =>
      days(month, month === '2027-02' ? 28 : 31).flatMap((date) => charges.map((chargeId) => impression({ date, chargeId, count: 10 }))),
    );
    for (let i = 0; i < records.length; i += 1_000) await sendImpressions(contract, records.slice(i, i + 1_000));
    await sendConversions(contract, [
      conversion({ id: 'jan-local', occurredAt: '2027-02-01T03:00:00Z' }),
      conversion({ id: 'feb', occurredAt: '2027-02-01T05:00:00Z' }),
      conversion({ id: 'dec', occurredAt: '2027-01-01T04:59:59Z' }),
      conversion({ id: 'jan', occurredAt: '2027-01-01T05:00:00Z' }),
    ]);

    const january = await repo.loadPeriodUsage(contract.id, '2027-01');
    expect(january.impressions).toHaveLength(62);
    expect(january.impressions.every((r) => r.date.startsWith('2027-01-'))).toBe(true);
    expect(january.conversions.map((c) => c.id)).toEqual(['jan', 'jan-local']);
    expect((await repo.loadPeriodUsage(contract.id, '2027-02')).conversions.map((c) => c.id)).toEqual(['feb']);
    expect((await repo.loadPeriodUsage(contract.id, '2026-12')).conversions.map((c) => c.id)).toEqual(['dec']);

    // The January items really are spread over all the shards.
    const perShard = await Promise.all(
      Array.from({ length: USAGE_SHARDS }, (_, s) =>
        client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': usageKeys.periodShard(contract.id, '2027-01', s) }, Select: 'COUNT' })),
      ),
    );
    expect(perShard.every((r) => (r.Count ?? 0) > 0)).toBe(true);

    let streamed = 0;
    for await (const page of repo.streamPeriodUsage(contract.id, '2027-01')) streamed += page.impressions.length + page.conversions.length;
    expect(streamed).toBe(64);
  });

  it('stores a full 1,000-record batch of each kind and pages the read', { timeout: 240_000 }, async () => {
    const contract = newContract();
    // 1,000 distinct identities in one month: 31 days x 33 partners, cut to 1,000.
    const impressions = days('2027-01', 31).flatMap((date) => Array.from({ length: 33 }, (_, p) => impression({ date, partnerId: `p-${p}`, count: p }))).slice(0, 1_000);
    expect(await sendImpressions(contract, impressions)).toEqual({ accepted: 1_000, duplicates: 0, rejected: [] });
    const conversions = Array.from({ length: 1_000 }, (_, i) => conversion({ id: `cv-${i}`, geo: 'US'.padEnd(8, 'X') }));
    expect(await sendConversions(contract, conversions)).toEqual({ accepted: 1_000, duplicates: 0, touches: 0, rejected: [] });
    const usage = await repo.loadPeriodUsage(contract.id, '2027-01');
    expect(usage.impressions).toHaveLength(1_000);
    expect(usage.conversions).toHaveLength(1_000);
    expect(usage.impressions.reduce((sum, r) => sum + r.count, 0)).toBe(impressions.reduce((sum, r) => sum + r.count, 0));
    // Small pages: the same records through LastEvaluatedKey paging, and the stream page by page.
    const paged = new DynamoUsageRepository(client, table, { pageLimit: 37 });
    expect(await paged.loadPeriodUsage(contract.id, '2027-01')).toEqual(usage);
    let pages = 0;
    for await (const page of paged.streamPeriodUsage(contract.id, '2027-01')) pages += page.impressions.length + page.conversions.length > 0 ? 1 : 0;
    expect(pages).toBeGreaterThan(2_000 / 37);
  });

  it('never needs a Scan: the read is Queries on the period shards only', async () => {
    const contract = newContract();
    await sendImpressions(contract, [impression()]);
    const { Items } = await client.send(new ScanCommand({ TableName: table, FilterExpression: 'contractId = :c', ExpressionAttributeValues: { ':c': contract.id } }));
    expect(Items!.map((i) => (i.pk as string).replace(/#\d$/, '#n'))).toEqual([`USAGE#${contract.id}#2027-01#n`]);
  });
});
