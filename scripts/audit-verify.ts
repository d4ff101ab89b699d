/**
 * `npm run audit:verify`: walks every audit chain of a table (through the chains index, page by
 * page, no Scan), recomputes every hash and compares each chain's end with its head. Prints one
 * line per broken chain and a summary; exits 1 when any chain is broken.
 *
 *   TABLE_NAME=ctv-billing-local DYNAMODB_ENDPOINT=http://127.0.0.1:PORT npm run audit:verify
 *   TABLE_NAME=<table> AWS_REGION=<region> npm run audit:verify -- --aws
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditRepository } from '../shared/adapters/dynamodb/audit-repository';
import { verifyAllChains, type BrokenChain } from '../shared/domain/audit/verify-chains';
import { LOCAL_AWS } from './lib/dynamodb-local';

/** The table `npm start` creates; its DynamoDB Local port is chosen at start-up and printed there. */
const LOCAL_STACK_TABLE = 'ctv-billing-local';

const USAGE = `Verifies every audit chain of a table: recomputes each hash, checks links, seqs and heads.

Usage:
  DYNAMODB_ENDPOINT=<url> [TABLE_NAME=<table>] npm run audit:verify    against DynamoDB Local
  TABLE_NAME=<table> [AWS_REGION=<region>] npm run audit:verify -- --aws   against DynamoDB in AWS

  TABLE_NAME defaults to the local stack's table (${LOCAL_STACK_TABLE}); DYNAMODB_ENDPOINT is the
  DynamoDB line that \`npm start\` prints. Exit code: 0 all chains intact, 1 a chain is broken,
  2 usage error.`;

function describeBroken(chain: BrokenChain): string {
  return `BROKEN ${chain.aggregate}: ${chain.breaks.map((b) => `seq ${b.seq} ${b.reason}`).join('; ')}`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { aws: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (values.help || (!endpoint && !values.aws)) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const tableName = process.env.TABLE_NAME || LOCAL_STACK_TABLE;
  const base =
    endpoint && !values.aws
      ? new DynamoDBClient({ ...LOCAL_AWS, endpoint })
      : new DynamoDBClient({ region: process.env.AWS_REGION ?? LOCAL_AWS.region });
  const repository = new DynamoAuditRepository(DynamoDBDocumentClient.from(base), tableName);
  try {
    const result = await verifyAllChains(repository, { onBroken: (chain) => console.log(describeBroken(chain)) });
    console.log(`${result.chainsVerified} chains verified, ${result.broken.length} broken`);
    return result.broken.length > 0 ? 1 : 0;
  } finally {
    base.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('audit verification failed to run:', error);
    process.exit(2);
  },
);
