/**
 * The audit consumer: the table's stream -> functions/audit/handler.ts, which turns every
 * change into a hash-chained audit entry and archives it to the Object Lock bucket.
 *
 * It is the one writer of evidence, so it can append and read but never erase: it may put and
 * update only audit items (table-access.ts: no DeleteItem, no BatchWriteItem, and no other role
 * may write audit items), and on the archive it may only add objects (s3:PutObject, which the
 * bucket policy accepts only with If-None-Match: *) and read back entries.
 */
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { keys } from '../../shared/adapters/dynamodb/table';
import { AUDIT_WRITE_ACTIONS, grantTableAccess, TABLE_READ_ACTIONS } from './table-access';
import { acknowledgeTableIndexes, acknowledgeWildcardResource, deadLetterQueue, defaultPolicyOf } from './acknowledgements';
import type { LambdaFactory } from './lambda';
import { orderedStreamSource } from './stream-source';

/** What the consumer may do in the table: read anything, put and update its own items only (table-access.ts). */
export const AUDIT_TABLE_ACTIONS = [...TABLE_READ_ACTIONS, ...AUDIT_WRITE_ACTIONS] as const;

/**
 * Sort keys of pure bookkeeping items that never become audit entries: the consumer's own
 * "record already processed" markers, idempotency records and the domain-events publisher's
 * markers (their TTL deletions included).
 * Lambda event filtering has no "anything-but prefix" (that is EventBridge-bus only), so the
 * pk prefixes of UNAUDITED_PREFIXES cannot be excluded here; these exact sort keys can, and
 * the handler still skips every UNAUDITED_PREFIXES key itself.
 */
export const BOOKKEEPING_SORT_KEYS = [keys.auditEvent('x').sk, keys.idempotency('x', 'y').sk, keys.eventPublication('x').sk] as const;

/** Where the consumer archives entries, and the lifecycle job the daily chain digests (shared/adapters/s3/audit-archive.ts). */
export const AUDIT_ENTRY_PREFIX = 'audit/';
export const AUDIT_DIGEST_PREFIX = 'digests/';
/** Item images too big for their entry, named by their sha256. */
export const AUDIT_IMAGE_PREFIX = 'images/';
/** Records per audit invocation (the stream's maximum payload, 6 MB, holds 1,000 usage changes easily). */
export const AUDIT_STREAM_BATCH_SIZE = 1_000;

export interface AuditLogProps {
  factory: LambdaFactory;
  table: dynamodb.ITableV2;
  archiveBucket: s3.IBucket;
}

export class AuditLog extends Construct {
  readonly consumer: lambda.Function;
  /** Stream batches that still failed after the retries; replay them after a fix. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: AuditLogProps) {
    super(scope, id);

    this.consumer = props.factory.create(this, 'Consumer', {
      folder: 'audit',
      description: 'Stream consumer: hash-chained audit entries and their S3 archive',
      // A batch of 1,000 changes that are not usage (each its own append, ~30-50 ms) fits with room.
      timeout: Duration.minutes(3),
      memorySize: 1024,
    });

    this.deadLetterQueue = deadLetterQueue(
      this,
      'DeadLetterQueue',
      'This queue is itself the on-failure destination of the audit stream mapping; it holds ' +
        'failed-batch pointers for 14 days for replay and has no consumer to redrive from.',
    );

    grantTableAccess(props.table, this.consumer, 'audit');
    this.consumer.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'AppendToAuditArchive',
        actions: ['s3:PutObject'],
        resources: [props.archiveBucket.arnForObjects(`${AUDIT_ENTRY_PREFIX}*`), props.archiveBucket.arnForObjects(`${AUDIT_IMAGE_PREFIX}*`)],
      }),
    );
    // A redelivered entry finds its object already there and reads it back to compare.
    this.consumer.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadBackAuditArchive',
        actions: ['s3:GetObject'],
        resources: [props.archiveBucket.arnForObjects(`${AUDIT_ENTRY_PREFIX}*`)],
      }),
    );

    // Every change since the stream's oldest record, in order: an audit gap is worse than a late entry.
    // Batches of up to 1,000 records: a usage partition's records of one batch become one entry,
    // so a 1,000-record ingest batch is about one entry per partition rather than several.
    this.consumer.addEventSource(
      orderedStreamSource(
        props.table,
        this.deadLetterQueue,
        [lambda.FilterCriteria.filter({ dynamodb: { Keys: { sk: { S: [{ 'anything-but': [...BOOKKEEPING_SORT_KEYS] }] } } } })],
        AUDIT_STREAM_BATCH_SIZE,
      ),
    );

    const policy = defaultPolicyOf(this.consumer);
    if (policy) {
      acknowledgeTableIndexes(policy, props.table);
      acknowledgeWildcardResource(
        policy,
        props.archiveBucket.arnForObjects(`${AUDIT_ENTRY_PREFIX}*`),
        'One object per audit entry under audit/<aggregate>/<seq>.json; aggregates are not known at deploy time.',
      );
      acknowledgeWildcardResource(
        policy,
        props.archiveBucket.arnForObjects(`${AUDIT_IMAGE_PREFIX}*`),
        'One object per item image too big for its entry, under images/sha256/<hash>.json; hashes are not known at deploy time.',
      );
    }
  }
}
