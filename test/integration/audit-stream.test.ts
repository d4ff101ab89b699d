/**
 * Real table writes -> the real DynamoDB Local stream -> the stream poller -> the audit handler
 * -> chains in the table and objects in s3rver. Faults are injected through the handler's own
 * seams (a record hook, a failing archive), never by mocking AWS.
 */
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeAuditHandler, type AuditHandlerDeps } from '../../functions/audit/handler';
import { startStreamPoller, type StreamPoller } from '../../scripts/lib/stream-poller';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { S3AuditArchive, archiveEntryKey } from '../../shared/adapters/s3/audit-archive';
import { canonicalJson } from '../../shared/domain/audit/canonical-json';
import type { AuditEntry } from '../../shared/domain/audit/entry';
import type { AuditArchive } from '../../shared/domain/audit/ports';
import { verifyAllChains } from '../../shared/domain/audit/verify-chains';
import { fixedClock } from '../../shared/domain/kernel/clock';
import { documentClient, freshBucket, freshTable, s3Client } from '../support/aws';
import { dynamoEndpoint } from '../support/endpoints';

const client = documentClient();
const s3 = s3Client();
const silent = new Logger({ serviceName: 'audit-test', logLevel: 'SILENT' });

let tableName: string;
let bucket: string;
let repo: DynamoAuditRepository;
let archive: S3AuditArchive;
let poller: StreamPoller | undefined;

interface Delivery {
  event: DynamoDBStreamEvent;
  response: DynamoDBBatchResponse;
}

beforeEach(async () => {
  [tableName, bucket] = await Promise.all([freshTable(), freshBucket(s3)]);
  repo = new DynamoAuditRepository(client, tableName);
  archive = new S3AuditArchive(s3, bucket);
});

afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});

/** Starts the poller on the table with a handler built from `overrides`; records every delivery. */
async function consume(overrides: Partial<AuditHandlerDeps> = {}) {
  const handler = makeAuditHandler({ repository: repo, archive, clock: fixedClock('2027-06-01T00:00:00.000Z'), logger: silent, ...overrides });
  const deliveries: Delivery[] = [];
  poller = await startStreamPoller({
    tableName,
    endpoint: dynamoEndpoint(),
    intervalMs: 50,
    retryDelayMs: 10,
    handler: async (event, context) => {
      const response = await handler(event, context);
      deliveries.push({ event, response });
      return response;
    },
    onFailure: (batch) => {
      throw new Error(`records dropped: ${batch.reason}`);
    },
  });
  await poller.drain({ timeoutMs: 30_000 });
  return { handler, deliveries };
}

const put = (item: Record<string, unknown>) => client.send(new PutCommand({ TableName: tableName, Item: item }));

function contractWrite(id: string, version: number, status: string, actor: string, extra: Record<string, unknown> = {}) {
  return put({
    pk: `CONTRACT#${id}`,
    sk: 'CONTRACT',
    entityType: 'contract',
    aggregate: `contract#${id}`,
    actor,
    status,
    version,
    updatedAt: `2027-01-0${version}T10:00:00.000Z`,
    ...extra,
  });
}

async function chain(aggregate: string): Promise<AuditEntry[]> {
  return (await repo.readChain(aggregate)).entries;
}

async function countMarkers(): Promise<number> {
  const heads = [];
  let cursor: string | undefined;
  do {
    const page = await repo.listAggregates({ limit: 100, cursor });
    heads.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return heads.reduce((sum, h) => sum + h.lastSeq, 0);
}

describe('audit stream consumer', () => {
  it('records every audited change in its aggregate chain, in write order, and archives it', async () => {
    await contractWrite('c1', 1, 'DRAFT', 'ops-1', { minimumCommitment: '120000.00' });
    await put({ pk: 'CONTRACT#c1', sk: 'VERSION#0001', entityType: 'version', aggregate: 'contract#c1', actor: 'ops-1', status: 'DRAFT', version: 1, updatedAt: '2027-01-01T10:00:01.000Z' });
    await put({ pk: 'INVOICE#i1', sk: 'INVOICE', entityType: 'invoice', aggregate: 'invoice#i1', actor: 'system:billing', status: 'DRAFT', version: 1, total: '10.00', updatedAt: '2027-01-01T10:00:02.000Z' });
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: 'CONTRACT#c1', sk: 'VERSION#0001' },
        UpdateExpression: 'SET #s = :s, actor = :a, version = :v, updatedAt = :u',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': 'APPROVED', ':a': 'fin-1', ':v': 2, ':u': '2027-01-02T09:00:00.000Z' },
      }),
    );
    await contractWrite('c1', 2, 'ACTIVE', 'fin-1');
    // No aggregate stamped: derived from the pk.
    await put({ pk: 'ADV#a1', sk: 'ADV', entityType: 'advertiser', actor: 'ops-2', name: 'Acme', version: 1, updatedAt: '2027-01-03T00:00:00.000Z' });
    // Bookkeeping that is never audited.
    await put({ pk: 'IDEMPOTENCY#contracts#k1', sk: 'IDEMPOTENCY', status: 'DONE' });
    await client.send(new DeleteCommand({ TableName: tableName, Key: { pk: 'ADV#a1', sk: 'ADV' } }));

    await consume();

    const contract = await chain('contract#c1');
    expect(contract.map((e) => [e.seq, e.entityKey.sk, e.action, e.actor])).toEqual([
      [1, 'CONTRACT', 'CREATED', 'ops-1'],
      [2, 'VERSION#0001', 'CREATED', 'ops-1'],
      [3, 'VERSION#0001', 'version.approved', 'fin-1'],
      [4, 'CONTRACT', 'contract.activated', 'fin-1'],
    ]);
    expect(contract[0]).toMatchObject({ before: null, at: '2027-01-01T10:00:00.000Z', entityType: 'contract', after: { minimumCommitment: '120000.00', status: 'DRAFT' } });
    expect(contract[3]).toMatchObject({ before: { status: 'DRAFT', version: 1 }, after: { status: 'ACTIVE', version: 2 } });

    expect((await chain('invoice#i1')).map((e) => e.action)).toEqual(['CREATED']);
    const advertiser = await chain('advertiser#a1');
    expect(advertiser.map((e) => [e.action, e.actor])).toEqual([['CREATED', 'ops-2'], ['DELETED', 'unattributed']]);
    expect(advertiser[1]).toMatchObject({ after: null, before: { name: 'Acme' } });

    const heads = await repo.listAggregates();
    expect(heads.items.map((h) => h.aggregate)).toEqual(['advertiser#a1', 'contract#c1', 'invoice#i1']);
    expect(await verifyAllChains(repo)).toEqual({ chainsVerified: 3, broken: [] });

    for (const entry of [...contract, ...advertiser]) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: archiveEntryKey(entry.aggregate, entry.seq) }));
      expect(await object.Body?.transformToString()).toBe(canonicalJson(entry));
    }
  });

  it('writes exactly one entry per record when the same batches are delivered again', async () => {
    for (let v = 1; v <= 3; v += 1) await contractWrite('c2', v, v === 3 ? 'PENDING_APPROVAL' : 'DRAFT', 'ops-1');
    await put({ pk: 'PARTNER#p1', sk: 'PARTNER', entityType: 'partner', aggregate: 'partner#p1', actor: 'ops-1', version: 1, updatedAt: '2027-01-01T00:00:00.000Z' });
    const { handler, deliveries } = await consume();
    const before = { contract: await chain('contract#c2'), partner: await chain('partner#p1') };
    expect(before.contract.map((e) => e.seq)).toEqual([1, 2, 3]);

    for (const { event } of deliveries) {
      const response = await handler(event);
      expect(response).toEqual({ batchItemFailures: [] });
    }
    expect(await chain('contract#c2')).toEqual(before.contract);
    expect(await chain('partner#p1')).toEqual(before.partner);
    expect(await countMarkers()).toBe(4);
  });

  it('fails record k and the later records of its aggregate, and the retry completes in order with no loss or duplicates', async () => {
    // One batch, interleaving two aggregates: A1 B1 A2 B2 A3 B3.
    for (let v = 1; v <= 3; v += 1) {
      await contractWrite('A', v, 'DRAFT', `ops-a${v}`);
      await contractWrite('B', v, 'DRAFT', `ops-b${v}`);
    }
    const k = 1; // B1
    let calls = 0;
    const { deliveries } = await consume({
      beforeRecord: () => {
        calls += 1;
        if (calls === k + 1) throw new Error('injected failure');
      },
    });

    const [first, ...retries] = deliveries;
    const sequence = first!.event.Records.map((r) => r.dynamodb!.SequenceNumber!);
    expect(first!.event.Records.map((r) => r.dynamodb!.Keys!.pk!.S)).toEqual(['CONTRACT#A', 'CONTRACT#B', 'CONTRACT#A', 'CONTRACT#B', 'CONTRACT#A', 'CONTRACT#B']);
    // B1 failed; B2 and B3 were held back behind it; A2 and A3 went on.
    expect(first!.response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([sequence[1], sequence[3], sequence[5]]);
    // The retry starts at the first failure (B1 A2 B2 A3 B3): everything succeeds.
    expect(retries.at(-1)!.response).toEqual({ batchItemFailures: [] });
    expect(retries[0]!.event.Records[0]!.dynamodb!.SequenceNumber).toBe(sequence[1]);

    const a = await chain('contract#A');
    const b = await chain('contract#B');
    expect(a.map((e) => [e.seq, e.actor])).toEqual([[1, 'ops-a1'], [2, 'ops-a2'], [3, 'ops-a3']]);
    expect(b.map((e) => [e.seq, e.actor])).toEqual([[1, 'ops-b1'], [2, 'ops-b2'], [3, 'ops-b3']]);
    expect(new Set([...a, ...b].map((e) => e.eventId)).size).toBe(6);
    expect(await verifyAllChains(repo)).toEqual({ chainsVerified: 2, broken: [] });
  });

  it('fails a record whose archive write fails, and the retry archives the entry without appending it again', async () => {
    await contractWrite('c3', 1, 'DRAFT', 'ops-1');
    await contractWrite('c3', 2, 'DRAFT', 'ops-1');
    let failures = 0;
    const flaky: AuditArchive = {
      putEntry: async (entry) => {
        if (entry.seq === 1 && failures === 0) {
          failures += 1;
          throw new Error('archive unavailable');
        }
        return archive.putEntry(entry);
      },
      putDigest: (digest) => archive.putDigest(digest),
    };
    const { deliveries } = await consume({ archive: flaky });

    expect(deliveries[0]!.response.batchItemFailures).toHaveLength(2);
    const entries = await chain('contract#c3');
    expect(entries.map((e) => e.seq)).toEqual([1, 2]);
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: archiveEntryKey('contract#c3', 1) }));
    expect(await object.Body?.transformToString()).toBe(canonicalJson(entries[0]));
  });

  it('writes exactly one entry per record when the same batch is delivered twice at the same time', async () => {
    for (let v = 1; v <= 4; v += 1) await contractWrite('c5', v, 'DRAFT', `ops-${v}`);
    await put({ pk: 'INVOICE#i5', sk: 'INVOICE', entityType: 'invoice', aggregate: 'invoice#i5', actor: 'system:billing', version: 1, updatedAt: '2027-01-01T00:00:00.000Z' });
    const { deliveries } = await consume();
    const events = deliveries.map((d) => d.event);
    const before = { c5: await chain('contract#c5'), i5: await chain('invoice#i5') };

    // Replay against a fresh copy of the chains: two consumers racing on the same batches.
    const replayTable = await freshTable();
    const replayRepo = new DynamoAuditRepository(client, replayTable);
    const twin = () => makeAuditHandler({ repository: replayRepo, archive, clock: fixedClock('2027-06-01T00:00:00.000Z'), logger: silent });
    const [left, right] = [twin(), twin()];
    for (const event of events) {
      const responses = await Promise.all([left(event), right(event)]);
      expect(responses).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    }
    const replayed = { c5: (await replayRepo.readChain('contract#c5')).entries, i5: (await replayRepo.readChain('invoice#i5')).entries };
    expect(replayed.c5.map((e) => e.eventId)).toEqual(before.c5.map((e) => e.eventId));
    expect(replayed.i5.map((e) => e.eventId)).toEqual(before.i5.map((e) => e.eventId));
    expect(await verifyAllChains(replayRepo)).toEqual({ chainsVerified: 2, broken: [] });
  });

  it('fails a record it cannot read together with the later records of the same item, and reports a full failure without throwing', async () => {
    const handler = makeAuditHandler({ repository: repo, archive, clock: fixedClock('2027-06-01T00:00:00.000Z'), logger: silent });
    const keysOf = (pk: string) => ({ pk: { S: pk }, sk: { S: 'CONTRACT' } });
    const record = (seq: string, pk: string, eventName: 'INSERT' | 'MODIFY' | undefined) => ({
      eventID: `ev-${seq}`,
      eventName,
      eventSource: 'aws:dynamodb',
      dynamodb: { Keys: keysOf(pk), NewImage: { ...keysOf(pk), actor: { S: 'ops-1' } }, SequenceNumber: seq, StreamViewType: 'NEW_AND_OLD_IMAGES' as const },
    });
    const mixed = await handler({ Records: [record('1', 'CONTRACT#x', undefined), record('2', 'CONTRACT#y', 'INSERT'), record('3', 'CONTRACT#x', 'MODIFY')] });
    expect(mixed.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['1', '3']);
    expect((await chain('contract#y')).map((e) => e.eventId)).toEqual(['ev-2']);
    expect(await chain('contract#x')).toEqual([]);

    const allFailed = await handler({ Records: [record('4', 'CONTRACT#z', undefined)] });
    expect(allFailed).toEqual({ batchItemFailures: [{ itemIdentifier: '4' }] });
  });

  it('records the audit log own writes nowhere', async () => {
    await contractWrite('c4', 1, 'DRAFT', 'ops-1');
    await consume();
    const { Items = [] } = await client.send(
      new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'AUDIT#AUDIT#contract#c4' } }),
    );
    expect(Items).toEqual([]);
    expect((await repo.listAggregates()).items.map((h) => h.aggregate)).toEqual(['contract#c4']);
  });
});
