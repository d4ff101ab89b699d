/**
 * Usage audited per batch: real usage writes (the repository and the ingest use cases) on
 * DynamoDB Local -> its stream -> the stream poller -> the audit handler -> one entry per usage
 * partition and stream batch; audit:verify checks every usage item against the chains.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { makeAuditHandler, type AuditStreamHandler } from '../../functions/audit/handler';
import { startStreamPoller, type StreamPoller } from '../../scripts/lib/stream-poller';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { DynamoUsageItemsReader } from '../../shared/adapters/dynamodb/usage-audit-items';
import { DynamoUsageRepository } from '../../shared/adapters/dynamodb/usage-repository';
import { keys, usageKeys } from '../../shared/adapters/dynamodb/table';
import { S3AuditArchive } from '../../shared/adapters/s3/audit-archive';
import type { AuditEntry } from '../../shared/domain/audit/entry';
import { usageBatchContent } from '../../shared/domain/audit/usage-batch';
import { verifyAllChains } from '../../shared/domain/audit/verify-chains';
import { fixedClock } from '../../shared/domain/kernel/clock';
import { ingestConversions } from '../../shared/domain/usage/ingest-conversions';
import { ingestImpressions } from '../../shared/domain/usage/ingest-impressions';
import { reverseConversion } from '../../shared/domain/usage/reverse-conversion';
import { IngestMode, type PlannedImpression } from '../../shared/domain/usage/types';
import { parseConversion, parseImpression } from '../../shared/schemas/usage';
import { documentClient, dynamoClient, freshBucket, freshTable, s3Client } from '../support/aws';
import { conversion, impression, usageContract } from '../unit/usage/fixtures';
import { dynamoEndpoint } from '../support/endpoints';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
const base = dynamoClient();
const client = documentClient(base);
const s3 = s3Client();
const silent = new Logger({ serviceName: 'audit-usage-test', logLevel: 'SILENT' });
const clock = fixedClock('2027-02-02T12:00:00.000Z');
const CONTRACT = 'ctr-batch';

let tableName: string;
let bucket: string;
let audit: DynamoAuditRepository;
let usage: DynamoUsageRepository;
let handler: AuditStreamHandler;
let poller: StreamPoller | undefined;
let deliveries: DynamoDBStreamEvent[];

beforeEach(async () => {
  [tableName, bucket] = await Promise.all([freshTable(), freshBucket(s3)]);
  audit = new DynamoAuditRepository(client, tableName);
  // More attempts than the default: DynamoDB Local is shared with other test files.
  usage = new DynamoUsageRepository(client, tableName, { maxAttempts: 30 });
  handler = makeAuditHandler({ repository: audit, archive: new S3AuditArchive(s3, bucket), clock, logger: silent });
  deliveries = [];
});

afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});

async function consume(batchSize?: number, { twiceAtOnce = false } = {}): Promise<void> {
  poller ??= await startStreamPoller({
    tableName,
    endpoint: dynamoEndpoint(),
    intervalMs: 50,
    retryDelayMs: 10,
    ...(batchSize !== undefined && { batchSize }),
    handler: async (event, context) => {
      deliveries.push(event);
      if (!twiceAtOnce) return handler(event, context);
      // The same batch to two consumers at the same moment: they race for each chain's head.
      const [one, two] = await Promise.all([handler(event, context), handler(event, context)]);
      return { batchItemFailures: [...one.batchItemFailures, ...two.batchItemFailures] };
    },
    onFailure: (failed) => {
      throw new Error(`records dropped: ${failed.reason}`);
    },
  });
  await poller.drain({ timeoutMs: 60_000 });
}

async function usageChains(): Promise<Map<string, AuditEntry[]>> {
  const chains = new Map<string, AuditEntry[]>();
  let cursor: string | undefined;
  do {
    const page = await audit.listAggregates({ limit: 100, cursor });
    for (const head of page.items) {
      if (head.aggregate.startsWith('usage#')) chains.set(head.aggregate, (await audit.readChain(head.aggregate)).entries);
    }
    cursor = page.cursor;
  } while (cursor);
  return chains;
}

const verify = () => verifyAllChains(audit, { usage: new DynamoUsageItemsReader(base, tableName) });

/** 1,000 distinct impression day-aggregates of one contract and period (one per partner id). */
function thousandImpressions(count = 10): PlannedImpression[] {
  return Array.from({ length: 1_000 }, (_, i) => ({
    date: '2027-01-05',
    chargeId: 'ctv-premium',
    count: count + i,
    source: 'FIRST_PARTY',
    partnerId: `p-${i}`,
    receivedAt: '2027-01-06T00:00:00.000Z',
    period: '2027-01',
  }));
}

async function verifyScript() {
  try {
    const { stdout } = await run(resolve(root, 'node_modules/.bin/tsx'), ['scripts/audit-verify.ts'], {
      cwd: root,
      env: { ...process.env, TABLE_NAME: tableName, DYNAMODB_ENDPOINT: dynamoEndpoint(), S3_ENDPOINT: inject('s3Endpoint'), AUDIT_ARCHIVE_BUCKET: bucket },
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('usage audited per batch', () => {
  it('turns a batch of 1,000 impressions into one entry per usage partition, naming every item, and verifies', async () => {
    await usage.putImpressions(CONTRACT, thousandImpressions(), { actor: 'ops-1', origin: 'api:req-1', ingestedAt: '2027-02-02T12:00:00.000Z' });
    // All 1,000 records are in the stream before the first poll: one delivery of up to 1,000.
    await consume(1_000);

    const chains = await usageChains();
    // 1,000 item keys hash over all 8 shards of the contract-period: 8 chains, one entry each.
    expect(chains.size).toBe(8);
    const entries = [...chains.values()].flat();
    expect(entries).toHaveLength(8);
    const named = entries.flatMap((entry) => usageBatchContent(entry)!.items.map(([sk]) => sk));
    expect(named).toHaveLength(1_000);
    expect(new Set(named).size).toBe(1_000);
    for (const entry of entries) {
      expect(entry).toMatchObject({ action: 'usage.batch', entityType: 'usageBatch', actor: 'ops-1', seq: 1, before: null });
      expect(usageBatchContent(entry)!.origins).toEqual(['api:req-1']);
    }
    expect(await verify()).toEqual({ chainsVerified: 8, broken: [] });
  });

  it('keeps verify passing through re-sent days, conversions, duplicates and a reversal, and appends nothing for redelivered records', async () => {
    const contract = usageContract({ id: CONTRACT });
    const send = (records: ReturnType<typeof impression>[], origin: string) =>
      ingestImpressions({ store: usage, clock }, { contract, records: records.map(parseImpression), actor: 'ops-1', origin, mode: IngestMode.ALL_OR_NOTHING });
    const days = Array.from({ length: 20 }, (_, i) => impression({ date: `2027-01-${String(i + 1).padStart(2, '0')}`, count: 100 + i }));
    await send(days, 'api:first');
    await consume();
    // A day re-sent with firmer numbers replaces its item; the later entry names the new content.
    await send(days.slice(0, 5).map((d) => ({ ...d, count: d.count + 1 })), 'api:resend');
    const conversions = Array.from({ length: 40 }, (_, i) => conversion({ id: `cv-${i}`, value: `${10 + i}.00` }));
    const sendConversions = (origin: string) =>
      ingestConversions({ store: usage, clock }, { contract, records: conversions.map(parseConversion), actor: 'ops-1', origin, mode: IngestMode.ALL_OR_NOTHING });
    expect(await sendConversions('api:conv-1')).toMatchObject({ accepted: 40, duplicates: 0 });
    // The same batch again (a retry): every record a duplicate, nothing written, nothing audited.
    expect(await sendConversions('api:conv-2')).toMatchObject({ accepted: 0, duplicates: 40 });
    await reverseConversion({ store: usage, clock }, { contract, conversionId: 'cv-7', reversedAt: '2027-01-20T00:00:00Z', reason: 'fraud', actor: 'ops-2', origin: 'api:rev-1' });
    await consume();

    const before = [...(await usageChains()).values()].flat();
    const origins = new Set(before.flatMap((entry) => usageBatchContent(entry)!.origins));
    expect([...origins].sort()).toEqual(['api:conv-1', 'api:first', 'api:resend', 'api:rev-1']);
    // 20 + 5 + 40 + 1 usage writes, and at most one entry per partition and delivery.
    expect(before.reduce((sum, entry) => sum + usageBatchContent(entry)!.records, 0)).toBe(66);
    expect(before.length).toBeLessThan(66);
    expect(await verify()).toEqual({ chainsVerified: (await usageChains()).size, broken: [] });

    // Every delivery again, whole and cut in halves (other batch boundaries, as bisection makes): nothing new.
    await poller!.stop();
    poller = undefined;
    for (const event of deliveries.splice(0)) {
      const half = Math.ceil(event.Records.length / 2);
      for (const records of [event.Records, event.Records.slice(half), event.Records.slice(0, half)]) {
        expect(await handler({ Records: records })).toEqual({ batchItemFailures: [] });
      }
    }
    expect([...(await usageChains()).values()].flat()).toEqual(before);
  });

  it('appends each record once when the same batch is delivered twice at the same time', async () => {
    await usage.putImpressions(CONTRACT, thousandImpressions().slice(0, 60), { actor: 'ops-1', origin: 'api:req-1', ingestedAt: '2027-02-02T12:00:00.000Z' });
    await consume(1_000, { twiceAtOnce: true });
    const entries = [...(await usageChains()).values()].flat();
    const named = entries.flatMap((entry) => usageBatchContent(entry)!.items.map(([sk]) => sk));
    expect(named).toHaveLength(60);
    expect(new Set(named).size).toBe(60);
    expect(await verify()).toEqual({ chainsVerified: (await usageChains()).size, broken: [] });
  });

  it('finds a tampered usage item, a usage item no entry names, a deleted item and a tampered entry (npm run audit:verify)', async () => {
    await usage.putImpressions(CONTRACT, thousandImpressions().slice(0, 40), { actor: 'ops-1', origin: 'api:req-1', ingestedAt: '2027-02-02T12:00:00.000Z' });
    await consume();
    expect((await verify()).broken).toEqual([]);
    // Writes that never reach the audit: the consumer is stopped, as if they went around it.
    await poller!.stop();
    poller = undefined;

    const item = (partnerId: string) => usageKeys.impression(CONTRACT, '2027-01', { date: '2027-01-05', chargeId: 'ctv-premium', source: 'FIRST_PARTY', partnerId });
    const edited = item('p-3');
    await client.send(new UpdateCommand({ TableName: tableName, Key: edited, UpdateExpression: 'SET #c = :c', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':c': 999_999 } }));
    const deleted = item('p-4');
    await client.send(new DeleteCommand({ TableName: tableName, Key: deleted }));
    // An item no entry names, in a partition whose chain exists.
    const slipped = item('p-slipped');
    await client.send(new PutCommand({ TableName: tableName, Item: { ...slipped, entityType: 'usage', usageKind: 'IMPRESSION', count: 5, origin: 'api:nowhere' } }));
    // An entry edited in place: its items no longer hash to the entry's hash.
    const chains = await usageChains();
    const chainOf = (key: { pk: string }) => `usage#${key.pk.slice('USAGE#'.length)}`;
    const tamperedChain = [...chains.keys()].find((aggregate) => ![edited, deleted, slipped].some((key) => chainOf(key) === aggregate))!;
    const entry = chains.get(tamperedChain)![0]!;
    const content = usageBatchContent(entry)!;
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.auditEntry(tamperedChain, entry.seq),
        UpdateExpression: 'SET #a = :a',
        ExpressionAttributeNames: { '#a': 'after' },
        // The entry now claims another ingest batch wrote its items.
        ExpressionAttributeValues: { ':a': JSON.stringify({ ...content, origins: ['api:forged'] }) },
      }),
    );

    const { code, stdout } = await verifyScript();
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    expect(lines).toContain(`BROKEN ${tamperedChain}: seq 1 hash_mismatch`);
    const report = lines.join('\n');
    expect(report).toContain(`seq 1 usage_item_mismatch ${edited.sk}`);
    expect(report).toContain(`seq 1 usage_item_missing ${deleted.sk}`);
    expect(report).toContain(`seq 0 usage_item_unnamed ${slipped.sk}`);
    for (const key of [edited, deleted, slipped]) expect(report).toContain(`BROKEN ${chainOf(key)}:`);
    expect(lines.at(-1)).toMatch(/^\d+ chains verified, [1-4] broken$/);
  });
});
