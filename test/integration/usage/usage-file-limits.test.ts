/**
 * Usage files that try to exhaust the ingester: a line far over the line limit and a real gzip
 * bomb (a small object that inflates to gigabytes). Each is rejected with a report, memory stays
 * bounded, and the good rows around an oversize line are stored.
 */
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUsageFileHandler, type UsageFileDeps } from '../../../functions/usage-file/handler';
import { DirectoryRepository } from '../../../shared/adapters/dynamodb/directory-repository';
import { DynamoUsageRepository } from '../../../shared/adapters/dynamodb/usage-repository';
import { UsageFileStore } from '../../../shared/adapters/s3/usage-files';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import { MAX_FILE_BYTES, MAX_LINE_BYTES, type UsageFileReport } from '../../../shared/domain/usage/file-format';
import { objectCreatedEvent } from '../../../scripts/lib/s3-event';
import { documentClient, freshBucket, freshTable, s3Client } from '../../support/aws';
import { usageContract } from '../../unit/usage/fixtures';

const s3 = s3Client();
let bucket: string;
let handler: ReturnType<typeof createUsageFileHandler>;
const contract = usageContract({ id: 'limits-c1' });

beforeAll(async () => {
  const [table, b] = await Promise.all([freshTable(), freshBucket(s3)]);
  bucket = b;
  const deps: UsageFileDeps = {
    // The production limits: 64 KiB per line, 1 GiB decompressed.
    files: (name) => new UsageFileStore(s3, name),
    store: new DynamoUsageRepository(documentClient(), table),
    contracts: async (id) => (id === contract.id ? contract : null),
    partners: new DirectoryRepository(documentClient(), table),
    clock: fixedClock('2027-02-02T12:00:00.000Z'),
  };
  handler = createUsageFileHandler(() => deps);
});

async function ingest(key: string, body: Buffer | string): Promise<UsageFileReport> {
  const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  await handler(objectCreatedEvent({ bucket, key, eTag: put.ETag!, size: Buffer.byteLength(body), principalId: 'loader' }));
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `reports/${key}.report.json` }));
  return JSON.parse(await object.Body!.transformToString()) as UsageFileReport;
}

describe('usage file limits', () => {
  it('an oversize line is one rejected row; the rows around it are stored', async () => {
    const huge = `2027-01-02,${'x'.repeat(MAX_LINE_BYTES * 4)},5,FIRST_PARTY,`;
    const csv = ['date,chargeId,count,source,partnerId', '2027-01-01,ctv-premium,100,FIRST_PARTY,', huge, '2027-01-03,ctv-premium,300,FIRST_PARTY,'].join('\n');
    const report = await ingest(`usage/${contract.id}/impressions/long-line.csv.gz`, gzipSync(csv));
    expect(report).toMatchObject({ status: 'COMPLETED', rows: 3, accepted: 2, rejected: 1 });
    expect(report.errors).toEqual([{ line: 3, errors: [{ path: '', message: `the line is longer than ${MAX_LINE_BYTES} bytes` }] }]);
  });

  it('a gzip bomb (a few MB inflating past the 1 GiB limit, one endless line) is rejected with a FAILED report, not an out-of-memory crash', { timeout: 120_000 }, async () => {
    // 64 MiB of zeros gzip to ~64 KB; the member repeated 20 times is a ~1.3 MB object that
    // inflates to 1.25 GiB (gunzip reads concatenated members as one stream).
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const bomb = Buffer.concat([gzipSync('{"date":"2027-01-01","chargeId":"ctv-premium","count":7,"source":"FIRST_PARTY"}\n'), ...Array(20).fill(member)]);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const heapBefore = process.memoryUsage().heapUsed;
    const report = await ingest(`usage/${contract.id}/impressions/bomb.ndjson.gz`, bomb);
    expect(report.status).toBe('FAILED');
    expect(report.failure).toEqual({ code: 'file_too_large', message: `the file holds more than ${MAX_FILE_BYTES} bytes once decompressed; split it into smaller files` });
    // The good row before the bomb was stored and counted; the endless zero line was never held.
    expect(report).toMatchObject({ accepted: 1 });
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * 1024 * 1024);
  });
});
