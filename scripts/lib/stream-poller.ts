/**
 * The local stand-in for the DynamoDB Streams -> Lambda event source mapping: reads the
 * table's stream on DynamoDB Local and calls a real stream handler (the audit Lambda) with
 * the `DynamoDBStreamEvent` Lambda would build, with the mapping's semantics:
 * - records of a shard are delivered in order, one batch at a time; a child shard starts only
 *   after its parent is read to the end (shard splits and closed shards are followed);
 * - partial batch responses (`ReportBatchItemFailures`): `{ batchItemFailures: [{ itemIdentifier }] }`
 *   retries from the first failed sequence number; a thrown error or an unknown/empty
 *   identifier retries the whole batch;
 * - after `maxRetries` retries the remaining records go to `onFailure` (the SQS on-failure
 *   destination in AWS) and the shard moves on.
 * DynamoDB Local's records differ from Lambda's (region `ddblocal`, a Date rounded to the
 * minute, no `eventSourceARN`, binary values as bytes); `toLambdaRecord` builds Lambda's shape.
 */
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type _Record as StreamRecordFromSdk,
  type AttributeValue as SdkAttributeValue,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { LOCAL_AWS } from './dynamodb-local';
import { lambdaContext } from './lambda-context';

export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse | void | undefined>;

/** What the on-failure destination receives: the records that could not be processed. */
export interface FailedBatch {
  shardId: string;
  records: DynamoDBRecord[];
  attempts: number;
  /** The last error thrown, or the failed item identifiers the handler reported. */
  reason: string;
}

export interface StreamPollerOptions {
  tableName: string;
  endpoint: string;
  handler: StreamHandler;
  /** Names the Lambda in the handler's context (`ctv-billing-local-<name>`). Default `audit`. */
  functionName?: string;
  /**
   * Pause after a round that found nothing (default 200 ms). It doubles with each further idle
   * round, up to `maxIntervalMs` (default 1 s): an idle poller costs little CPU, and drain() wakes
   * it at once.
   */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** Region written into the Lambda records and `eventSourceARN` (the Lambda's AWS_REGION). */
  region?: string;
  /** Where to start in shards that exist when the poller starts. */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** Lambda's BatchSize. */
  batchSize?: number;
  /** Lambda's MaximumRetryAttempts. */
  maxRetries?: number;
  retryDelayMs?: number;
  /** Stands in for the on-failure destination; logs the batch when absent. */
  onFailure?: (batch: FailedBatch) => void | Promise<void>;
  log?: (line: string) => void;
}

export interface StreamPoller {
  /**
   * Resolves once every record in the stream when it is called (and whatever the handler wrote in
   * turn) has been delivered. Rejects when the poller makes no progress for `timeoutMs` (default
   * 30 s): a long stream on a busy machine may take longer than that, a stalled one may not.
   */
  drain(options?: { timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

interface ShardState {
  shardId: string;
  parentShardId: string | undefined;
  iterator: string | undefined;
  lastSequenceNumber: string | undefined;
  /** Read to its end (closed shard, no more records): children may start. */
  finished: boolean;
  /** LATEST for shards open at start-up when asked; TRIM_HORIZON otherwise. */
  initialPosition: ShardIteratorType;
}

// ---------------------------------------------------------------------------------------------
// Record conversion
// ---------------------------------------------------------------------------------------------

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** The SDK gives binary values as bytes; Lambda's JSON event carries them as base64 text. */
function toLambdaAttribute(value: SdkAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: toBase64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(toBase64) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttribute) };
  return value as AttributeValue;
}

function toLambdaImage(image: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaAttribute(value)]));
}

/** DynamoDB Local names its region `ddblocal`; Lambda's ARN carries the function's region. */
export function lambdaStreamArn(localStreamArn: string, region: string): string {
  const parts = localStreamArn.split(':');
  if (parts.length < 6) return localStreamArn;
  parts[3] = region;
  return parts.join(':');
}

export function toLambdaRecord(record: StreamRecordFromSdk, eventSourceARN: string, region: string): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const created = stream.ApproximateCreationDateTime;
  const dynamodb: NonNullable<DynamoDBRecord['dynamodb']> = {
    ApproximateCreationDateTime: created instanceof Date ? Math.floor(created.getTime() / 1000) : Number(created ?? 0),
    SequenceNumber: stream.SequenceNumber,
    SizeBytes: stream.SizeBytes,
    StreamViewType: stream.StreamViewType,
  };
  if (stream.Keys) dynamodb.Keys = toLambdaImage(stream.Keys);
  if (stream.NewImage) dynamodb.NewImage = toLambdaImage(stream.NewImage);
  if (stream.OldImage) dynamodb.OldImage = toLambdaImage(stream.OldImage);
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb,
    eventSourceARN,
    ...(record.userIdentity ? { userIdentity: record.userIdentity } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Poller
// ---------------------------------------------------------------------------------------------

/** What the handler's context reports as its time budget, as a deployed stream consumer would have. */
const LAMBDA_TIMEOUT_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const intervalMs = options.intervalMs ?? 200;
  const maxIntervalMs = Math.max(intervalMs, options.maxIntervalMs ?? 1_000);
  const region = options.region ?? process.env.AWS_REGION ?? LOCAL_AWS.region;
  const batchSize = options.batchSize ?? 100;
  const maxRetries = options.maxRetries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 50;
  const log = options.log ?? (() => undefined);
  const onFailure =
    options.onFailure ??
    ((batch: FailedBatch) => {
      console.error(
        `[stream-poller] on-failure destination: ${batch.records.length} record(s) of shard ${batch.shardId} dropped after ${batch.attempts} attempt(s): ${batch.reason}`,
        JSON.stringify(batch.records.map((r) => ({ eventID: r.eventID, eventName: r.eventName, keys: r.dynamodb?.Keys }))),
      );
    });

  const clientConfig = { ...LOCAL_AWS, endpoint: options.endpoint };
  const dynamo = new DynamoDBClient(clientConfig);
  const streams = new DynamoDBStreamsClient(clientConfig);
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
  dynamo.destroy();
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream`);
  const eventSourceARN = lambdaStreamArn(streamArn, region);

  const shards = new Map<string, ShardState>();
  let firstDescribe = true;

  async function describeShards(): Promise<Shard[]> {
    const all: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}) }),
      );
      all.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return all;
  }

  /** Adds shards not seen yet; returns whether anything new appeared. */
  async function refreshShards(): Promise<boolean> {
    const described = await describeShards();
    let changed = false;
    for (const shard of described) {
      if (!shard.ShardId || shards.has(shard.ShardId)) continue;
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      const skipOld = firstDescribe && options.startingPosition === 'LATEST';
      shards.set(shard.ShardId, {
        shardId: shard.ShardId,
        parentShardId: shard.ParentShardId,
        iterator: undefined,
        lastSequenceNumber: undefined,
        // Starting at LATEST, shards already closed hold only history: nothing to read.
        finished: skipOld && closed,
        initialPosition: skipOld ? 'LATEST' : 'TRIM_HORIZON',
      });
      changed = true;
    }
    firstDescribe = false;
    return changed;
  }

  function parentPending(shard: ShardState): boolean {
    if (!shard.parentShardId) return false;
    const parent = shards.get(shard.parentShardId);
    // A parent no longer described was trimmed: nothing left to wait for.
    return parent !== undefined && !parent.finished;
  }

  async function freshIterator(shard: ShardState): Promise<string | undefined> {
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.shardId,
        ...(shard.lastSequenceNumber
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: shard.lastSequenceNumber }
          : { ShardIteratorType: shard.initialPosition }),
      }),
    );
    return ShardIterator;
  }

  /** Delivers one batch with the mapping's retry semantics. */
  async function deliver(shard: ShardState, records: DynamoDBRecord[]): Promise<void> {
    let pending = records;
    let attempts = 0;
    let reason: string;
    while (pending.length > 0) {
      attempts++;
      const requestId = randomUUID();
      let failedFrom: number;
      try {
        const response = await options.handler({ Records: pending }, lambdaContext(options.functionName ?? 'audit', requestId, LAMBDA_TIMEOUT_MS));
        const failures = response?.batchItemFailures ?? [];
        if (failures.length === 0) return;
        const failed = new Set(failures.map((f) => f.itemIdentifier));
        const firstKnown = pending.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
        // An identifier that names no record of the batch makes Lambda retry the whole batch.
        const allKnown = failures.every((f) => f.itemIdentifier && pending.some((r) => r.dynamodb?.SequenceNumber === f.itemIdentifier));
        failedFrom = allKnown && firstKnown >= 0 ? firstKnown : 0;
        reason = `batchItemFailures ${failures.map((f) => f.itemIdentifier).join(', ')}`;
      } catch (error) {
        failedFrom = 0;
        reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      pending = pending.slice(failedFrom);
      if (attempts > maxRetries) {
        await onFailure({ shardId: shard.shardId, records: pending, attempts, reason });
        return;
      }
      log(`[stream-poller] retrying ${pending.length} record(s) of shard ${shard.shardId} (attempt ${attempts + 1}): ${reason}`);
      await sleep(retryDelayMs * attempts);
    }
  }

  /** Reads and delivers one batch of one shard; returns whether anything happened. */
  async function pollShard(shard: ShardState): Promise<boolean> {
    if (shard.finished || parentPending(shard)) return false;
    let progressed = false;
    if (!shard.iterator) {
      shard.iterator = await freshIterator(shard);
      progressed = true;
      if (!shard.iterator) {
        shard.finished = true;
        return true;
      }
    }
    let result;
    try {
      result = await streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: batchSize }));
    } catch (error) {
      if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
        // Iterators live 15 minutes; trimmed data is gone: start again from what is left.
        if (error instanceof TrimmedDataAccessException) shard.lastSequenceNumber = undefined;
        shard.iterator = undefined;
        return true;
      }
      throw error;
    }
    const records = (result.Records ?? []).map((r) => toLambdaRecord(r, eventSourceARN, region));
    if (records.length > 0) {
      await deliver(shard, records);
      shard.lastSequenceNumber = records.at(-1)?.dynamodb?.SequenceNumber ?? shard.lastSequenceNumber;
      progressed = true;
    }
    shard.iterator = result.NextShardIterator;
    if (!shard.iterator) {
      shard.finished = true;
      progressed = true;
    }
    return progressed;
  }

  /** One pass over every shard; true when any record was delivered or any shard changed state. */
  async function round(): Promise<boolean> {
    let progressed = await refreshShards();
    for (const shard of shards.values()) {
      if (await pollShard(shard)) progressed = true;
    }
    return progressed;
  }

  // The loop runs rounds back to back while there is work and sleeps when idle, longer the longer it is idle.
  // `drain()` waits for an idle round that STARTED after it was called: every record written
  // before the call (and every record the handler wrote while it was delivered) is then done.
  let stopped = false;
  let roundNumber = 0;
  /** Rounds that delivered something or moved a shard on: what a waiting drain() counts as progress. */
  let progressedRounds = 0;
  let wake: (() => void) | undefined;
  const idleWaiters: { afterRound: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  let lastError: unknown;

  let idlePauseMs = intervalMs;
  const loop = (async () => {
    while (!stopped) {
      const current = ++roundNumber;
      let progressed = false;
      try {
        progressed = await round();
        lastError = undefined;
        if (progressed) progressedRounds++;
      } catch (error) {
        if (stopped) break;
        if (String(error) !== String(lastError)) console.error('[stream-poller] poll failed:', error);
        lastError = error;
      }
      if (!progressed && lastError === undefined) {
        for (const waiter of idleWaiters.filter((w) => current > w.afterRound)) {
          idleWaiters.splice(idleWaiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      if (progressed) idlePauseMs = intervalMs;
      else if (!stopped) {
        const woken = await new Promise<boolean>((r) => {
          const timer = setTimeout(() => r(false), idlePauseMs);
          wake = () => { clearTimeout(timer); r(true); };
        });
        wake = undefined;
        idlePauseMs = woken ? intervalMs : Math.min(idlePauseMs * 2, maxIntervalMs);
      }
    }
  })();

  return {
    drain({ timeoutMs = 30_000 } = {}) {
      if (stopped) return Promise.reject(new Error('the stream poller is stopped'));
      return new Promise<void>((resolve, reject) => {
        let seen = progressedRounds;
        const stalled = () => {
          if (progressedRounds !== seen) {
            seen = progressedRounds;
            timer = setTimeout(stalled, timeoutMs);
            return;
          }
          const index = idleWaiters.indexOf(waiter);
          if (index >= 0) idleWaiters.splice(index, 1);
          reject(new Error(`the stream was not drained: no progress for ${timeoutMs} ms`, { cause: lastError }));
        };
        let timer = setTimeout(stalled, timeoutMs);
        const waiter = {
          afterRound: roundNumber,
          resolve: () => { clearTimeout(timer); resolve(); },
          reject: (e: Error) => { clearTimeout(timer); reject(e); },
        };
        idleWaiters.push(waiter);
        wake?.();
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      wake?.();
      await loop;
      for (const waiter of idleWaiters.splice(0)) waiter.reject(new Error('the stream poller stopped'));
      streams.destroy();
    },
  };
}
