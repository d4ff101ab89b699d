/** The scheduled lifecycle Lambda with its EventBridge Scheduler input, against DynamoDB Local. */
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { LOCAL_AWS } from '../../scripts/lib/dynamodb-local';
import { ContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { DirectoryRepository } from '../../shared/adapters/dynamodb/directory-repository';
import { fixedClock } from '../../shared/domain/kernel/clock';
import { DEFAULT_APPROVAL_THRESHOLDS } from '../../shared/domain/contracts/approval-policy';
import { createContract } from '../../shared/domain/contracts/create-contract';
import { submitVersion } from '../../shared/domain/contracts/submit-version';
import { approveVersion } from '../../shared/domain/contracts/approve-version';
import type { AutoRenew } from '../../shared/domain/contracts/model';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { documentClient, freshBucket, freshTable, s3Client } from '../support/aws';

let handler: (event: unknown) => Promise<{ examined: number; renewed: string[]; expired: string[]; terminated: string[]; failed: unknown[] }>;
let contracts: ContractRepository;
let directory: DirectoryRepository;
const clock = fixedClock('2027-01-05T12:00:00Z');
let seq = 0;
let archiveBucket: string;

async function active(timezone: string, endDate: string, autoRenew: AutoRenew | false): Promise<string> {
  const { contract } = await createContract({ store: contracts, advertisers: directory, clock, newId: () => `job-${++seq}` }, {
    advertiserId: 'adv', name: 'n', currency: 'USD', timezone, startDate: '2027-01-01', endDate, rounding: 'HALF_EVEN', autoRenew,
    terms: { charges: [{ id: 'c', kind: 'CPM', pricing: { model: 'FLAT', rate: '1' } }], minimumCommitment: null, budgetCap: null, agencyCommissionPct: null, partners: [] },
  }, 'olga');
  await submitVersion({ store: contracts, clock, thresholds: DEFAULT_APPROVAL_THRESHOLDS }, { contractId: contract.id, number: 1 }, 'olga');
  await approveVersion({ store: contracts, clock }, { contractId: contract.id, number: 1, comment: null }, { sub: 'april', roles: ['approver'] });
  return contract.id;
}

beforeAll(async () => {
  const table = await freshTable();
  archiveBucket = await freshBucket();
  Object.assign(process.env, {
    TABLE_NAME: table, DYNAMODB_ENDPOINT: inject('dynamoEndpoint'), S3_ENDPOINT: inject('s3Endpoint'), AUDIT_ARCHIVE_BUCKET: archiveBucket, AWS_REGION: LOCAL_AWS.region, POWERTOOLS_LOG_LEVEL: 'SILENT' });
  handler = (await import('../../functions/lifecycle/handler')).handler as typeof handler;
  contracts = new ContractRepository(documentClient(), table);
  directory = new DirectoryRepository(documentClient(), table);
  await directory.createAdvertiser({ id: 'adv', name: 'a', currency: 'USD', timezone: 'UTC', createdBy: 'x', createdAt: '', updatedAt: '', actor: 'x', version: 1 });
});

describe('daily lifecycle Lambda', () => {
  it('judges each contract on its local day at the scheduled time, once', async () => {
    const utc = await active('UTC', '2027-06-30', false);
    // At 2027-07-01T02:00Z it is still June 30 in New York: not expired yet.
    const newYork = await active('America/New_York', '2027-06-30', false);
    const renewing = await active('UTC', '2027-07-20', { termMonths: 6, noticeDays: 20 });

    const report = await handler({ job: 'daily-lifecycle', scheduledTime: '2027-07-01T02:00:00Z' });
    expect(report).toMatchObject({ examined: 3, expired: [utc], renewed: [renewing], terminated: [], failed: [] });
    expect((await contracts.get(utc))!.contract).toMatchObject({ status: 'EXPIRED', actor: 'system:lifecycle' });
    expect((await contracts.get(newYork))!.contract.status).toBe('ACTIVE');
    expect((await contracts.get(renewing))!.contract.endDate).toBe('2028-01-20');

    const again = await handler({ job: 'daily-lifecycle', scheduledTime: '2027-07-01T02:00:00Z' });
    expect(again).toMatchObject({ examined: 2, expired: [], renewed: [] });

    const catchUp = await handler({ date: '2027-07-01' });
    expect(catchUp.expired).toEqual([newYork]);
  });

  it("archives the day's audit chain digest", async () => {
    await handler({ job: 'daily-lifecycle', scheduledTime: '2027-08-02T02:00:00Z' });
    const object = await s3Client().send(new GetObjectCommand({ Bucket: archiveBucket, Key: 'digests/2027-08-02.json' }));
    const digest = JSON.parse(await object.Body!.transformToString());
    expect(digest).toMatchObject({ date: '2027-08-02' });
    expect(digest.chainsHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects a malformed schedule input loudly', async () => {
    await expect(handler({ scheduledTime: 'yesterday' })).rejects.toThrow(/invalid lifecycle event/);
  });
});
