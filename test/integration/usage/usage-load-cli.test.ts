/**
 * `npm run usage:load` end to end, as a separate process against "a running stack": the suite's
 * DynamoDB Local and s3rver, described by a state file like the one `npm start` writes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ContractRepository } from '../../../shared/adapters/dynamodb/contract-repository';
import { DirectoryRepository } from '../../../shared/adapters/dynamodb/directory-repository';
import { DynamoUsageRepository } from '../../../shared/adapters/dynamodb/usage-repository';
import { createContract } from '../../../shared/domain/contracts/create-contract';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import type { StackState } from '../../../scripts/lib/stack-state';
import { documentClient, freshBucket, freshTable, s3Client } from '../../support/aws';
import { dynamoEndpoint } from '../../support/endpoints';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'usage-load-'));
const stateFile = join(dir, 'stack.json');
let table: string;
let bucket: string;
let contractId: string;

beforeAll(async () => {
  [table, bucket] = await Promise.all([freshTable(), freshBucket()]);
  const client = documentClient();
  const aggregate = await createContract(
    {
      store: new ContractRepository(client, table),
      advertisers: { getAdvertiser: async (id) => ({ id, name: 'Acme', currency: 'USD', timezone: 'UTC', createdBy: 'x', createdAt: '', updatedAt: '', actor: 'x', version: 1 }) },
      clock: fixedClock('2026-12-01T00:00:00Z'),
      newId: () => 'ctr_cli',
    },
    {
      advertiserId: 'adv_1',
      name: 'CLI',
      currency: 'USD',
      timezone: 'UTC',
      startDate: '2027-01-01',
      endDate: '2027-12-31',
      rounding: 'HALF_EVEN',
      autoRenew: false,
      terms: {
        charges: [{ id: 'ctv-premium', kind: 'CPM', pricing: { model: 'FLAT', rate: '12.50' }, billableSource: 'FIRST_PARTY' }],
        minimumCommitment: null,
        budgetCap: null,
        agencyCommissionPct: null,
        partners: [],
      },
    },
    'olivia',
  );
  contractId = aggregate.contract.id;
  const at = '2026-12-01T00:00:00.000Z';
  await new DirectoryRepository(client, table).createPartner({ id: 'pub-1', name: 'Pub One', createdBy: 'olivia', createdAt: at, updatedAt: at, actor: 'olivia', version: 1 });
  const state: StackState = {
    pid: process.pid,
    apiUrl: 'http://127.0.0.1:1',
    tableName: table,
    buckets: { exports: bucket, usage: bucket, auditArchive: bucket },
    endpoints: { dynamodb: dynamoEndpoint(), s3: inject('s3Endpoint') },
    startedAt: new Date().toISOString(),
  };
  writeFileSync(stateFile, JSON.stringify(state));
});

const cli = (...args: string[]) =>
  run(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'scripts', 'usage-load.ts'), ...args], {
    cwd: root,
    env: { ...process.env, LOCAL_STACK_STATE_FILE: stateFile, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  }).then(
    (out) => ({ code: 0, stdout: out.stdout, stderr: out.stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

describe('npm run usage:load', () => {
  it('uploads the file, runs the handler on its S3 event, prints the report and exits 2 for rejected rows', async () => {
    const file = join(dir, 'january.csv');
    writeFileSync(file, 'date,chargeId,count,source\n2027-01-01,ctv-premium,100,FIRST_PARTY\n2027-01-02,ctv-premium,-5,FIRST_PARTY\n');
    const out = await cli(file, '--contract', contractId);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(2);
    expect(out.stdout).toContain('COMPLETED: 2 rows, 1 accepted, 0 duplicates, 1 rejected');
    expect(out.stdout).toContain('line 3: count:');
    expect(out.stdout).toContain(`report: s3://${bucket}/reports/usage/${contractId}/impressions/january.csv.report.json`);

    const usage = await new DynamoUsageRepository(documentClient(), table).loadPeriodUsage(contractId, '2027-01');
    expect(usage.impressions.map((r) => [r.date, r.count])).toEqual([['2027-01-01', 100]]);
    // The object is byte for byte the file (no upload checksum trailer folded into it).
    const object = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: `usage/${contractId}/impressions/january.csv` }));
    expect(await object.Body!.transformToString()).toMatch(/^date,chargeId,count,source\n/);
  });

  it('prints each row naming a partner the directory lacks, stores the others and exits 2', async () => {
    const file = join(dir, 'partners-impressions.csv');
    writeFileSync(file, 'date,chargeId,count,source,partnerId\n2027-03-01,ctv-premium,10,FIRST_PARTY,pub-1\n2027-03-02,ctv-premium,20,FIRST_PARTY,ghost\n2027-03-03,ctv-premium,30,FIRST_PARTY,\n');
    const out = await cli(file, '--contract', contractId);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(2);
    expect(out.stdout).toContain('COMPLETED: 3 rows, 2 accepted, 0 duplicates, 1 rejected');
    expect(out.stdout).toContain('line 3: partnerId: no partner "ghost" in the directory');
    const usage = await new DynamoUsageRepository(documentClient(), table).loadPeriodUsage(contractId, '2027-03');
    expect(usage.impressions.map((r) => [r.date, r.partnerId])).toEqual([['2027-03-01', 'pub-1'], ['2027-03-03', null]]);
  });

  it('tells the kind from the content and exits 0 when every row is stored', async () => {
    const file = join(dir, 'feed.ndjson');
    writeFileSync(file, `${JSON.stringify({ date: '2027-02-01', chargeId: 'ctv-premium', count: 7, source: 'THIRD_PARTY' })}\n`);
    const out = await cli(file, '--contract', contractId);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`usage/${contractId}/impressions/feed.ndjson`);
  });

  it('refuses to run without a running stack', async () => {
    const out = await run(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'scripts', 'usage-load.ts'), 'x.csv', '--contract', 'c', '--kind', 'impressions'], {
      cwd: root,
      env: { ...process.env, LOCAL_STACK_STATE_FILE: join(dir, 'missing.json') },
    }).catch((error: { code: number; stderr: string }) => error);
    expect((out as { code: number }).code).toBe(1);
    expect((out as { stderr: string }).stderr).toContain('start it with "npm start" first');
  });
});
