/**
 * The audit Lambda: consumes the table's stream and records every audited change in its
 * aggregate's hash chain (shared/domain/audit), then archives it to S3.
 *
 * Usage items are recorded per batch (shared/domain/audit/usage-batch.ts): the usage records of
 * one chain in this batch, in stream order (up to MAX_USAGE_BATCH_RECORDS at a time), become one
 * entry, appended when the first of them comes up; the others answer with its outcome.
 *
 * Records are processed one by one in stream order. Once a record fails, every later record
 * of the same aggregate in the batch fails too without being tried: the retry then delivers
 * them again after the failed one, so an aggregate's chain always follows the stream's order.
 * Records of other aggregates go on; if they are redelivered, their markers make that harmless.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { aggregateOf, recordPk, toAuditChange } from '../../shared/adapters/dynamodb/audit-stream';
import { S3AuditArchive } from '../../shared/adapters/s3/audit-archive';
import type { AuditChange } from '../../shared/domain/audit/entry';
import type { AuditImageStore } from '../../shared/domain/audit/images';
import type { AuditArchive, AuditChainWriter, SequencedChainWriter } from '../../shared/domain/audit/ports';
import { recordChange } from '../../shared/domain/audit/record-change';
import { recordUsageBatch, type UsageBatchResult } from '../../shared/domain/audit/record-usage-batch';
import { isSequence, isUsageChange, MAX_USAGE_BATCH_RECORDS } from '../../shared/domain/audit/usage-batch';
import { systemClock, type Clock } from '../../shared/domain/kernel/clock';
import { config } from '../runtime/config';
import { dynamo } from '../runtime/clients';
import { s3 } from '../runtime/s3-client';
import { MetricName } from '../runtime/metric-names';
import { logger as sharedLogger, metrics as sharedMetrics, MetricUnit } from '../runtime/observability';

export interface AuditHandlerDeps {
  repository: AuditChainWriter & SequencedChainWriter;
  archive: AuditArchive;
  /** Where images too big for an entry's item go (the archive bucket in production). */
  images?: AuditImageStore;
  clock: Clock;
  logger?: Logger;
  /** Where the audit lag goes; the container's metrics by default (flushed after each batch). */
  metrics?: Metrics;
  /** Called before each record with its position in the batch; a throw fails that record (fault injection in tests). */
  beforeRecord?: (record: DynamoDBRecord, index: number) => void | Promise<void>;
}

export type AuditStreamHandler = (event: DynamoDBStreamEvent, context?: Context) => Promise<DynamoDBBatchResponse>;

export class OrderHeldError extends Error {
  override readonly name = 'OrderHeldError';
  readonly code = 'audit_order_held';
  constructor(readonly aggregate: string) {
    super(`an earlier record of ${aggregate} failed in this batch; this one waits for the retry`);
  }
}

/** now - the record's ApproximateCreationDateTime (epoch seconds in Lambda's event), never negative. */
export function auditLagMs(record: DynamoDBRecord, now: Date): number | undefined {
  const created = record.dynamodb?.ApproximateCreationDateTime;
  if (typeof created !== 'number' || !Number.isFinite(created) || created <= 0) return undefined;
  return Math.max(0, now.getTime() - created * 1000);
}

/** Usage records of one chain that are appended as one entry. */
interface UsageGroup {
  changes: AuditChange[];
  result?: Promise<UsageBatchResult>;
}

/**
 * Groups the batch's usage records by chain, in stream order. A group ends at MAX_USAGE_BATCH_RECORDS
 * and at a record of the same partition that cannot be read (that record fails, and the ones after
 * it must wait for the retry, so they may not be appended before it).
 */
function usageGroups(records: readonly DynamoDBRecord[]): Map<DynamoDBRecord, UsageGroup> {
  const byRecord = new Map<DynamoDBRecord, UsageGroup>();
  const open = new Map<string, UsageGroup>();
  for (const record of records) {
    let change: AuditChange | undefined;
    try {
      change = toAuditChange(record);
    } catch {
      const pk = recordPk(record);
      if (pk !== undefined) open.delete(aggregateOf(null, pk));
      continue;
    }
    if (!change) continue;
    if (!isUsageChange(change) || !isSequence(change.sequence)) {
      open.delete(change.aggregate);
      continue;
    }
    let group = open.get(change.aggregate);
    if (!group || group.changes.length >= MAX_USAGE_BATCH_RECORDS) {
      group = { changes: [] };
      open.set(change.aggregate, group);
    }
    group.changes.push(change);
    byRecord.set(record, group);
  }
  return byRecord;
}

export function makeAuditHandler(deps: AuditHandlerDeps): AuditStreamHandler {
  const logger = deps.logger ?? sharedLogger;
  const metrics = deps.metrics ?? sharedMetrics;
  const recordDeps = { writer: deps.repository, archive: deps.archive, images: deps.images, clock: deps.clock };

  return async (event, context) => {
    // Per invocation: the items and aggregates that already have a failed record in this batch.
    const held = new Set<string>();
    const groups = usageGroups(event.Records ?? []);
    let index = 0;

    const recordHandler = async (record: DynamoDBRecord) => {
      const position = index;
      index += 1;
      // Reading the record is pure; a record that cannot be read fails below, after the hook.
      let change: AuditChange | undefined;
      let unreadable: unknown;
      try {
        change = toAuditChange(record);
      } catch (error) {
        unreadable = error;
      }
      // A failure holds back both the item and its aggregate, so an unreadable record still
      // holds back the later records of the same item.
      const pk = recordPk(record);
      // The stream event id correlates this record's lines (removed again below).
      logger.appendKeys({ correlationId: record.eventID });
      const orderKeys = [pk === undefined ? undefined : `pk:${pk}`, change?.aggregate].filter((k): k is string => k !== undefined);
      try {
        await deps.beforeRecord?.(record, position);
        if (unreadable !== undefined) throw unreadable;
        if (!change) {
          logger.debug('item not audited', { pk });
          return 'skipped';
        }
        if (orderKeys.some((key) => held.has(key))) throw new OrderHeldError(change.aggregate);
        const lag = auditLagMs(record, deps.clock.now());
        const group = groups.get(record);
        if (group) {
          const first = group.result === undefined;
          group.result ??= recordUsageBatch(group.changes, recordDeps);
          const { appended, replayed } = await group.result;
          if (lag !== undefined) metrics.addMetric(MetricName.AUDIT_LAG, MetricUnit.Milliseconds, lag);
          if (first) {
            logger.info('usage batch recorded', { aggregate: change.aggregate, seq: appended?.seq, records: group.changes.length, replayed, eventId: change.eventId });
          }
          return appended ? 'appended' : 'duplicate';
        }
        const { outcome, entry } = await recordChange(change, recordDeps);
        if (lag !== undefined) metrics.addMetric(MetricName.AUDIT_LAG, MetricUnit.Milliseconds, lag);
        // Identifiers only: images hold amounts, which stay out of info logs.
        logger.info('audit entry recorded', { outcome, aggregate: entry.aggregate, seq: entry.seq, action: entry.action, eventId: entry.eventId });
        return outcome;
      } catch (error) {
        for (const key of orderKeys) held.add(key);
        if (!(error instanceof OrderHeldError)) {
          logger.error('audit record failed', { eventId: record.eventID, pk, aggregate: change?.aggregate, position, error: error as Error });
        }
        throw error;
      } finally {
        logger.removeKeys(['correlationId']);
      }
    };

    // A new processor per invocation: its state is per batch, and the local poller may overlap calls.
    const processor = new BatchProcessor(EventType.DynamoDBStreams, { logger });
    try {
      return await processPartialResponse(event, recordHandler, processor, {
        context,
        processInParallel: false,
        // A batch where every record failed is reported like any other, not thrown: the retry is the same.
        throwOnFullBatchFailure: false,
      });
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

let production: AuditStreamHandler | undefined;

/** The deployed handler, wired on first use so that importing this module reads no configuration. */
export const handler: AuditStreamHandler = (event, context) => {
  if (!production) {
    const { TABLE_NAME, AUDIT_ARCHIVE_BUCKET } = config();
    const archive = new S3AuditArchive(s3(), AUDIT_ARCHIVE_BUCKET);
    production = makeAuditHandler({
      repository: new DynamoAuditRepository(dynamo(), TABLE_NAME),
      archive,
      images: archive,
      clock: systemClock,
    });
  }
  return production(event, context);
};
