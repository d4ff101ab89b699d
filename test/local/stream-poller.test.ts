import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { startStreamPoller, type FailedBatch, type StreamPoller } from '../../scripts/lib/stream-poller';
import { documentClient, dynamoClient, freshTable } from '../support/aws';
import { dynamoEndpoint } from '../support/endpoints';

const dynamo = dynamoClient();
const docs = documentClient(dynamo);
let poller: StreamPoller | undefined;

afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});

const skOf = (r: DynamoDBRecord) => r.dynamodb?.Keys?.sk?.S;

async function putItems(tableName: string, count: number, pk = 'P') {
  for (let i = 1; i <= count; i++) {
    await docs.send(new PutCommand({ TableName: tableName, Item: { pk, sk: `item-${i}`, n: i } }));
  }
}

/** A handler that records every batch it receives and answers with `respond`. */
function recordingHandler(respond: (event: DynamoDBStreamEvent, call: number) => DynamoDBBatchResponse | void = () => undefined) {
  const batches: DynamoDBRecord[][] = [];
  return {
    batches,
    handler: async (event: DynamoDBStreamEvent) => {
      batches.push(event.Records);
      return respond(event, batches.length);
    },
  };
}

describe('stream poller on DynamoDB Local', () => {
  it('delivers INSERT, MODIFY and REMOVE in order, in the Lambda record shape', async () => {
    const tableName = await freshTable(dynamo);
    const { handler, batches } = recordingHandler();
    poller = await startStreamPoller({ tableName, endpoint: dynamoEndpoint(), handler, intervalMs: 50, region: 'eu-west-1' });

    const before = Math.floor(Date.now() / 1000);
    await docs.send(new PutCommand({ TableName: tableName, Item: { pk: 'CONTRACT#1', sk: 'CONTRACT', status: 'DRAFT', amount: '10.00', version: 1 } }));
    await docs.send(new UpdateCommand({
      TableName: tableName,
      Key: { pk: 'CONTRACT#1', sk: 'CONTRACT' },
      UpdateExpression: 'SET #s = :s, version = :v',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': 'ACTIVE', ':v': 2 },
    }));
    await docs.send(new DeleteCommand({ TableName: tableName, Key: { pk: 'CONTRACT#1', sk: 'CONTRACT' } }));
    await poller.drain();

    const records = batches.flat();
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    const [insert, modify, remove] = records as [DynamoDBRecord, DynamoDBRecord, DynamoDBRecord];
    for (const record of records) {
      expect(record.eventSource).toBe('aws:dynamodb');
      expect(record.awsRegion).toBe('eu-west-1');
      expect(record.eventSourceARN).toMatch(new RegExp(`^arn:aws:dynamodb:eu-west-1:\\d{12}:table/${tableName}/stream/.+`));
      expect(record.eventID).toEqual(expect.any(String));
      expect(record.dynamodb?.Keys).toEqual({ pk: { S: 'CONTRACT#1' }, sk: { S: 'CONTRACT' } });
      expect(record.dynamodb?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
      expect(record.dynamodb?.SizeBytes).toBeGreaterThan(0);
      expect(record.dynamodb?.SequenceNumber).toMatch(/^\d+$/);
      // Epoch seconds (DynamoDB Local rounds to the minute), not a Date and not milliseconds.
      expect(typeof record.dynamodb?.ApproximateCreationDateTime).toBe('number');
      expect(Math.abs(record.dynamodb!.ApproximateCreationDateTime! - before)).toBeLessThan(120);
    }
    expect(insert.dynamodb?.OldImage).toBeUndefined();
    expect(insert.dynamodb?.NewImage).toEqual({ pk: { S: 'CONTRACT#1' }, sk: { S: 'CONTRACT' }, status: { S: 'DRAFT' }, amount: { S: '10.00' }, version: { N: '1' } });
    expect(modify.dynamodb?.OldImage?.status).toEqual({ S: 'DRAFT' });
    expect(modify.dynamodb?.NewImage?.status).toEqual({ S: 'ACTIVE' });
    expect(remove.dynamodb?.NewImage).toBeUndefined();
    expect(remove.dynamodb?.OldImage?.status).toEqual({ S: 'ACTIVE' });
    const sequence = records.map((r) => BigInt(r.dynamodb!.SequenceNumber!));
    expect([...sequence].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequence);
  });

  it('retries from the first failed sequence number of a partial batch response', async () => {
    const tableName = await freshTable(dynamo);
    await putItems(tableName, 4);
    const failures: FailedBatch[] = [];
    const { handler, batches } = recordingHandler((event, call) =>
      call === 1 ? { batchItemFailures: [{ itemIdentifier: event.Records[3]!.dynamodb!.SequenceNumber! }, { itemIdentifier: event.Records[1]!.dynamodb!.SequenceNumber! }] } : undefined,
    );
    poller = await startStreamPoller({ tableName, endpoint: dynamoEndpoint(), handler, intervalMs: 50, retryDelayMs: 1, onFailure: (b) => { failures.push(b); } });
    await poller.drain();

    expect(batches.map((b) => b.map(skOf))).toEqual([
      ['item-1', 'item-2', 'item-3', 'item-4'],
      ['item-2', 'item-3', 'item-4'],
    ]);
    expect(failures).toEqual([]);
  });

  it('retries the whole batch when the handler throws or names an unknown record', async () => {
    const tableName = await freshTable(dynamo);
    await putItems(tableName, 3);
    const { handler, batches } = recordingHandler((_event, call) => {
      if (call === 1) throw new Error('transient');
      if (call === 2) return { batchItemFailures: [{ itemIdentifier: 'not-a-sequence-number' }] };
      return { batchItemFailures: [] };
    });
    poller = await startStreamPoller({ tableName, endpoint: dynamoEndpoint(), handler, intervalMs: 50, retryDelayMs: 1 });
    await poller.drain();

    expect(batches.map((b) => b.map(skOf))).toEqual([
      ['item-1', 'item-2', 'item-3'],
      ['item-1', 'item-2', 'item-3'],
      ['item-1', 'item-2', 'item-3'],
    ]);
  });

  it('hands a batch that keeps failing to onFailure after the bounded retries, then moves on', async () => {
    const tableName = await freshTable(dynamo);
    await putItems(tableName, 3);
    const failures: FailedBatch[] = [];
    const poison = (r: DynamoDBRecord) => skOf(r) === 'item-2';
    const { handler, batches } = recordingHandler((event) => ({
      batchItemFailures: event.Records.filter(poison).map((r) => ({ itemIdentifier: r.dynamodb!.SequenceNumber! })),
    }));
    poller = await startStreamPoller({
      tableName, endpoint: dynamoEndpoint(), handler, intervalMs: 50, maxRetries: 2, retryDelayMs: 1,
      onFailure: (batch) => { failures.push(batch); },
    });
    await poller.drain();

    // One attempt and two retries, each from the poisoned record on.
    expect(batches.map((b) => b.map(skOf))).toEqual([
      ['item-1', 'item-2', 'item-3'],
      ['item-2', 'item-3'],
      ['item-2', 'item-3'],
    ]);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.attempts).toBe(3);
    expect(failures[0]!.records.map(skOf)).toEqual(['item-2', 'item-3']);
    expect(failures[0]!.reason).toContain(failures[0]!.records[0]!.dynamodb!.SequenceNumber);

    // The shard moved on: later records are delivered normally.
    await docs.send(new PutCommand({ TableName: tableName, Item: { pk: 'P', sk: 'item-4' } }));
    await poller.drain();
    expect(batches.at(-1)?.map(skOf)).toEqual(['item-4']);
    expect(failures).toHaveLength(1);
  });

  it('drain() also waits for the records the handler itself writes', async () => {
    const tableName = await freshTable(dynamo);
    const seen: string[] = [];
    const handler = async (event: DynamoDBStreamEvent) => {
      for (const record of event.Records) {
        const sk = skOf(record)!;
        seen.push(sk);
        // Each record begets one more, three generations deep.
        const generation = Number(sk.split('-')[1]);
        if (generation < 3) await docs.send(new PutCommand({ TableName: tableName, Item: { pk: 'G', sk: `gen-${generation + 1}` } }));
      }
    };
    poller = await startStreamPoller({ tableName, endpoint: dynamoEndpoint(), handler, intervalMs: 50 });
    await docs.send(new PutCommand({ TableName: tableName, Item: { pk: 'G', sk: 'gen-0' } }));
    await poller.drain();
    expect(seen).toEqual(['gen-0', 'gen-1', 'gen-2', 'gen-3']);
  });

  it('drain() waits as long as batches keep being delivered, and gives up on a stall', async () => {
    const tableName = await freshTable(dynamo);
    await putItems(tableName, 6);
    // One record per batch, each taking 150 ms: 900 ms of work, more than the 400 ms limit, never
    // 400 ms without progress.
    const slow = recordingHandler();
    poller = await startStreamPoller({
      tableName, endpoint: dynamoEndpoint(), intervalMs: 50, batchSize: 1,
      handler: async (event) => { await new Promise((r) => setTimeout(r, 150)); return slow.handler(event); },
    });
    const started = Date.now();
    await poller.drain({ timeoutMs: 400 });
    expect(Date.now() - started).toBeGreaterThan(400);
    expect(slow.batches.flat().map(skOf)).toEqual(['item-1', 'item-2', 'item-3', 'item-4', 'item-5', 'item-6']);
    await poller.stop();

    // A handler that never answers: nothing moves, and the drain says so.
    const stuck = await freshTable(dynamo);
    await putItems(stuck, 1);
    let release: () => void = () => undefined;
    poller = await startStreamPoller({
      tableName: stuck, endpoint: dynamoEndpoint(), intervalMs: 50,
      handler: () => new Promise<void>((r) => { release = r; }),
    });
    await expect(poller.drain({ timeoutMs: 400 })).rejects.toThrow('the stream was not drained: no progress for 400 ms');
    release();
  });

  it('starting at LATEST skips what the stream held before start-up', async () => {
    const tableName = await freshTable(dynamo);
    await putItems(tableName, 2, 'OLD');
    const { handler, batches } = recordingHandler();
    poller = await startStreamPoller({ tableName, endpoint: dynamoEndpoint(), handler, intervalMs: 50, startingPosition: 'LATEST' });
    await poller.drain();
    await putItems(tableName, 1, 'NEW');
    await poller.drain();
    expect(batches.flat().map((r) => r.dynamodb?.Keys?.pk?.S)).toEqual(['NEW']);
  });
});
