/**
 * Loads a bulk usage file into the running local stack (`npm start`), the way AWS does it: the
 * file is uploaded to the usage bucket under usage/<contract>/<kind>/<name>, then the usage-file
 * Lambda handler is invoked with the S3 ObjectCreated event. Prints progress and the report.
 *
 *   npm run usage:load -- <file.csv|.ndjson|.jsonl[.gz]> --contract <id> [--kind impressions|conversions] [--name <object name>]
 *
 * Exit code: 0 all rows stored, 2 some rows rejected (see the report), 1 the file failed.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_AWS } from './lib/dynamodb-local';
import { LOCAL_S3_CREDENTIALS } from './lib/s3-local';
import { objectCreatedEvent } from './lib/s3-event';
import { readStackState, STACK_STATE_FILE } from './lib/stack-state';
import { FileStatus, parseUsageFileKey, usageFileKey, type UsageFileReport } from '../shared/domain/usage/file-format';
import { UsageKind } from '../shared/domain/usage/types';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The handler's structured logs would bury the progress lines; errors still show.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

const USAGE = 'usage: npm run usage:load -- <file> --contract <id> [--kind impressions|conversions] [--name <object name>]';

/** The kind from the file name, else from the first line's field names. */
function detectKind(file: string): UsageKind | null {
  const name = basename(file).toLowerCase();
  if (name.includes('impression')) return UsageKind.IMPRESSIONS;
  if (name.includes('conversion')) return UsageKind.CONVERSIONS;
  const raw = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).subarray(0, 64 * 1024).toString('utf8');
  const first = text.split(/\r?\n/).find((line) => line.trim() !== '') ?? '';
  if (/\boccurredAt\b/.test(first)) return UsageKind.CONVERSIONS;
  if (/\bcount\b/.test(first)) return UsageKind.IMPRESSIONS;
  return null;
}

function printReport(report: UsageFileReport, reportKey: string | null, bucket: string): void {
  console.log(`\n${report.status}: ${report.rows} rows, ${report.accepted} accepted, ${report.duplicates} duplicates, ${report.rejected} rejected`);
  if (report.failure) console.log(`  ${report.failure.code}: ${report.failure.message}`);
  for (const row of report.errors.slice(0, 20)) {
    console.log(`  line ${row.line}: ${row.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ')}`);
  }
  if (report.rejected > 20) console.log(`  ... ${report.rejected - 20} more rejected rows in the report`);
  if (reportKey) console.log(`report: s3://${bucket}/${reportKey}`);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { contract: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' } },
  });
  const file = positionals[0];
  if (!file || !values.contract || positionals.length > 1) {
    console.error(USAGE);
    return 1;
  }
  const kind = (values.kind ?? detectKind(file)) as UsageKind | null;
  if (kind !== UsageKind.IMPRESSIONS && kind !== UsageKind.CONVERSIONS) {
    console.error(values.kind ? `--kind must be impressions or conversions, not "${values.kind}"` : `cannot tell the kind of ${file}: pass --kind impressions|conversions`);
    return 1;
  }
  const key = usageFileKey(values.contract, kind, values.name ?? basename(file));
  const parsedKey = parseUsageFileKey(key);
  if ('error' in parsedKey) {
    console.error(`${parsedKey.error} (use a .csv, .ndjson or .jsonl file, optionally .gz, or pass --name)`);
    return 1;
  }

  const stack = readStackState();
  if (!stack) {
    console.error(`no running local stack (${STACK_STATE_FILE} is missing or stale): start it with "npm start" first`);
    return 1;
  }
  // The handler's configuration, read once at its first import: the running stack's engines.
  Object.assign(process.env, {
    TABLE_NAME: stack.tableName,
    USAGE_BUCKET: stack.buckets.usage,
    EXPORTS_BUCKET: stack.buckets.exports,
    AUDIT_ARCHIVE_BUCKET: stack.buckets.auditArchive,
    DYNAMODB_ENDPOINT: stack.endpoints.dynamodb,
    S3_ENDPOINT: stack.endpoints.s3,
    AWS_REGION: LOCAL_AWS.region,
    STAGE: 'local',
  });
  const { createUsageFileHandler, fromRuntime } = await import('../functions/usage-file/handler');

  const size = statSync(file).size;
  const bucket = stack.buckets.usage;
  console.log(`uploading ${file} (${size} bytes) to s3://${bucket}/${key}`);
  // s3rver stores the SDK's default streaming checksum trailer (aws-chunked) as part of the
  // object, so the upload asks for checksums only when the API requires them (PutObject does not).
  const uploader = new S3Client({
    region: LOCAL_AWS.region,
    endpoint: stack.endpoints.s3,
    forcePathStyle: true,
    credentials: LOCAL_S3_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const put = await uploader.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(file), ContentLength: size }));
  uploader.destroy();

  let lastPrinted = 0;
  const handler = createUsageFileHandler(() => ({
    ...fromRuntime(),
    onProgress: (report) => {
      if (report.rows - lastPrinted >= 1_000 || lastPrinted === 0) {
        lastPrinted = report.rows;
        console.log(`  ${report.rows} rows: ${report.accepted} accepted, ${report.duplicates} duplicates, ${report.rejected} rejected`);
      }
    },
  }));
  console.log(`ingesting ${kind} for contract ${values.contract}`);
  const result = await handler(objectCreatedEvent({ bucket, key, eTag: put.ETag ?? '', size, principalId: `local:${userInfo().username}` }));
  const outcome = result.reports[0];
  if (!outcome?.report) {
    console.error('the handler produced no report');
    return 1;
  }
  if (outcome.skipped) console.log(`this exact file was already ingested (same ETag); pass --name to load it again under another name`);
  printReport(outcome.report, outcome.reportKey, bucket);
  if (outcome.report.status === FileStatus.FAILED) return 1;
  return outcome.report.rejected > 0 ? 2 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('usage:load failed:', error);
    process.exit(1);
  },
);
