/**
 * Bulk usage files: S3 ObjectCreated events for `usage/` in the usage bucket. Each object is
 * streamed, ingested row by row through the API's own checks and use cases, and answered with
 * `reports/<key>.report.json`. A redelivered event for an object already reported (same ETag)
 * does nothing; a failure mid-file writes a FAILED report and rethrows, so the invocation is
 * retried (impressions replace, stored conversions come back as duplicates: no double counting).
 */
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { ContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { DirectoryRepository } from '../../shared/adapters/dynamodb/directory-repository';
import { DynamoUsageRepository } from '../../shared/adapters/dynamodb/usage-repository';
import { UsageFileStore } from '../../shared/adapters/s3/usage-files';
import type { PartnerLookup } from '../../shared/domain/contracts/store';
import { systemClock, type Clock } from '../../shared/domain/kernel/clock';
import { usageContractLookup } from '../../shared/domain/usage/contract-view';
import { FileStatus, USAGE_FILE_PREFIX, type UsageFileReport } from '../../shared/domain/usage/file-format';
import { ingestUsageFile, UsageFileFailed } from '../../shared/domain/usage/ingest-file';
import type { UsageContractLookup, UsageStore } from '../../shared/domain/usage/types';
import { parseConversion, parseImpression } from '../../shared/schemas/usage';
import { dynamo } from '../runtime/clients';
import { s3 } from '../runtime/s3-client';
import { config } from '../runtime/config';
import { MetricName } from '../runtime/metric-names';
import { flushMetrics, logger, metrics, MetricUnit } from '../runtime/observability';

export interface UsageFileDeps {
  files: (bucket: string) => UsageFileStore;
  store: UsageStore;
  contracts: UsageContractLookup;
  /** The partner directory; rows naming a partner it lacks are rejected. */
  partners: PartnerLookup;
  clock: Clock;
  /** Progress of each file (the CLI prints it; the Lambda logs it). */
  onProgress?: (report: Readonly<UsageFileReport>) => void;
}

export interface UsageFileResult {
  reports: Array<{ key: string; reportKey: string | null; report: UsageFileReport | null; skipped: boolean }>;
}

/**
 * S3 notifications (`eventSource: "aws:s3"`) URL-encode keys, `+` for a space; the records the
 * EventBridge rule reshapes (`"aws.s3"`, infra/constructs/usage-files.ts) carry the key as is.
 */
function objectKeyOf(record: S3EventRecord): string {
  const key = record.s3.object.key;
  return record.eventSource === 'aws.s3' ? key : decodeURIComponent(key.replace(/\+/g, ' '));
}

function countRows(report: UsageFileReport): void {
  metrics.addMetric(MetricName.INGEST_ROWS_ACCEPTED, MetricUnit.Count, report.accepted);
  metrics.addMetric(MetricName.INGEST_ROWS_REJECTED, MetricUnit.Count, report.rejected);
}

export function createUsageFileHandler(deps: () => UsageFileDeps) {
  return async (event: S3Event): Promise<UsageFileResult> => {
    try {
      return await ingestRecords(event, deps());
    } finally {
      logger.removeKeys(['correlationId']);
      flushMetrics();
    }
  };
}

async function ingestRecords(event: S3Event, usageDeps: UsageFileDeps): Promise<UsageFileResult> {
  const { files, store, contracts, partners, clock, onProgress } = usageDeps;
  const result: UsageFileResult = { reports: [] };
  for (const record of event.Records ?? []) {
    const bucket = record.s3.bucket.name;
    const key = objectKeyOf(record);
    // The object correlates the lines of its ingestion (progress included).
    logger.appendKeys({ correlationId: `s3://${bucket}/${key}` });
    if (!key.startsWith(USAGE_FILE_PREFIX)) {
      result.reports.push({ key, reportKey: null, report: null, skipped: true });
      continue;
    }
    const location = files(bucket);
    const eventETag = record.s3.object.eTag ?? null;
    const previous = eventETag ? await location.readReport(key) : null;
    if (previous && previous.status === FileStatus.COMPLETED && sameETag(previous.source.eTag, eventETag)) {
      logger.info('usage file already ingested', { bucket, key });
      result.reports.push({ key, reportKey: null, report: previous, skipped: true });
      continue;
    }
    const opened = await location.open(key);
    const actor = record.userIdentity?.principalId ? `s3:${record.userIdentity.principalId}` : 'system:usage-file';
    const input = { bucket, key, eTag: opened.eTag, lines: opened.lines, actor, onProgress };
    let report: UsageFileReport;
    try {
      report = await ingestUsageFile({ store, clock, contracts, partners, parse: { impression: parseImpression, conversion: parseConversion } }, input);
    } catch (error) {
      if (error instanceof UsageFileFailed) {
        countRows(error.report);
        await location.writeReport(error.report);
      }
      throw error;
    } finally {
      opened.close();
    }
    countRows(report);
    const reportKey = await location.writeReport(report);
    logger.info('usage file ingested', { bucket, key, reportKey, status: report.status, rows: report.rows, accepted: report.accepted, duplicates: report.duplicates, rejected: report.rejected });
    result.reports.push({ key, reportKey, report, skipped: false });
  }
  return result;
}

const sameETag = (a: string | null, b: string | null) => a !== null && b !== null && a.replace(/"/g, '') === b.replace(/"/g, '');

let runtimeDeps: UsageFileDeps | undefined;

/** The Lambda's dependencies, built once from the runtime configuration (the local loader reuses them). */
export function fromRuntime(): UsageFileDeps {
  if (!runtimeDeps) {
    const { TABLE_NAME } = config();
    runtimeDeps = {
      files: (bucket) => new UsageFileStore(s3(), bucket),
      store: new DynamoUsageRepository(dynamo(), TABLE_NAME),
      contracts: usageContractLookup(new ContractRepository(dynamo(), TABLE_NAME)),
      partners: new DirectoryRepository(dynamo(), TABLE_NAME),
      clock: systemClock,
      onProgress: (report) => logger.info('usage file progress', { key: report.source.key, rows: report.rows, accepted: report.accepted, rejected: report.rejected }),
    };
  }
  return runtimeDeps;
}

export const handler = createUsageFileHandler(fromRuntime);
