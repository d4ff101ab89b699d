/**
 * Tampering with stored entries is caught by the verification walk and by
 * `npm run audit:verify` (run as a child process); the daily digest lands in the archive.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { writeChainDigest } from '../../functions/audit/chain-digest';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { keys } from '../../shared/adapters/dynamodb/table';
import { S3AuditArchive, archiveDigestKey } from '../../shared/adapters/s3/audit-archive';
import { canonicalJson } from '../../shared/domain/audit/canonical-json';
import { digestIntact, verifyAgainstDigest } from '../../shared/domain/audit/digest';
import type { AuditDraft } from '../../shared/domain/audit/entry';
import { verifyAllChains } from '../../shared/domain/audit/verify-chains';
import { documentClient, freshBucket, freshTable, s3Client } from '../support/aws';
import { dynamoEndpoint } from '../support/endpoints';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
const client = documentClient();

function draft(aggregate: string, n: number): AuditDraft {
  return {
    aggregate,
    at: `2027-02-01T00:00:0${n}.000Z`,
    actor: 'ops-1',
    action: n === 1 ? 'CREATED' : 'UPDATED',
    entityType: 'contract',
    entityKey: { pk: `CONTRACT#${aggregate}`, sk: 'CONTRACT' },
    before: n === 1 ? null : { version: n - 1, amount: '10.00' },
    after: { version: n, amount: '10.00' },
    eventId: `${aggregate}-${n}`,
  };
}

async function seed(tableName: string, aggregates: string[], length = 4): Promise<DynamoAuditRepository> {
  const repo = new DynamoAuditRepository(client, tableName);
  for (const aggregate of aggregates) {
    for (let n = 1; n <= length; n += 1) await repo.appendEntry(draft(aggregate, n));
  }
  return repo;
}

async function verifyScript(tableName: string, env: Record<string, string | undefined> = {}, args: string[] = []) {
  try {
    const { stdout, stderr } = await run(resolve(root, 'node_modules/.bin/tsx'), ['scripts/audit-verify.ts', ...args], {
      cwd: root,
      env: { ...process.env, TABLE_NAME: tableName, DYNAMODB_ENDPOINT: dynamoEndpoint(), S3_ENDPOINT: inject('s3Endpoint'), ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('audit verification', () => {
  let intact: string;
  let tampered: string;

  beforeAll(async () => {
    [intact, tampered] = await Promise.all([freshTable(), freshTable()]);
    await seed(intact, ['contract#ok1', 'contract#ok2', 'invoice#ok3']);
    await seed(tampered, ['contract#edited', 'contract#deleted', 'contract#swapped', 'contract#truncated', 'contract#fine']);
    const entryKey = (aggregate: string, seq: number) => ({ TableName: tampered, Key: keys.auditEntry(aggregate, seq) });

    // Edit `after` of seq 2.
    await client.send(
      new UpdateCommand({ ...entryKey('contract#edited', 2), UpdateExpression: 'SET #a = :a', ExpressionAttributeNames: { '#a': 'after' }, ExpressionAttributeValues: { ':a': '{"amount":"1.00","version":2}' } }),
    );
    // Delete seq 3.
    await client.send(new DeleteCommand(entryKey('contract#deleted', 3)));
    // Swap seq 2 and 3: each item's content moves to the other's key.
    const get = async (seq: number) => (await client.send(new GetCommand(entryKey('contract#swapped', seq)))).Item!;
    const [two, three] = [await get(2), await get(3)];
    await client.send(new PutCommand({ TableName: tampered, Item: { ...three, ...keys.auditEntry('contract#swapped', 2) } }));
    await client.send(new PutCommand({ TableName: tampered, Item: { ...two, ...keys.auditEntry('contract#swapped', 3) } }));
    // Delete the last entry: only the head shows it.
    await client.send(new DeleteCommand(entryKey('contract#truncated', 4)));
  });

  it('finds nothing wrong with intact chains', async () => {
    const repo = new DynamoAuditRepository(client, intact);
    expect(await verifyAllChains(repo, { pageSize: 2 })).toEqual({ chainsVerified: 3, broken: [] });
  });

  it('finds an edited, a deleted, a swapped and a truncated entry, each in its own chain', async () => {
    const repo = new DynamoAuditRepository(client, tampered);
    const seen: string[] = [];
    const result = await verifyAllChains(repo, { pageSize: 2, onBroken: (c) => seen.push(c.aggregate) });
    expect(result.chainsVerified).toBe(5);
    expect(result.broken).toEqual([
      { aggregate: 'contract#deleted', breaks: [{ seq: 3, reason: 'gap' }] },
      { aggregate: 'contract#edited', breaks: [{ seq: 2, reason: 'hash_mismatch' }] },
      { aggregate: 'contract#swapped', breaks: [{ seq: 2, reason: 'gap' }, { seq: 2, reason: 'out_of_order' }] },
      { aggregate: 'contract#truncated', breaks: [{ seq: 4, reason: 'gap' }] },
    ]);
    expect(seen).toEqual(result.broken.map((c) => c.aggregate));
  });

  it('npm run audit:verify exits 0 on intact chains', async () => {
    const { code, stdout } = await verifyScript(intact);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('3 chains verified, 0 broken');
  });

  it('npm run audit:verify prints each broken chain and exits 1', async () => {
    const { code, stdout } = await verifyScript(tampered);
    expect(code).toBe(1);
    expect(stdout.trim().split('\n')).toEqual([
      'BROKEN contract#deleted: seq 3 gap',
      'BROKEN contract#edited: seq 2 hash_mismatch',
      'BROKEN contract#swapped: seq 2 gap; seq 2 out_of_order',
      'BROKEN contract#truncated: seq 4 gap',
      '5 chains verified, 4 broken',
    ]);
  });

  it('npm run audit:verify prints its usage without an endpoint', async () => {
    const { code, stderr } = await verifyScript(intact, { DYNAMODB_ENDPOINT: '' });
    expect(code).toBe(2);
    expect(stderr).toContain('Usage:');
  });

  it('writes the daily digest of every chain head with a hash of the list', async () => {
    const s3 = s3Client();
    const bucket = await freshBucket(s3);
    const repo = new DynamoAuditRepository(client, intact);
    const digest = await writeChainDigest('2027-02-01', { reader: repo, archive: new S3AuditArchive(s3, bucket) });
    const heads = await Promise.all(['contract#ok1', 'contract#ok2', 'invoice#ok3'].map((a) => repo.readHead(a)));
    expect(digest.chains).toEqual(heads);
    expect(digest.chainCount).toBe(3);
    expect(digest.chainsHash).toBe(createHash('sha256').update(canonicalJson(heads)).digest('hex'));
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: archiveDigestKey('2027-02-01') }));
    expect(JSON.parse(await object.Body!.transformToString())).toEqual(digest);
    await expect(writeChainDigest('2027-02-30', { reader: repo, archive: new S3AuditArchive(s3, bucket) })).rejects.toMatchObject({ code: 'validation_failed' });
  });
});

describe('audit verification against an archived digest', () => {
  it('catches a chain rewritten with its head and a chain removed with its head, which the walk cannot see', async () => {
    const tableName = await freshTable();
    const s3 = s3Client();
    const bucket = await freshBucket(s3);
    const archive = new S3AuditArchive(s3, bucket);
    const repo = await seed(tableName, ['contract#kept', 'contract#rewritten', 'contract#removed'], 3);
    await writeChainDigest('2027-03-01', { reader: repo, archive });
    // Later: the kept chain grows legitimately...
    await repo.appendEntry(draft('contract#kept', 4));
    // ...one chain is replaced by a different, internally valid one, another disappears.
    for (const aggregate of ['contract#rewritten', 'contract#removed']) {
      await client.send(new DeleteCommand({ TableName: tableName, Key: keys.auditHead(aggregate) }));
      for (let seq = 1; seq <= 3; seq += 1) await client.send(new DeleteCommand({ TableName: tableName, Key: keys.auditEntry(aggregate, seq) }));
    }
    for (let n = 1; n <= 3; n += 1) await repo.appendEntry({ ...draft('contract#rewritten', n), actor: 'forger', eventId: `forged-${n}` });

    expect(await verifyAllChains(repo)).toEqual({ chainsVerified: 2, broken: [] });
    const digest = (await archive.readDigest('2027-03-01'))!;
    expect(digestIntact(digest)).toBe(true);
    expect(digestIntact({ ...digest, chains: digest.chains.slice(1) })).toBe(false);
    expect(await verifyAgainstDigest(repo, digest)).toEqual([
      { aggregate: 'contract#removed', breaks: [{ seq: 3, reason: 'digest_mismatch' }] },
      { aggregate: 'contract#rewritten', breaks: [{ seq: 3, reason: 'digest_mismatch' }] },
    ]);

    const { code, stdout } = await verifyScript(tableName, { AUDIT_ARCHIVE_BUCKET: bucket }, ['--digest', '2027-03-01']);
    expect(code).toBe(1);
    expect(stdout.trim().split('\n')).toEqual([
      '2 chains verified, 0 broken',
      'BROKEN contract#removed: seq 3 digest_mismatch',
      'BROKEN contract#rewritten: seq 3 digest_mismatch',
      'digest 2027-03-01: 3 chains checked, 2 broken',
    ]);
    const missing = await verifyScript(tableName, { AUDIT_ARCHIVE_BUCKET: bucket }, ['--digest', '2027-03-02']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('BROKEN digest 2027-03-02: not in the archive');
  });
});
