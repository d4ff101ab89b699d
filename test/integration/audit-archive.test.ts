/**
 * The table's chains against the archive (s3rver + DynamoDB Local): an archive object written
 * over, a chain deleted whole, a chain rewritten consistently in the table, an entry deleted
 * from the table and an external image changed are each found, by the domain walk and by
 * `npm run audit:verify -- --archive` (a child process) which exits 1 naming them.
 *
 * s3rver keeps no object versions and ignores If-None-Match, so here an overwrite replaces the
 * object and the verifier reads the current one (it reports that it could not read versions);
 * on AWS the bucket refuses the overwrite and the verifier reads each key's oldest version.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { keys } from '../../shared/adapters/dynamodb/table';
import { archiveEntryKey, S3AuditArchive } from '../../shared/adapters/s3/audit-archive';
import type { AuditDraft } from '../../shared/domain/audit/entry';
import { externalizeLargeImages } from '../../shared/domain/audit/images';
import { verifyAgainstArchive } from '../../shared/domain/audit/verify-archive';
import { verifyAllChains } from '../../shared/domain/audit/verify-chains';
import { documentClient, freshBucket, freshTable, s3Client } from '../support/aws';
import { dynamoEndpoint } from '../support/endpoints';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
const client = documentClient();
const s3 = s3Client();
/** Headers of every PutObject this client sends, seen on the wire. */
const putHeaders: Record<string, string>[] = [];
s3.middlewareStack.add(
  (next, context) => async (args) => {
    if (context.commandName === 'PutObjectCommand') putHeaders.push({ ...(args.request as { headers: Record<string, string> }).headers });
    return next(args);
  },
  { step: 'finalizeRequest', name: 'recordPutHeaders' },
);

function draft(aggregate: string, n: number, extra: Partial<AuditDraft> = {}): AuditDraft {
  return {
    aggregate,
    at: `2027-02-01T00:00:0${n}.000Z`,
    actor: 'ops-1',
    action: n === 1 ? 'CREATED' : 'UPDATED',
    entityType: 'contract',
    entityKey: { pk: `CONTRACT#${aggregate}`, sk: 'CONTRACT' },
    before: n === 1 ? null : { version: n - 1 },
    after: { version: n },
    eventId: `${aggregate}-${n}`,
    ...extra,
  };
}

async function verifyScript(tableName: string, bucket: string) {
  try {
    const { stdout } = await run(resolve(root, 'node_modules/.bin/tsx'), ['scripts/audit-verify.ts', '--archive'], {
      cwd: root,
      env: { ...process.env, TABLE_NAME: tableName, AUDIT_ARCHIVE_BUCKET: bucket, DYNAMODB_ENDPOINT: dynamoEndpoint(), S3_ENDPOINT: inject('s3Endpoint') },
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('audit verification against the archive', () => {
  let tableName: string;
  let bucket: string;
  let repo: DynamoAuditRepository;
  let archive: S3AuditArchive;
  let imageKey: string;

  const record = async (d: AuditDraft) => {
    const { entry } = await repo.appendEntry(await externalizeLargeImages(d, archive, 1000));
    await archive.putEntry(entry);
    return entry;
  };

  beforeAll(async () => {
    [tableName, bucket] = await Promise.all([freshTable(), freshBucket(s3)]);
    repo = new DynamoAuditRepository(client, tableName);
    archive = new S3AuditArchive(s3, bucket);
    for (const aggregate of ['contract#intact', 'contract#overwritten', 'contract#deleted', 'contract#rewritten', 'contract#gap']) {
      for (let n = 1; n <= 3; n += 1) await record(draft(aggregate, n));
    }
    const big = await record(draft('contract#big', 1, { after: { version: 1, terms: 'x'.repeat(2000) } }));
    imageKey = big.afterImage!.key;
  });

  it('writes every archive object with If-None-Match: *, and an intact table matches its archive', async () => {
    const puts = putHeaders;
    expect(puts.length).toBe(5 * 3 + 2);
    for (const headers of puts) expect(headers['if-none-match']).toBe('*');

    expect((await verifyAllChains(repo, { images: archive })).broken).toEqual([]);
    const clean = await verifyAgainstArchive(repo, archive);
    expect(clean).toMatchObject({ chainsCompared: 6, entriesCompared: 16, broken: [], versionsChecked: false });
  });

  it('finds an overwritten archive object, a deleted chain, a rewritten chain, a deleted entry and a changed image; the script exits 1 naming them', async () => {
    // An archive object written over (on AWS: refused by the bucket policy; a newer version at most).
    const forged = { ...JSON.parse(JSON.stringify(await repo.getEntry('contract#overwritten', 2))), actor: 'forger' };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: archiveEntryKey('contract#overwritten', 2), Body: JSON.stringify(forged) }));
    // A whole chain deleted from the table, head included: the walk of the table no longer sees it.
    for (const key of [keys.auditHead('contract#deleted'), ...[1, 2, 3].map((seq) => keys.auditEntry('contract#deleted', seq))]) {
      await client.send(new DeleteCommand({ TableName: tableName, Key: key }));
    }
    // A chain rewritten consistently (entries and head): the walk finds nothing wrong.
    for (const key of [keys.auditHead('contract#rewritten'), ...[1, 2, 3].map((seq) => keys.auditEntry('contract#rewritten', seq))]) {
      await client.send(new DeleteCommand({ TableName: tableName, Key: key }));
    }
    for (let n = 1; n <= 3; n += 1) await repo.appendEntry(draft('contract#rewritten', n, { actor: 'forger', eventId: `forged-${n}` }));
    // One entry deleted from the table.
    await client.send(new DeleteCommand({ TableName: tableName, Key: keys.auditEntry('contract#gap', 2) }));
    // An external image changed.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: imageKey, Body: JSON.stringify({ version: 1, terms: 'y' }) }));

    const walk = await verifyAllChains(repo, { images: archive });
    expect(walk.broken).toEqual([
      { aggregate: 'contract#big', breaks: [{ seq: 1, reason: 'image_mismatch' }] },
      { aggregate: 'contract#gap', breaks: [{ seq: 2, reason: 'gap' }] },
    ]);
    const compared = await verifyAgainstArchive(repo, archive);
    expect(compared.broken).toEqual([
      { aggregate: 'contract#deleted', breaks: [{ seq: 3, reason: 'chain_deleted' }] },
      { aggregate: 'contract#gap', breaks: [{ seq: 2, reason: 'missing_from_table' }] },
      { aggregate: 'contract#overwritten', breaks: [{ seq: 2, reason: 'archive_mismatch' }] },
      {
        aggregate: 'contract#rewritten',
        breaks: [1, 2, 3].map((seq) => ({ seq, reason: 'archive_mismatch' })),
      },
    ]);

    const { code, stdout } = await verifyScript(tableName, bucket);
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    expect(lines).toEqual([
      'BROKEN contract#big: seq 1 image_mismatch',
      'BROKEN contract#gap: seq 2 gap',
      '5 chains verified, 2 broken',
      'BROKEN contract#deleted: seq 3 chain_deleted',
      'BROKEN contract#gap: seq 2 missing_from_table',
      'BROKEN contract#overwritten: seq 2 archive_mismatch',
      'BROKEN contract#rewritten: seq 1 archive_mismatch; seq 2 archive_mismatch; seq 3 archive_mismatch',
      'archive: 6 chains and 13 entries compared, 4 broken',
      'archive: this store cannot list object versions; the current objects were read, not the first versions',
    ]);
  });
});
