/**
 * `npm run audit:verify`: walks every audit chain of a table (through the chains index, page by
 * page, no Scan), recomputes every hash and compares each chain's end with its head. Prints one
 * line per broken chain and a summary; exits 1 when any chain is broken. With `--digest <day>`
 * it also checks the chains against that day's archived digest.
 *
 *   DYNAMODB_ENDPOINT=http://127.0.0.1:PORT npm run audit:verify
 *   TABLE_NAME=<table> AWS_REGION=<region> npm run audit:verify -- --aws
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditRepository } from '../shared/adapters/dynamodb/audit-repository';
import { S3AuditArchive } from '../shared/adapters/s3/audit-archive';
import { digestIntact, verifyAgainstDigest } from '../shared/domain/audit/digest';
import { verifyAllChains, type BrokenChain } from '../shared/domain/audit/verify-chains';
import { LOCAL_AWS } from './lib/dynamodb-local';
import { LOCAL_S3_CREDENTIALS } from './lib/s3-local';

/** What `npm start` creates; its engines' ports are chosen at start-up and printed there. */
const LOCAL_STACK = { table: 'ctv-billing-local', archiveBucket: 'audit-archive' } as const;

const USAGE = `Verifies every audit chain of a table: recomputes each hash, checks links, seqs and heads.

Usage:
  DYNAMODB_ENDPOINT=<url> [TABLE_NAME=<table>] npm run audit:verify            against DynamoDB Local
  TABLE_NAME=<table> [AWS_REGION=<region>] npm run audit:verify -- --aws       against DynamoDB in AWS
  ... npm run audit:verify -- --digest <YYYY-MM-DD>    also check against that day's archived digest
                               (reads AUDIT_ARCHIVE_BUCKET, and S3_ENDPOINT when local)

  TABLE_NAME defaults to the local stack's table (${LOCAL_STACK.table}) and AUDIT_ARCHIVE_BUCKET to its
  bucket (${LOCAL_STACK.archiveBucket}); DYNAMODB_ENDPOINT and S3_ENDPOINT are the lines \`npm start\` prints.
  Exit code: 0 all chains intact, 1 a chain is broken, 2 usage or runtime error.`;

function describeBroken(chain: BrokenChain): string {
  return `BROKEN ${chain.aggregate}: ${chain.breaks.map((b) => `seq ${b.seq} ${b.reason}`).join('; ')}`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      aws: { type: 'boolean', default: false },
      digest: { type: 'string' },
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
  const repository = new DynamoAuditRepository(DynamoDBDocumentClient.from(base), process.env.TABLE_NAME || LOCAL_STACK.table);
  let s3: S3Client | undefined;
  try {
    const result = await verifyAllChains(repository, { onBroken: (chain) => console.log(describeBroken(chain)) });
    let broken = result.broken.length;
    console.log(`${result.chainsVerified} chains verified, ${broken} broken`);

    if (values.digest) {
      s3 = local
        ? new S3Client({ region, endpoint: process.env.S3_ENDPOINT, forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS })
        : new S3Client({ region });
      const archive = new S3AuditArchive(s3, process.env.AUDIT_ARCHIVE_BUCKET || LOCAL_STACK.archiveBucket);
      const digest = await archive.readDigest(values.digest);
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
