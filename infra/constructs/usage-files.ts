/**
 * Bulk usage files: an object created under `usage/` in the usage bucket runs
 * functions/usage-file/handler.ts, which writes its report under `reports/`.
 *
 * The bucket lives in the stateful stack and the function here, so the bucket cannot name the
 * function in its own notification configuration (the stacks would depend on each other).
 * The bucket sends its events to EventBridge instead, and a rule here invokes the function
 * with the event reshaped into the S3 notification record the handler reads
 * (`Records[].s3.bucket.name`, `.object.key`, `.object.eTag`, `userIdentity.principalId`).
 * One difference stays: EventBridge carries the key as is, where S3 notifications URL-encode
 * it; the records say `eventSource: "aws.s3"` (not `"aws:s3"`) so the handler can tell.
 */
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { grantTableAccess } from './table-access';
import { USAGE_FILE_PREFIX, USAGE_REPORT_PREFIX } from '../../shared/domain/usage/file-format';
import { acknowledgeTableIndexes, acknowledgeWildcardResource, deadLetterQueue, defaultPolicyOf } from './acknowledgements';
import type { LambdaFactory } from './lambda';

export const USAGE_FILE_FOLDER = 'usage-file';

/** The EventBridge event, reshaped into the S3 notification record the handler reads. */
export const USAGE_FILE_EVENT_INPUT = {
  Records: [
    {
      eventSource: 'aws.s3',
      eventName: 'ObjectCreated',
      eventTime: events.EventField.time,
      s3: {
        bucket: { name: events.EventField.fromPath('$.detail.bucket.name') },
        object: {
          key: events.EventField.fromPath('$.detail.object.key'),
          eTag: events.EventField.fromPath('$.detail.object.etag'),
        },
      },
      userIdentity: { principalId: events.EventField.fromPath('$.detail.requester') },
    },
  ],
};

export interface UsageFilesProps {
  factory: LambdaFactory;
  table: dynamodb.ITableV2;
  /** Must send its events to EventBridge (the stateful stack enables it). */
  usageBucket: s3.IBucket;
}

export class UsageFiles extends Construct {
  readonly ingestFunction: lambda.Function;
  readonly rule: events.Rule;
  /** Events EventBridge could not deliver after its retries. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: UsageFilesProps) {
    super(scope, id);

    this.ingestFunction = props.factory.create(this, 'IngestFunction', {
      folder: USAGE_FILE_FOLDER,
      description: 'Bulk usage files: ingest usage/ objects, write reports/',
      // Files are streamed in batches of 1,000 rows; a large month of conversions takes minutes.
      timeout: Duration.minutes(15),
      memorySize: 1024,
    });
    grantTableAccess(props.table, this.ingestFunction, 'usageFiles');
    const { usageBucket } = props;
    this.ingestFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadUsageFilesAndReports',
        actions: ['s3:GetObject'],
        resources: [usageBucket.arnForObjects(`${USAGE_FILE_PREFIX}*`), usageBucket.arnForObjects(`${USAGE_REPORT_PREFIX}*`)],
      }),
    );
    this.ingestFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'WriteReports',
        actions: ['s3:PutObject'],
        resources: [usageBucket.arnForObjects(`${USAGE_REPORT_PREFIX}*`)],
      }),
    );
    // Without ListBucket a missing report answers 403 instead of NoSuchKey (first run of a file).
    this.ingestFunction.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'TellMissingReports', actions: ['s3:ListBucket'], resources: [usageBucket.bucketArn] }),
    );

    this.deadLetterQueue = deadLetterQueue(
      this,
      'DeadLetterQueue',
      'This queue is itself the dead-letter queue of the usage-file rule; an undelivered file event is re-sent from it by hand.',
    );

    this.rule = new events.Rule(this, 'ObjectCreated', {
      description: `Usage files created under ${USAGE_FILE_PREFIX}`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [usageBucket.bucketName] },
          object: { key: [{ prefix: USAGE_FILE_PREFIX }] },
        },
      },
      targets: [
        new targets.LambdaFunction(this.ingestFunction, {
          event: events.RuleTargetInput.fromObject(USAGE_FILE_EVENT_INPUT),
          retryAttempts: 4,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });

    const policy = defaultPolicyOf(this.ingestFunction);
    if (policy) {
      acknowledgeTableIndexes(policy, props.table);
      const reason = 'Object keys under this prefix name contracts and files not known at deploy time; the wildcard stays inside the prefix.';
      acknowledgeWildcardResource(policy, usageBucket.arnForObjects(`${USAGE_FILE_PREFIX}*`), reason);
      acknowledgeWildcardResource(policy, usageBucket.arnForObjects(`${USAGE_REPORT_PREFIX}*`), reason);
    }
  }
}
