/**
 * `npm run audit:verify`: walks every audit chain of a table (through the chains index, page by
 * page, no Scan), recomputes every hash, compares each chain's end with its head, and checks
 * every image kept in the archive (sha256) that an entry references, and checks every usage chain
 * against its partition's items (each item named, with its content, by the last entry naming it;
 * shared/domain/audit/usage-batch.ts). Prints one line per broken
 * chain and a summary; exits 1 when any chain is broken. With `--digest <day>` it also checks
 * the chains against that day's archived digest; with `--archive` it compares every table entry
 * with its archived object (the oldest version) and every archived chain with the table.
 *
 *   DYNAMODB_ENDPOINT=http://127.0.0.1:PORT npm run audit:verify
 *   TABLE_NAME=<table> AWS_REGION=<region> npm run audit:verify -- --aws
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditRepository } from '../shared/adapters/dynamodb/audit-repository';
import { DynamoUsageItemsReader } from '../shared/adapters/dynamodb/usage-audit-items';
import { S3AuditArchive } from '../shared/adapters/s3/audit-archive';
import { digestIntact, verifyAgainstDigest } from '../shared/domain/audit/digest';
import { verifyAgainstArchive } from '../shared/domain/audit/verify-archive';
import { verifyAllChains, type BrokenChain } from '../shared/domain/audit/verify-chains';
import { LOCAL_AWS } from './lib/dynamodb-local';
import { LOCAL_S3_CREDENTIALS } from './lib/s3-local';

/** What `npm start` creates; its engines' ports are chosen at start-up and printed there. */
const LOCAL_STACK = { table: 'ctv-billing-local', archiveBucket: 'audit-archive' } as const;

const USAGE = `Verifies every audit chain of a table: recomputes each hash, checks links, seqs and heads,
and checks each usage partition's items against its chain (named, with that content, or gone).

Usage:
  DYNAMODB_ENDPOINT=<url> [TABLE_NAME=<table>] npm run audit:verify            against DynamoDB Local
  TABLE_NAME=<table> [AWS_REGION=<region>] npm run audit:verify -- --aws       against DynamoDB in AWS
  ... npm run audit:verify -- --digest <YYYY-MM-DD>    also check against that day's archived digest
  ... npm run audit:verify -- --archive   also compare every entry with its archived object (oldest
                               version) and find chains archived but gone from the table
  The archive (AUDIT_ARCHIVE_BUCKET, and S3_ENDPOINT when local) is also read for entry images
  too big for their item.

  TABLE_NAME defaults to the local stack's table (${LOCAL_STACK.table}) and AUDIT_ARCHIVE_BUCKET to its
  bucket (${LOCAL_STACK.archiveBucket}); DYNAMODB_ENDPOINT and S3_ENDPOINT are the lines \`npm start\` prints.
  Exit code: 0 all chains intact, 1 a chain is broken, 2 usage or runtime error.`;

/** S3 when it can be reached: in AWS, or locally once S3_ENDPOINT names s3rver. */
function archiveClient(local: boolean, region: string): S3Client | undefined {
  if (!local) return new S3Client({ region });
  const endpoint = process.env.S3_ENDPOINT;
  return endpoint ? new S3Client({ region, endpoint, forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS }) : undefined;
}

class ArchiveNotConfiguredError extends Error {
  constructor(what: string) {
    super(`${what} needs the archive: set S3_ENDPOINT (the line \`npm start\` prints) or use --aws`);
  }
}

function describeBroken(chain: BrokenChain): string {
  return `BROKEN ${chain.aggregate}: ${chain.breaks.map((b) => `seq ${b.seq} ${b.reason}${b.key !== undefined ? ` ${b.key}` : ''}`).join('; ')}`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      aws: { type: 'boolean', default: false },
      digest: { type: 'string' },
      archive: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (values.help || (!endpoint && !values.aws)) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const local = Boolean(endpoint) && !values.aws;
  const region = process.env.AWS_REGION ?? LOCAL_AWS.region;
  const base = local ? new DynamoDBClient({ ...LOCAL_AWS, endpoint }) : new DynamoDBClient({ region });
  const tableName = process.env.TABLE_NAME || LOCAL_STACK.table;
  const repository = new DynamoAuditRepository(DynamoDBDocumentClient.from(base), tableName);
  const usage = new DynamoUsageItemsReader(base, tableName);
  const s3 = archiveClient(local, region);
  const archive = s3 ? new S3AuditArchive(s3, process.env.AUDIT_ARCHIVE_BUCKET || LOCAL_STACK.archiveBucket) : undefined;
  const requireArchive = (what: string): S3AuditArchive => {
    if (!archive) throw new ArchiveNotConfiguredError(what);
    return archive;
  };
  try {
    const images = { readImage: (key: string) => requireArchive(`checking the image ${key}`).readImage(key) };
    const result = await verifyAllChains(repository, { images, usage, onBroken: (chain) => console.log(describeBroken(chain)) });
    let broken = result.broken.length;
    console.log(`${result.chainsVerified} chains verified, ${broken} broken`);

    if (values.archive) {
      const compared = await verifyAgainstArchive(repository, requireArchive('--archive'), { onBroken: (chain) => console.log(describeBroken(chain)) });
      console.log(`archive: ${compared.chainsCompared} chains and ${compared.entriesCompared} entries compared, ${compared.broken.length} broken`);
      if (!compared.versionsChecked) {
        console.log('archive: this store cannot list object versions; the current objects were read, not the first versions');
      }
      broken += compared.broken.length;
    }

    if (values.digest) {
      const digest = await requireArchive('--digest').readDigest(values.digest);
      if (!digest) {
        console.log(`BROKEN digest ${values.digest}: not in the archive`);
        return 1;
      }
      if (!digestIntact(digest)) {
        console.log(`BROKEN digest ${values.digest}: its hash does not match its chain list`);
        return 1;
      }
      const againstDigest = await verifyAgainstDigest(repository, digest);
      for (const chain of againstDigest) console.log(describeBroken(chain));
      console.log(`digest ${values.digest}: ${digest.chains.length} chains checked, ${againstDigest.length} broken`);
      broken += againstDigest.length;
    }
    return broken > 0 ? 1 : 0;
  } finally {
    base.destroy();
    s3?.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('audit verification failed to run:', error);
    process.exit(2);
  },
);
