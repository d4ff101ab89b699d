import { gzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUsageFileHandler, type UsageFileDeps } from '../../../functions/usage-file/handler';
import { DirectoryRepository } from '../../../shared/adapters/dynamodb/directory-repository';
import { DynamoUsageRepository } from '../../../shared/adapters/dynamodb/usage-repository';
import { UsageFileStore } from '../../../shared/adapters/s3/usage-files';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import type { UsageFileReport } from '../../../shared/domain/usage/file-format';
import type { UsageContract } from '../../../shared/domain/usage/types';
import { objectCreatedEvent } from '../../../scripts/lib/s3-event';
import { documentClient, freshBucket, freshTable, s3Client } from '../../support/aws';
import { usageContract } from '../../unit/usage/fixtures';

const s3 = s3Client();
let bucket: string;
let repo: DynamoUsageRepository;
const contracts = new Map<string, UsageContract>();
const progress: number[] = [];
let handler: ReturnType<typeof createUsageFileHandler>;
/** Each question put to the directory: the partner ids asked about. */
const directoryCalls: string[][] = [];

const partner = (id: string) => ({ id, name: id, createdBy: 'olivia', createdAt: '2027-01-01T00:00:00.000Z', updatedAt: '2027-01-01T00:00:00.000Z', actor: 'olivia', version: 1 });

beforeAll(async () => {
  const [table, b] = await Promise.all([freshTable(), freshBucket(s3)]);
  bucket = b;
  repo = new DynamoUsageRepository(documentClient(), table);
  const directory = new DirectoryRepository(documentClient(), table);
  await Promise.all(['pub-7', 'pub-8'].map((id) => directory.createPartner(partner(id))));
  const deps: UsageFileDeps = {
    files: (name) => new UsageFileStore(s3, name),
    store: repo,
    // A real lookup takes a round trip: nothing may be read from the file before it answers.
    contracts: async (id) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return contracts.get(id) ?? null;
    },
    // The real directory on DynamoDB Local, its questions recorded.
    partners: {
      existingPartnerIds: (ids) => {
        directoryCalls.push([...ids]);
        return directory.existingPartnerIds(ids);
      },
    },
    clock: fixedClock('2027-02-02T12:00:00.000Z'),
    onProgress: (report) => progress.push(report.rows),
  };
  handler = createUsageFileHandler(() => deps);
});

let seq = 0;
function contract(overrides: Partial<UsageContract> = {}): UsageContract {
  const c = usageContract({ id: `file-c${++seq}`, ...overrides });
  contracts.set(c.id, c);
  return c;
}

async function upload(key: string, body: string | Buffer) {
  const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return objectCreatedEvent({ bucket, key, eTag: put.ETag!, size: Buffer.byteLength(body), principalId: 'loader' });
}

async function reportOf(key: string): Promise<UsageFileReport> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `reports/${key}.report.json` }));
  return JSON.parse(await object.Body!.transformToString()) as UsageFileReport;
}

describe('bulk usage files through s3rver', () => {
  it('stores the good CSV rows and reports each bad one by line number', async () => {
    const c = contract();
    const key = `usage/${c.id}/impressions/jan week 1.csv`;
    const csv = [
      'date,chargeId,count,source,partnerId',
      '2027-01-01,ctv-premium,100,FIRST_PARTY,pub-7',
      '2027-01-02,ctv-premium,many,FIRST_PARTY,',
      '',
      '2027-01-03,"ctv-premium",300,THIRD_PARTY,"pub-8"',
      '2027-01-04,unknown-charge,400,FIRST_PARTY,',
      '2027-01-05,ctv-premium,500',
      '2027-01-06,ctv-premium,600,FIRST_PARTY,',
    ].join('\r\n');
    const out = await handler(await upload(key, csv));
    expect(out.reports[0]!.reportKey).toBe(`reports/${key}.report.json`);

    const report = await reportOf(key);
    expect(report).toMatchObject({ status: 'COMPLETED', contractId: c.id, kind: 'impressions', format: 'csv', rows: 6, accepted: 3, duplicates: 0, rejected: 3 });
    expect(report.errors).toEqual([
      { line: 3, errors: [{ path: 'count', message: expect.any(String) }] },
      { line: 6, errors: [{ path: 'chargeId', message: expect.stringContaining('unknown-charge') }] },
      { line: 7, errors: [{ path: '', message: 'the row has 3 cells, the header 5' }] },
    ]);
    const usage = await repo.loadPeriodUsage(c.id, '2027-01');
    expect(usage.impressions.map((r) => [r.date, r.count, r.partnerId])).toEqual([
      ['2027-01-01', 100, 'pub-7'],
      ['2027-01-03', 300, 'pub-8'],
      ['2027-01-06', 600, null],
    ]);
  });

  it('ingests gzipped NDJSON conversions in batches of 1,000 and counts duplicates', async () => {
    const c = contract();
    const rows = Array.from({ length: 1_250 }, (_, i) => ({
      id: `cv-${i % 1_200}`,
      event: 'PURCHASE',
      occurredAt: '2027-01-05T10:00:00Z',
      exposureAt: '2027-01-03T21:00:00Z',
      value: i === 7 ? '1.001' : '10.00',
      geo: 'US',
      newCustomer: true,
    }));
    const lines = rows.map((r) => JSON.stringify(r));
    lines[9] = '{not json';
    const key = `usage/${c.id}/conversions/2027-01.ndjson.gz`;
    progress.length = 0;
    await handler(await upload(key, gzipSync(lines.join('\n') + '\n')));
    const report = await reportOf(key);
    // 1,250 rows: lines 8 and 10 are bad (ids cv-7, cv-9); rows 1,201-1,250 (in the second batch)
    // repeat cv-0..cv-49, of which cv-7 and cv-9 are new then (their first rows were rejected):
    // 1,200 stored, 48 duplicates.
    expect(report).toMatchObject({ status: 'COMPLETED', rows: 1_250, accepted: 1_200, duplicates: 48, rejected: 2 });
    expect(report.errors.map((e) => [e.line, e.errors[0]!.path])).toEqual([[8, 'value'], [10, '']]);
    expect(progress).toEqual([1_000, 1_250]);
    expect((await repo.loadPeriodUsage(c.id, '2027-01')).conversions).toHaveLength(1_200);
  }, 480_000); // conditional transactions: about 6 s alone, up to 17x that beside the other worker's file on two cores

  it('rejects each row naming a partner the directory lacks, with its other problems, and stores the rest', async () => {
    const c = contract();
    const key = `usage/${c.id}/impressions/partners.csv`;
    const csv = [
      'date,chargeId,count,source,partnerId',
      '2027-01-01,ctv-premium,100,FIRST_PARTY,pub-7',
      '2027-01-02,ctv-premium,200,FIRST_PARTY,ghost-1',
      '2027-01-03,ctv-premium,many,FIRST_PARTY,ghost-1',
      '2027-01-04,ctv-premium,400,THIRD_PARTY,',
    ].join('\n');
    await handler(await upload(key, csv));
    const report = await reportOf(key);
    expect(report).toMatchObject({ status: 'COMPLETED', rows: 4, accepted: 2, duplicates: 0, rejected: 2 });
    expect(report.errors).toEqual([
      { line: 3, errors: [{ path: 'partnerId', message: 'no partner "ghost-1" in the directory' }] },
      { line: 4, errors: [{ path: 'count', message: expect.any(String) }, { path: 'partnerId', message: 'no partner "ghost-1" in the directory' }] },
    ]);
    const usage = await repo.loadPeriodUsage(c.id, '2027-01');
    expect(usage.impressions.map((r) => [r.date, r.partnerId])).toEqual([
      ['2027-01-01', 'pub-7'],
      ['2027-01-04', null],
    ]);
  });

  it('asks the directory once per distinct partner of a file, however many rows and batches name it', async () => {
    const c = contract();
    // 1,200 conversions in two batches: a quarter for pub-7 (known), the rest for ghost-1 and
    // ghost-2 (unknown; ghost-2 turns into ghost-3 in the second batch).
    const partnerOf = (i: number) => ['pub-7', 'ghost-1', i >= 1_100 ? 'ghost-3' : 'ghost-2', 'ghost-1'][i % 4]!;
    const rows = Array.from({ length: 1_200 }, (_, i) => ({
      id: `pc-${i}`,
      event: 'PURCHASE',
      occurredAt: '2027-01-05T10:00:00Z',
      exposureAt: '2027-01-03T21:00:00Z',
      value: '10.00',
      geo: 'US',
      newCustomer: true,
      partnerId: partnerOf(i),
    }));
    const key = `usage/${c.id}/conversions/partners.ndjson`;
    directoryCalls.length = 0;
    await handler(await upload(key, rows.map((r) => JSON.stringify(r)).join('\n')));
    const report = await reportOf(key);
    expect(report).toMatchObject({ status: 'COMPLETED', rows: 1_200, accepted: 300, duplicates: 0, rejected: 900 });
    expect(report.errors.slice(0, 2)).toEqual([
      { line: 2, errors: [{ path: 'partnerId', message: 'no partner "ghost-1" in the directory' }] },
      { line: 3, errors: [{ path: 'partnerId', message: 'no partner "ghost-2" in the directory' }] },
    ]);
    expect(report.errors.find((e) => e.line === 1_199)).toEqual({ line: 1_199, errors: [{ path: 'partnerId', message: 'no partner "ghost-3" in the directory' }] });
    // One BatchGet per batch, for the ids that batch names first: no id asked twice.
    expect(directoryCalls.map((ids) => [...ids].sort())).toEqual([['ghost-1', 'ghost-2', 'pub-7'], ['ghost-3']]);

    const stored = (await repo.loadPeriodUsage(c.id, '2027-01')).conversions;
    expect(stored).toHaveLength(300);
    expect(new Set(stored.map((r) => r.partnerId))).toEqual(new Set(['pub-7']));
  }, 120_000); // 300 conditional writes on the DynamoDB Local the suite shares

  it('does nothing on a redelivered event for a file already reported', async () => {
    const c = contract();
    const key = `usage/${c.id}/conversions/once.jsonl`;
    const line = JSON.stringify({ id: 'x', event: 'PURCHASE', occurredAt: '2027-01-05T10:00:00Z', exposureAt: '2027-01-05T09:00:00Z', value: '1.00', geo: 'US', newCustomer: false });
    const event = await upload(key, line);
    await handler(event);
    const again = await handler(event);
    expect(again.reports[0]!.skipped).toBe(true);
    expect(await reportOf(key)).toMatchObject({ accepted: 1, duplicates: 0 });
  });

  it('fails the file, not the rows, for a bad key, an unknown contract or a bad header', async () => {
    await handler(await upload('usage/whatever.csv', 'a\n'));
    expect(await reportOf('usage/whatever.csv')).toMatchObject({ status: 'FAILED', failure: { code: 'bad_key' }, rows: 0 });

    await handler(await upload('usage/no-such-contract/impressions/a.csv', 'date\n'));
    expect(await reportOf('usage/no-such-contract/impressions/a.csv')).toMatchObject({ status: 'FAILED', failure: { code: 'contract_not_found' } });

    const c = contract();
    const key = `usage/${c.id}/impressions/bad-header.csv`;
    await handler(await upload(key, 'date,chargeId,count,origin\n2027-01-01,ctv-premium,1,FIRST_PARTY\n'));
    const report = await reportOf(key);
    expect(report).toMatchObject({ status: 'FAILED', failure: { code: 'bad_header' }, accepted: 0 });
    expect(report.failure!.message).toContain('unknown column(s) "origin"');
    expect(report.failure!.message).toContain('missing column(s) source');
  });

  it('reads keys as S3 notifications encode them and as the EventBridge rule passes them', async () => {
    const c = contract();
    const key = `usage/${c.id}/impressions/feed 1+2%.csv`;
    const event = await upload(key, 'date,chargeId,count,source\n2027-01-09,ctv-premium,9,FIRST_PARTY\n');
    expect(event.Records[0]!.s3.object.key).toBe(`usage/${c.id}/impressions/feed+1%2B2%25.csv`);
    await handler(event);
    expect(await reportOf(key)).toMatchObject({ status: 'COMPLETED', accepted: 1 });

    // The rule's reshaped record (infra/constructs/usage-files.ts): the key as is, "aws.s3".
    const bridged = {
      Records: [{ eventSource: 'aws.s3', eventName: 'ObjectCreated', s3: { bucket: { name: bucket }, object: { key, eTag: 'other' } }, userIdentity: { principalId: '123456789012' } }],
    } as unknown as Parameters<typeof handler>[0];
    const out = await handler(bridged);
    expect(out.reports[0]).toMatchObject({ key, skipped: false });
  });

  it('ignores objects outside usage/ (its own reports, for one)', async () => {
    const out = await handler(await upload('reports/usage/x.csv.report.json', '{}'));
    expect(out.reports[0]!.skipped).toBe(true);
  });
});
