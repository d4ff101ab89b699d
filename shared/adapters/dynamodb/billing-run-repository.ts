/**
 * Billing runs on the one table.
 *
 * Items:
 * - the run (`keys.billingRun`), listed by period on gsi2, audited as `billingRun#<id>`;
 * - the period lock (`keys.billingPeriodLock`): the period's last run number and the run
 *   currently holding it. Starting a run takes the lock and writes the run in ONE transaction,
 *   so two starts of a period can never both succeed; completing or failing releases it;
 * - one record per contract rated (`keys.billingRunContract`), written on the condition that it
 *   does not exist yet, so a re-executed Map item records once; then one of the run's progress
 *   counters (`keys.billingRunProgress`, the contract's shard) is incremented. The run's invoice
 *   list is read from these records (a run of many thousand contracts would not fit one 400 KB
 *   item).
 *
 * Why counters beside the run item: every contract done once updated the run item itself in
 * its transaction, one item taking a transactional write per contract (~1,000 WRU/s at 500
 * contracts/s, the most one item can take, and concurrent transactions on one item conflict)
 * and an audit entry per contract on the run's chain. Now the run item is written when the run
 * starts, is planned, totalled, retried and finished; the counters take plain increments
 * (UpdateItem ADD, outside any transaction, so they never conflict): 16 of them, or one per
 * 1,000 planned contracts when there are more, so none takes more than about 1,000 writes in a
 * run whatever its size. The counters are for progress while the run runs; the count that stays is the
 * records' own, taken by Summarize (`recordTotals`), so an increment lost to a crash between
 * the record and its counter never reaches the finished run. Counters are not audited.
 */
import { randomBytes } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../domain/kernel/clock';
import { ConflictError, NotFoundError } from '../../domain/kernel/errors';
import {
  assertCanStart,
  assertTransition,
  boundedReason,
  completionStatus,
  newRun,
  nextRunSeq,
  RunAlreadyRunningError,
  runIdOf,
  RunStatus,
  type BillingRun,
  type ContractFailure,
  type PeriodLock,
  type RunInvoice,
  type RunTotal,
} from '../../domain/billing-runs/run';
import type { RunFinalization } from '../../domain/billing-runs/finalize-run';
import { queryAll } from './query-all';
import { keys, INDEXES, shardOf } from './table';

/** Counters of a run: at least 16, so at ~500 contracts/s each takes ~30 increments/s, far below one item's limit. */
export const MIN_PROGRESS_COUNTERS = 16;
/** ...and one per this many planned contracts, so no counter takes more than about this many writes in a run. */
export const CONTRACTS_PER_COUNTER = 1_000;

export const progressCountersOf = (planned: number): number => Math.max(MIN_PROGRESS_COUNTERS, Math.ceil(planned / CONTRACTS_PER_COUNTER));

/** The contract's counter: a stable hash of its id, so a contract always counts on the same one. */
export const progressShardOf = (contractId: string, planned: number): number => shardOf(contractId, progressCountersOf(planned));

export const BILLING_RUN_ENTITY = 'billingRun';
const aggregateOf = (runId: string) => `billingRun#${runId}`;

interface RunItem extends BillingRun {
  /** `actor` names whoever changed the run last (the audit log reads it); this the starter. */
  startedBy?: string;
  failureCount?: number;
  pk: string;
  sk: string;
  entityType: typeof BILLING_RUN_ENTITY;
  aggregate: string;
  updatedAt: string;
}

export interface BillingRunRepositoryOptions {
  /** Unique part of new run ids; random by default, fixed in tests that need known ids. */
  newIdSuffix?: () => string;
}

export class BillingRunRepository {
  private readonly newIdSuffix: () => string;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
    options: BillingRunRepositoryOptions = {},
  ) {
    this.newIdSuffix = options.newIdSuffix ?? (() => randomBytes(5).toString('hex'));
  }

  async readLock(period: string): Promise<PeriodLock> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.billingPeriodLock(period), ConsistentRead: true }),
    );
    return {
      period,
      lastRunSeq: typeof Item?.lastRunSeq === 'number' ? Item.lastRunSeq : 0,
      runningRunId: typeof Item?.runningRunId === 'string' ? Item.runningRunId : null,
    };
  }

  /**
   * Takes the period and creates its next run, RUNNING, in one transaction. The lock's
   * condition re-checks what was read (no run holding the period, the same last run number),
   * so a concurrent start of the same period makes this one fail with a 409, never a second run.
   */
  async startRun(period: string, contractIds: string[] | null, actor: string): Promise<BillingRun> {
    const lock = await this.readLock(period);
    assertCanStart(lock);
    const runSeq = nextRunSeq(lock);
    const now = this.clock.now().toISOString();
    const run = newRun({ id: runIdOf(period, runSeq, this.newIdSuffix()), period, runSeq, contractIds, startedAt: now, actor });
    const item: RunItem = {
      ...keys.billingRun(run.id),
      ...keys.billingRunByPeriod(period, runSeq, run.id),
      entityType: BILLING_RUN_ENTITY,
      aggregate: aggregateOf(run.id),
      ...run,
      startedBy: actor,
      updatedAt: now,
    };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.billingPeriodLock(period),
                UpdateExpression: 'SET runningRunId = :runId, lastRunSeq = :runSeq, period = :period, updatedAt = :now',
                ConditionExpression:
                  'attribute_not_exists(runningRunId) AND (attribute_not_exists(lastRunSeq) OR lastRunSeq = :previousSeq)',
                ExpressionAttributeValues: { ':runId': run.id, ':runSeq': runSeq, ':previousSeq': lock.lastRunSeq, ':period': period, ':now': now },
              },
            },
            {
              Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' },
            },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      // Someone else started a run of the period between the read and the write.
      const current = await this.readLock(period);
      if (current.runningRunId) throw new RunAlreadyRunningError(period, current.runningRunId);
      throw new ConflictError(`another billing run of period ${period} was started at the same time`, 'billing_run_in_progress', { cause: error });
    }
    return run;
  }

  async getRun(runId: string): Promise<BillingRun | null> {
    const [{ Item }, counted] = await Promise.all([
      this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.billingRun(runId), ConsistentRead: true })),
      this.countDone(runId),
    ]);
    return Item ? toRun(Item as RunItem, counted) : null;
  }

  /** Contracts done so far: the sum of the run's progress counters. */
  private async countDone(runId: string): Promise<number> {
    const counters = await queryAll<{ done?: number }>(this.client, this.tableName, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.billingRun(runId).pk, ':prefix': keys.billingRunProgressPrefix },
      ConsistentRead: true,
    });
    return counters.reduce((sum, c) => sum + (c.done ?? 0), 0);
  }

  async requireRun(runId: string): Promise<BillingRun> {
    const run = await this.getRun(runId);
    if (!run) throw new NotFoundError('billing run', runId);
    return run;
  }

  /** Runs of a period in run order (gsi2 is eventually consistent: a run just started may lag). */
  async listRuns(period: string): Promise<BillingRun[]> {
    const items = await queryAll<RunItem>(this.client, this.tableName, {
      IndexName: INDEXES.byCollection.name,
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.billingRunsOfPeriod(period).gsi2pk },
    });
    // Only a running run's count lives in its counters; a finished run carries its final count.
    return Promise.all(items.map(async (item) => toRun(item, item.status === RunStatus.RUNNING ? await this.countDone(item.id) : 0)));
  }

  /** The plan is known: how many contracts the run will rate. Idempotent (a retried Plan writes the same total). */
  async setPlanned(runId: string, total: number): Promise<void> {
    await this.updateRunning(runId, 'SET progress.#total = :total', { '#total': 'total' }, { ':total': total });
  }

  /**
   * One contract of the run is rated and invoiced. The contract's record and its counter's
   * increment are one transaction conditioned on the record not existing: a Map item that runs
   * again (retry, redrive) changes nothing. Returns false when it was already recorded. The run
   * must be RUNNING, read first rather than checked in the transaction: a condition on the run
   * item would put it in every contract's transaction, the hot item this layout avoids.
   */
  async recordContractDone(runId: string, invoice: RunInvoice): Promise<boolean> {
    const now = this.clock.now().toISOString();
    const { Item: run } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.billingRun(runId), ConsistentRead: true, ProjectionExpression: '#status, progress', ExpressionAttributeNames: { '#status': 'status' } }),
    );
    if (!run) throw new NotFoundError('billing run', runId);
    if (run.status !== RunStatus.RUNNING) throw new ConflictError(`billing run ${runId} is ${run.status}: no contract can be recorded on it`, 'billing_run_not_running');
    try {
      // Both items are the contract's own: no other contract's transaction touches them.
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.billingRunContract(runId, invoice.contractId), entityType: 'billingRunContract', runId, ...invoice, recordedAt: now },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            // An earlier attempt's failure is history once the contract is done.
            { Delete: { TableName: this.tableName, Key: keys.billingRunContractFailure(runId, invoice.contractId) } },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [record] = error.CancellationReasons ?? [];
      if (record?.Code === 'ConditionalCheckFailed') return false;
      throw error;
    }
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.billingRunProgress(runId, progressShardOf(invoice.contractId, (run.progress as { total?: number } | undefined)?.total ?? 0)),
        UpdateExpression: 'ADD done :one SET entityType = :type, updatedAt = :now',
        ExpressionAttributeValues: { ':one': 1, ':type': 'billingRunProgress', ':now': now },
      }),
    );
    return true;
  }

  /**
   * Why a contract's step failed (the latest attempt). In AWS a failed Distributed Map reports
   * only that its failure threshold was exceeded; these records name the contracts and errors.
   */
  async recordContractFailure(runId: string, contractId: string, reason: string): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.billingRunContractFailure(runId, contractId), entityType: 'billingRunFailure', runId, contractId, reason: boundedReason(reason), at: this.clock.now().toISOString() },
      }),
    );
  }

  /** The contracts whose latest attempt failed, in contract id order: all of them, or the first `limit`. */
  async listContractFailures(runId: string, limit?: number): Promise<ContractFailure[]> {
    const query = {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.billingRun(runId).pk, ':prefix': keys.billingRunContractFailurePrefix },
      ConsistentRead: true,
    };
    const items =
      limit === undefined
        ? await queryAll<ContractFailure>(this.client, this.tableName, query)
        : ((await this.client.send(new QueryCommand({ TableName: this.tableName, ...query, Limit: limit }))).Items ?? []);
    return items.map((item) => ({ contractId: item.contractId as string, reason: item.reason as string }));
  }

  /** Where the finalization of the run's drafts stands; null before the first request. */
  async getFinalization(runId: string): Promise<RunFinalization | null> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.billingRunFinalization(runId), ConsistentRead: true }));
    if (!Item) return null;
    const { pk: _pk, sk: _sk, entityType: _type, aggregate: _aggregate, version: _version, ...finalization } = Item;
    return finalization as RunFinalization;
  }

  /** Rewrites the finalization record (audited with the run, as `billingRunFinalization`). */
  async saveFinalization(finalization: RunFinalization): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.billingRunFinalization(finalization.runId),
        UpdateExpression:
          'SET runId = :runId, #status = :status, progress = :progress, finalized = :finalized, failures = :failures, startedAt = :startedAt, updatedAt = :updatedAt, endedAt = :endedAt, actor = :actor, passes = :passes, entityType = :type, #aggregate = :aggregate ADD version :one',
        ExpressionAttributeNames: { '#status': 'status', '#aggregate': 'aggregate' },
        ExpressionAttributeValues: {
          ':runId': finalization.runId,
          ':status': finalization.status,
          ':progress': finalization.progress,
          ':finalized': finalization.finalized,
          ':failures': finalization.failures,
          ':startedAt': finalization.startedAt,
          ':updatedAt': finalization.updatedAt,
          ':endedAt': finalization.endedAt,
          ':actor': finalization.actor,
          ':passes': finalization.passes,
          ':type': 'billingRunFinalization',
          ':aggregate': aggregateOf(finalization.runId),
          ':one': 1,
        },
      }),
    );
  }

  /** What each contract of the run produced, in contract id order. */
  async listRunInvoices(runId: string): Promise<RunInvoice[]> {
    const items = await queryAll<RunInvoice>(this.client, this.tableName, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.billingRun(runId).pk, ':prefix': keys.billingRunContractPrefix },
      ConsistentRead: true,
    });
    return items.map((item) => ({ contractId: item.contractId, invoiceId: item.invoiceId, currency: item.currency, total: item.total }));
  }

  /** The run's totals and the number of contracts done as its records count them, recorded before its export is written. */
  async recordTotals(runId: string, totals: RunTotal[], done: number): Promise<void> {
    await this.updateRunning(runId, 'SET totals = :totals, progress.done = :done', {}, { ':totals': totals, ':done': done });
  }

  /**
   * RUNNING -> SUCCEEDED, or COMPLETED_WITH_ERRORS when contracts failed, and the period
   * released, together. A repeated call on a completed run is a no-op.
   */
  async completeRun(runId: string, failedContracts: number): Promise<BillingRun> {
    return this.finish(runId, completionStatus(failedContracts), null, failedContracts);
  }

  /**
   * COMPLETED_WITH_ERRORS -> RUNNING for retry `retry`, taking the period again, in one
   * transaction: the run must still be at the retry count read (so two requests start one
   * retry) and the period free with this run as its latest.
   */
  async beginRetry(run: BillingRun, retry: number, actor: string): Promise<BillingRun> {
    assertTransition(run.id, run.status, RunStatus.RUNNING);
    const now = this.clock.now().toISOString();
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.billingRun(run.id),
                UpdateExpression:
                  'SET #status = :running, retries = :retry, endedAt = :null, failureReason = :null, actor = :actor, startedBy = if_not_exists(startedBy, :startedBy), updatedAt = :now ADD version :one',
                ConditionExpression: run.retries === 0 ? '#status = :from AND (attribute_not_exists(retries) OR retries = :zero)' : '#status = :from AND retries = :previous',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':running': RunStatus.RUNNING,
                  ':from': RunStatus.COMPLETED_WITH_ERRORS,
                  ':retry': retry,
                  ...(run.retries === 0 ? { ':zero': 0 } : { ':previous': run.retries }),
                  ':null': null,
                  ':actor': actor,
                  ':startedBy': run.actor,
                  ':now': now,
                  ':one': 1,
                },
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: keys.billingPeriodLock(run.period),
                UpdateExpression: 'SET runningRunId = :runId, updatedAt = :now',
                ConditionExpression: 'attribute_not_exists(runningRunId) AND lastRunSeq = :runSeq',
                ExpressionAttributeValues: { ':runId': run.id, ':runSeq': run.runSeq, ':now': now },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      throw new ConflictError(`billing run ${run.id} or its period changed since it was read; retry`, 'concurrent_update', { cause: error });
    }
    return this.requireRun(run.id);
  }

  /** RUNNING -> FAILED with the reason, and the period released, together. Repeated calls are no-ops. */
  async failRun(runId: string, reason: string): Promise<BillingRun> {
    return this.finish(runId, RunStatus.FAILED, boundedReason(reason));
  }

  private async finish(runId: string, to: Exclude<RunStatus, typeof RunStatus.RUNNING>, reason: string | null, failedContracts?: number): Promise<BillingRun> {
    const run = await this.requireRun(runId);
    if (run.status === to) return run;
    assertTransition(runId, run.status, to);
    // The count that stays: the records' own (Summarize), or the counters' when the run failed before it.
    const now = this.clock.now().toISOString();
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.billingRun(runId),
                UpdateExpression: `SET #status = :to, endedAt = :now, failureReason = :reason, progress.done = :done, updatedAt = :now${failedContracts === undefined ? '' : ', failureCount = :failed'} ADD version :one`,
                ConditionExpression: '#status = :running',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':to': to,
                  ':now': now,
                  ':reason': reason,
                  ':done': run.progress.done,
                  ':one': 1,
                  ':running': RunStatus.RUNNING,
                  ...(failedContracts === undefined ? {} : { ':failed': failedContracts }),
                },
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: keys.billingPeriodLock(run.period),
                UpdateExpression: 'REMOVE runningRunId SET updatedAt = :now',
                ConditionExpression: 'runningRunId = :runId',
                ExpressionAttributeValues: { ':runId': runId, ':now': now },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const current = await this.requireRun(runId);
      if (current.status === to) return current;
      throw new ConflictError(`billing run ${runId} is ${current.status} and cannot become ${to}`, 'illegal_run_transition', { cause: error });
    }
    return this.requireRun(runId);
  }

  private async updateRunning(
    runId: string,
    expression: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.billingRun(runId),
          UpdateExpression: `${expression}, updatedAt = :now ADD version :one`,
          ConditionExpression: 'attribute_exists(pk) AND #status = :running',
          ExpressionAttributeNames: { ...names, '#status': 'status' },
          ExpressionAttributeValues: { ...values, ':now': this.clock.now().toISOString(), ':one': 1, ':running': RunStatus.RUNNING },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      const current = await this.requireRun(runId);
      throw new ConflictError(`billing run ${runId} is ${current.status}`, 'billing_run_not_running', { cause: error });
    }
  }
}

/** The run as stored; while it runs, its progress is its counters' sum `counted`, or the records' count once Summarize took it. */
function toRun(item: RunItem, counted: number): BillingRun {
  return {
    id: item.id,
    period: item.period,
    runSeq: item.runSeq,
    status: item.status,
    progress: { done: item.status === RunStatus.RUNNING ? Math.max(counted, item.progress?.done ?? 0) : (item.progress?.done ?? 0), total: item.progress?.total ?? 0 },
    contractIds: item.contractIds ?? null,
    startedAt: item.startedAt,
    endedAt: item.endedAt ?? null,
    failureReason: item.failureReason ?? null,
    totals: item.totals ?? [],
    actor: item.startedBy ?? item.actor,
    retries: item.retries ?? 0,
    version: item.version,
  };
}
