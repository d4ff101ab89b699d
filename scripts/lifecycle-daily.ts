/**
 * `npm run lifecycle:daily -- [--date YYYY-MM-DD]`: the daily contract lifecycle job (auto-renewals submitted for approval,
 * expiries, terminations taking effect) against the local stack's table, with the same code the
 * scheduled Lambda runs. Without --date each contract is judged on its own local today.
 *
 *   DYNAMODB_ENDPOINT=http://127.0.0.1:PORT [TABLE_NAME=ctv-billing-local] npm run lifecycle:daily -- --date 2027-12-31
 *   TABLE_NAME=<table> AWS_REGION=<region> npm run lifecycle:daily -- --aws
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ContractRepository } from '../shared/adapters/dynamodb/contract-repository';
import { systemClock } from '../shared/domain/kernel/clock';
import { isDay } from '../shared/domain/kernel/calendar';
import { runLifecycle } from '../functions/lifecycle/handler';
import { parseThresholds } from '../shared/domain/contracts/approval-policy';
import { LOCAL_AWS } from './lib/dynamodb-local';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const LOCAL_STACK_TABLE = 'ctv-billing-local';

const USAGE = `Runs the daily contract lifecycle job once.

Usage:
  DYNAMODB_ENDPOINT=<url> [TABLE_NAME=<table>] npm run lifecycle:daily -- [--date YYYY-MM-DD]
  TABLE_NAME=<table> [AWS_REGION=<region>] npm run lifecycle:daily -- --aws [--date YYYY-MM-DD]

  DYNAMODB_ENDPOINT is the DynamoDB line \`npm start\` prints; TABLE_NAME defaults to ${LOCAL_STACK_TABLE}.
  --date judges every contract on that day instead of its local today. Exit code 1 when a contract failed.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { date: { type: 'string' }, aws: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    strict: true,
  });
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (values.help || (!endpoint && !values.aws) || (values.date !== undefined && !isDay(values.date))) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const base =
    endpoint && !values.aws ? new DynamoDBClient({ ...LOCAL_AWS, endpoint }) : new DynamoDBClient({ region: process.env.AWS_REGION ?? LOCAL_AWS.region });
  try {
    const contracts = new ContractRepository(DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } }), process.env.TABLE_NAME || LOCAL_STACK_TABLE);
    const report = await runLifecycle({ contracts, thresholds: parseThresholds(process.env.APPROVAL_THRESHOLDS) }, systemClock, values.date);
    console.log(
      `examined ${report.examined}: renewals submitted ${report.renewalsSubmitted.length}, awaiting renewal approval ${report.awaitingRenewalApproval.length}, ` +
        `expired ${report.expired.length}, terminated ${report.terminated.length}, failed ${report.failed.length}`,
    );
    for (const r of report.renewalsSubmitted) console.log(`renewal    ${r.contractId} version ${r.version}: committed ${r.committedValue}, ${r.approvals} approval(s) needed`);
    for (const id of report.awaitingRenewalApproval) console.log(`awaiting   ${id}: its renewal is not approved yet`);
    for (const id of report.expired) console.log(`expired    ${id}`);
    for (const id of report.terminated) console.log(`terminated ${id}`);
    for (const f of report.failed) console.log(`FAILED     ${f.contractId}: ${f.error}`);
    return report.failed.length > 0 ? 1 : 0;
  } finally {
    base.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('the lifecycle job failed to run:', error);
    process.exit(2);
  },
);
