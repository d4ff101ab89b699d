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
import type { LifecycleReport } from '../../shared/domain/contracts/run-daily-lifecycle';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { documentClient, freshBucket, freshTable, s3Client } from '../support/aws';
import { dynamoEndpoint } from '../support/endpoints';

let handler: (event: unknown) => Promise<LifecycleReport>;
let contracts: ContractRepository;
let directory: DirectoryRepository;
const clock = fixedClock('2027-01-05T12:00:00Z');
let seq = 0;
let archiveBucket: string;

async function active(timezone: string, endDate: string, autoRenew: AutoRenew | false, minimum: string | null = null, startDate = '2027-01-01'): Promise<string> {
  const { contract } = await createContract({ store: contracts, advertisers: directory, clock, newId: () => `job-${++seq}` }, {
    advertiserId: 'adv', name: 'n', currency: 'USD', timezone, startDate, endDate, rounding: 'HALF_EVEN', autoRenew,
    terms: {
      charges: [{ id: 'c', kind: 'CPM', pricing: { model: 'FLAT', rate: '1' } }],
      minimumCommitment: minimum ? { amount: minimum, prorate: false } : null, budgetCap: null, agencyCommissionPct: null, partners: [],
    },
  }, 'olga');
  await submitVersion({ store: contracts, clock, thresholds: DEFAULT_APPROVAL_THRESHOLDS }, { contractId: contract.id, number: 1 }, 'olga');
  await approveVersion({ store: contracts, clock }, { contractId: contract.id, number: 1, comment: null }, { sub: 'april', roles: ['approver'] });
  return contract.id;
}

beforeAll(async () => {
  const table = await freshTable();
  archiveBucket = await freshBucket();
  Object.assign(process.env, {
    TABLE_NAME: table, DYNAMODB_ENDPOINT: dynamoEndpoint(), S3_ENDPOINT: inject('s3Endpoint'), AUDIT_ARCHIVE_BUCKET: archiveBucket, AWS_REGION: LOCAL_AWS.region, POWERTOOLS_LOG_LEVEL: 'SILENT' });
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
    expect(report).toMatchObject({ examined: 3, expired: [utc], terminated: [], failed: [] });
    expect(report.renewalsSubmitted).toEqual([{ contractId: renewing, version: 2, committedValue: '0', approvals: 1 }]);
    expect((await contracts.get(utc))!.contract).toMatchObject({ status: 'EXPIRED', actor: 'system:lifecycle' });
    expect((await contracts.get(newYork))!.contract.status).toBe('ACTIVE');
    // Submitted for approval, not extended yet.
    expect((await contracts.get(renewing))!.contract.endDate).toBe('2027-07-20');
    expect((await contracts.get(renewing))!.versions[1]).toMatchObject({ kind: 'RENEWAL', status: 'PENDING_APPROVAL', renewal: { newEndDate: '2028-01-20' } });

    const again = await handler({ job: 'daily-lifecycle', scheduledTime: '2027-07-01T02:00:00Z' });
    expect(again).toMatchObject({ examined: 2, expired: [], renewalsSubmitted: [], awaitingRenewalApproval: [renewing] });
    await approveVersion({ store: contracts, clock }, { contractId: renewing, number: 2, comment: null }, { sub: 'april', roles: ['approver'] });
    expect((await contracts.get(renewing))!.contract.endDate).toBe('2028-01-20');

    const catchUp = await handler({ date: '2027-07-01' });
    expect(catchUp.expired).toEqual([newYork]);
  });

  it('submits a long auto-renewal of a small contract for the approval its whole renewal term needs', async () => {
    // One month at a 1,000.00 minimum (one approval), renewing for 120 months: 120,000.00.
    const small = await active('UTC', '2027-09-30', { termMonths: 120, noticeDays: 5 }, '1000.00', '2027-09-01');
    const report = await handler({ job: 'daily-lifecycle', scheduledTime: '2027-09-25T03:00:00Z' });
    expect(report.renewalsSubmitted).toEqual([{ contractId: small, version: 2, committedValue: '120000', approvals: 2 }]);
    const renewal = (await contracts.get(small))!.versions[1]!;
    expect(renewal).toMatchObject({ status: 'PENDING_APPROVAL', requirement: { financeRequired: true, threshold: '100000.00' } });
    // One approver does not renew it; a second, from finance, does.
    await approveVersion({ store: contracts, clock }, { contractId: small, number: 2, comment: null }, { sub: 'april', roles: ['approver'] });
    expect((await contracts.get(small))!.contract.endDate).toBe('2027-09-30');
    await approveVersion({ store: contracts, clock }, { contractId: small, number: 2, comment: null }, { sub: 'fiona', roles: ['finance'] });
    expect((await contracts.get(small))!.contract.endDate).toBe('2037-09-30');
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
