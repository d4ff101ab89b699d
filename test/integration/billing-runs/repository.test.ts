import { beforeEach, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { BillingRunRepository, MIN_PROGRESS_COUNTERS, progressCountersOf, progressShardOf } from '../../../shared/adapters/dynamodb/billing-run-repository';
import { queryAll } from '../../../shared/adapters/dynamodb/query-all';
import { keys } from '../../../shared/adapters/dynamodb/table';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import { ConflictError } from '../../../shared/domain/kernel/errors';
import { RunStatus } from '../../../shared/domain/billing-runs/run';
import { documentClient, freshTable } from '../../support/aws';

describe('BillingRunRepository on DynamoDB Local', () => {
  const client = documentClient();
  const clock = fixedClock('2027-02-03T03:00:00Z');
  let repo: BillingRunRepository;
  let table: string;

  beforeEach(async () => {
    table = await freshTable();
    repo = new BillingRunRepository(client, table, clock);
  });

  it('starts a run RUNNING with runSeq 1 and refuses a second start of the period with a conflict', async () => {
    const run = await repo.startRun('2027-01', null, 'fin-1');
    expect(run).toMatchObject({ period: '2027-01', runSeq: 1, status: RunStatus.RUNNING, progress: { done: 0, total: 0 }, startedAt: '2027-02-03T03:00:00.000Z' });
    await expect(repo.startRun('2027-01', null, 'fin-2')).rejects.toMatchObject({ kind: 'CONFLICT', code: 'billing_run_in_progress' });
    // Another period is independent.
    await expect(repo.startRun('2027-02', null, 'fin-1')).resolves.toMatchObject({ runSeq: 1 });
    const stored = await client.send(new GetCommand({ TableName: table, Key: keys.billingRun(run.id) }));
    expect(stored.Item).toMatchObject({ entityType: 'billingRun', aggregate: `billingRun#${run.id}`, actor: 'fin-1', version: 1 });
  });

  it('lets exactly one of many concurrent starts of a period win', async () => {
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => repo.startRun('2027-03', null, `fin-${i}`)));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    expect((await repo.readLock('2027-03')).lastRunSeq).toBe(1);
  });

  it('counts each contract once, however often it is recorded, and lists the invoices', async () => {
    const run = await repo.startRun('2027-01', null, 'fin-1');
    await repo.setPlanned(run.id, 2);
    const a = { contractId: 'c-a', invoiceId: 'inv-a', currency: 'USD', total: '10.00' };
    expect(await repo.recordContractDone(run.id, a)).toBe(true);
    expect(await repo.recordContractDone(run.id, a)).toBe(false);
    await Promise.all([1, 2, 3].map(() => repo.recordContractDone(run.id, { ...a, contractId: 'c-b', invoiceId: 'inv-b' })));
    expect((await repo.requireRun(run.id)).progress).toEqual({ done: 2, total: 2 });
    expect((await repo.listRunInvoices(run.id)).map((i) => i.invoiceId)).toEqual(['inv-a', 'inv-b']);
  });

  it('counts contracts on sharded counters without writing the run item, and keeps the count of the records when the run ends', async () => {
    const run = await repo.startRun('2027-02', null, 'fin-1');
    await repo.setPlanned(run.id, 200);
    const before = (await client.send(new GetCommand({ TableName: table, Key: keys.billingRun(run.id), ConsistentRead: true }))).Item!;
    // 200 contracts recorded at once, each twice: the first recording of each counts.
    const results = await Promise.all(
      Array.from({ length: 400 }, (_, i) => repo.recordContractDone(run.id, { contractId: `c-${i % 200}`, invoiceId: `inv-${i % 200}`, currency: 'USD', total: '1.00' })),
    );
    expect(results.filter(Boolean)).toHaveLength(200);
    const after = (await client.send(new GetCommand({ TableName: table, Key: keys.billingRun(run.id), ConsistentRead: true }))).Item!;
    expect(after.version).toBe(before.version);
    expect((await repo.requireRun(run.id)).progress).toEqual({ done: 200, total: 200 });
    // The counters: at most MIN_PROGRESS_COUNTERS items for 200 contracts, each holding part of the count.
    const counters = await queryAll<{ done: number }>(client, table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.billingRun(run.id).pk, ':prefix': keys.billingRunProgressPrefix },
    });
    expect(counters.length).toBeGreaterThan(1);
    expect(counters.length).toBeLessThanOrEqual(MIN_PROGRESS_COUNTERS);
    expect(counters.reduce((sum, c) => sum + c.done, 0)).toBe(200);
    expect(Math.max(...counters.map((c) => c.done))).toBeLessThan(200);
    // A crash between a record and its counter leaves the counters one short; the count
    // Summarize takes from the records is the one that stays.
    await client.send(new PutCommand({ TableName: table, Item: { ...keys.billingRunContract(run.id, 'c-crashed'), entityType: 'billingRunContract', runId: run.id, contractId: 'c-crashed', invoiceId: 'inv-crashed', currency: 'USD', total: '1.00' } }));
    expect((await repo.requireRun(run.id)).progress.done).toBe(200);
    await repo.recordTotals(run.id, [{ currency: 'USD', total: '201.00', invoices: 201 }], (await repo.listRunInvoices(run.id)).length);
    expect((await repo.requireRun(run.id)).progress.done).toBe(201);
    // Finished, the run item carries the count; a contract recorded later is refused.
    await repo.completeRun(run.id, 0);
    const ended = (await client.send(new GetCommand({ TableName: table, Key: keys.billingRun(run.id), ConsistentRead: true }))).Item!;
    expect(ended.progress).toEqual({ done: 201, total: 200 });
    expect((await repo.listRuns('2027-02'))[0]!.progress).toEqual({ done: 201, total: 200 });
    await expect(repo.recordContractDone(run.id, { contractId: 'c-late', invoiceId: 'inv-late', currency: 'USD', total: '1.00' })).rejects.toMatchObject({ code: 'billing_run_not_running' });
  });

  it('spreads contract ids over every counter, one counter per 1,000 planned contracts beyond 16', () => {
    const used = new Set(Array.from({ length: 1000 }, (_, i) => progressShardOf(`ctr_${i.toString(16).padStart(8, '0')}`, 1000)));
    expect(used.size).toBe(MIN_PROGRESS_COUNTERS);
    expect([0, 1, 16_000, 16_001, 20_000, 1_000_000].map(progressCountersOf)).toEqual([16, 16, 16, 17, 20, 1000]);
    // 20,000 contracts over their 20 counters: none takes far more than its 1,000.
    const perCounter = new Map<number, number>();
    for (let i = 0; i < 20_000; i++) {
      const shard = progressShardOf(`ctr_${i.toString(16).padStart(8, '0')}`, 20_000);
      perCounter.set(shard, (perCounter.get(shard) ?? 0) + 1);
    }
    expect(perCounter.size).toBe(20);
    expect(Math.max(...perCounter.values())).toBeLessThan(1_200);
  });

  it('completes a run, releases the period, and numbers the re-run 2', async () => {
    const first = await repo.startRun('2027-01', null, 'fin-1');
    await repo.recordTotals(first.id, [{ currency: 'USD', total: '10.00', invoices: 1 }], 1);
    const done = await repo.completeRun(first.id, 0);
    expect(done).toMatchObject({ status: RunStatus.SUCCEEDED, endedAt: '2027-02-03T03:00:00.000Z', totals: [{ currency: 'USD', total: '10.00', invoices: 1 }] });
    expect(await repo.completeRun(first.id, 0)).toMatchObject({ status: RunStatus.SUCCEEDED });
    await expect(repo.failRun(first.id, 'late')).rejects.toMatchObject({ code: 'illegal_run_transition' });
    const second = await repo.startRun('2027-01', ['c-a'], 'fin-2');
    expect(second).toMatchObject({ runSeq: 2, contractIds: ['c-a'] });
    expect((await repo.listRuns('2027-01')).map((r) => r.runSeq)).toEqual([1, 2]);
  });

  it('completes with errors when contracts failed; a retry takes the run and its period again, once, and keeps who started the run', async () => {
    const run = await repo.startRun('2027-03', null, 'fin-1');
    await repo.setPlanned(run.id, 2);
    await repo.recordContractDone(run.id, { contractId: 'c-a', invoiceId: 'inv-a', currency: 'USD', total: '1.00' });
    await repo.recordContractFailure(run.id, 'c-b', 'Error: refused');
    const ended = await repo.completeRun(run.id, 1);
    expect(ended).toMatchObject({ status: RunStatus.COMPLETED_WITH_ERRORS, retries: 0, actor: 'fin-1' });
    expect((await repo.readLock('2027-03')).runningRunId).toBeNull();
    expect(await repo.listContractFailures(run.id)).toEqual([{ contractId: 'c-b', reason: 'Error: refused' }]);

    const retried = await repo.beginRetry(ended, 1, 'fin-2');
    expect(retried).toMatchObject({ status: RunStatus.RUNNING, retries: 1, endedAt: null, actor: 'fin-1' });
    const stored = await client.send(new GetCommand({ TableName: table, Key: keys.billingRun(run.id) }));
    expect(stored.Item).toMatchObject({ actor: 'fin-2', startedBy: 'fin-1' });
    expect((await repo.readLock('2027-03')).runningRunId).toBe(run.id);
    // A second request decided on the same read: refused, nothing changes.
    await expect(repo.beginRetry(ended, 1, 'fin-3')).rejects.toMatchObject({ code: 'concurrent_update' });
    await expect(repo.startRun('2027-03', null, 'fin-1')).rejects.toMatchObject({ code: 'billing_run_in_progress' });

    await repo.recordContractDone(run.id, { contractId: 'c-b', invoiceId: 'inv-b', currency: 'USD', total: '2.00' });
    expect(await repo.listContractFailures(run.id)).toEqual([]);
    expect(await repo.completeRun(run.id, 0)).toMatchObject({ status: RunStatus.SUCCEEDED, progress: { done: 2, total: 2 }, retries: 1 });
  });

  it('fails a run with its reason, releases the period and refuses later progress', async () => {
    const run = await repo.startRun('2027-01', null, 'fin-1');
    const failed = await repo.failRun(run.id, 'RateContract: boom');
    expect(failed).toMatchObject({ status: RunStatus.FAILED, failureReason: 'RateContract: boom' });
    expect((await repo.readLock('2027-01')).runningRunId).toBeNull();
    await expect(repo.recordContractDone(run.id, { contractId: 'c', invoiceId: 'i', currency: 'USD', total: '1.00' })).rejects.toMatchObject({
      code: 'billing_run_not_running',
    });
    await expect(repo.startRun('2027-01', null, 'fin-1')).resolves.toMatchObject({ runSeq: 2 });
  });
});

describe('contract failures of a run', () => {
  it('keeps the latest failure of a contract until the contract is done', async () => {
    const client = documentClient();
    const repo = new BillingRunRepository(client, await freshTable(), fixedClock('2027-02-03T03:00:00Z'));
    const run = await repo.startRun('2027-01', null, 'fin-1');
    await repo.recordContractFailure(run.id, 'c-a', 'ThrottlingException: slow down');
    await repo.recordContractFailure(run.id, 'c-a', 'ProvisionedThroughputExceededException: again');
    await repo.recordContractFailure(run.id, 'c-b', 'NotFoundError: contract c-b not found');
    expect(await repo.listContractFailures(run.id)).toEqual([
      { contractId: 'c-a', reason: 'ProvisionedThroughputExceededException: again' },
      { contractId: 'c-b', reason: 'NotFoundError: contract c-b not found' },
    ]);
    await repo.recordContractDone(run.id, { contractId: 'c-a', invoiceId: 'inv-a', currency: 'USD', total: '1.00' });
    expect(await repo.listContractFailures(run.id)).toEqual([{ contractId: 'c-b', reason: 'NotFoundError: contract c-b not found' }]);
    expect(await repo.listRunInvoices(run.id)).toHaveLength(1);
  });
});
