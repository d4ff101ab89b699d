/**
 * Everything that holds data: the one DynamoDB table, the S3 buckets and the user directory.
 * Kept apart from the service stack so code deploys never touch them, with fixed logical ids
 * so a refactor of construct ids can never make CloudFormation replace (and empty) them.
 */
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import { TABLE_DEFINITION, TABLE_KEYS } from '../../shared/adapters/dynamodb/table';
import type { AuthSettings, LambdaCodeMode } from '../config';
import { type JwtIssuerSettings, UserDirectory } from '../constructs/identity';
import { LambdaFactory } from '../constructs/lambda';
import { exportStateful, statefulExportNames } from './stateful-refs';

/** CloudFormation logical ids of the stateful resources. Changing one replaces the resource. */
export const STATEFUL_LOGICAL_IDS = {
  table: 'Table',
  exportsBucket: 'ExportsBucket',
  usageBucket: 'UsageBucket',
  auditArchiveBucket: 'AuditArchiveBucket',
  accessLogsBucket: 'AccessLogsBucket',
  userPool: 'UserPool',
} as const;

export interface StatefulStackProps extends StackProps {
  stage: string;
  auth: AuthSettings;
  auditArchiveRetention: Duration;
  lambdaCode: LambdaCodeMode;
}

export interface DataBuckets {
  /** Finance exports per period (`exports/{period}/...`, read through presigned URLs) and billing-run plans (`plans/`). */
  exports: s3.IBucket;
  /** Bulk usage files (`usage/...`) and their ingestion reports (`reports/...`). */
  usage: s3.IBucket;
  /** The audit chain archive: write-once (Object Lock, COMPLIANCE mode). */
  auditArchive: s3.IBucket;
}

const STREAM_VIEW: Record<(typeof TABLE_DEFINITION)['stream'], dynamodb.StreamViewType> = {
  NEW_AND_OLD_IMAGES: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
};

export class StatefulStack extends Stack {
  readonly table: dynamodb.TableV2;
  readonly buckets: DataBuckets;
  readonly accessLogsBucket: s3.Bucket;
  readonly jwt?: JwtIssuerSettings;
  /** The user pool's trigger is the one function here: it must exist before the pool refers to it. */
  readonly lambdas: LambdaFactory;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    // Deliver server access logs through a bucket policy instead of the legacy log-delivery ACL,
    // so every bucket here, the log bucket included, can keep ACLs disabled.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: TABLE_DEFINITION.keySchema.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_DEFINITION.keySchema.sortKey, type: dynamodb.AttributeType.STRING },
      globalSecondaryIndexes: TABLE_DEFINITION.globalSecondaryIndexes.map((index) => ({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      })),
      billing: dynamodb.Billing.onDemand(),
      dynamoStream: STREAM_VIEW[TABLE_DEFINITION.stream],
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    fixLogicalId(this.table, STATEFUL_LOGICAL_IDS.table);

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      ...privateBucketDefaults,
      // S3 server access logging can only deliver to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(400), noncurrentVersionExpiration: Duration.days(30) }],
    });
    fixLogicalId(this.accessLogsBucket, STATEFUL_LOGICAL_IDS.accessLogsBucket);

    const exports = this.dataBucket('ExportsBucket', STATEFUL_LOGICAL_IDS.exportsBucket, {
      lifecycleRules: [
        { id: 'old-export-versions', noncurrentVersionExpiration: Duration.days(90) },
        // Idempotency responses too big for their record outlive it (24 h) by a day, then go.
        { id: 'expire-idempotency-responses', prefix: 'idempotency/', expiration: Duration.days(2), noncurrentVersionExpiration: Duration.days(1) },
      ],
    });
    const usage = this.dataBucket('UsageBucket', STATEFUL_LOGICAL_IDS.usageBucket, {
      lifecycleRules: [
        { id: 'old-upload-versions', noncurrentVersionExpiration: Duration.days(30) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    const auditArchive = this.dataBucket('AuditArchiveBucket', STATEFUL_LOGICAL_IDS.auditArchiveBucket, {
      // COMPLIANCE mode: no principal, root included, can shorten the retention or delete a
      // locked object version. That is what makes the archive evidence for an auditor.
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(props.auditArchiveRetention),
    });
    denyArchiveOverwrites(auditArchive);
    // Object-created events go to EventBridge, where the service stack picks up usage files.
    // Set on the CloudFormation resource itself: the L2 `eventBridgeEnabled` would go through
    // a custom-resource Lambda (with a managed policy and s3:PutBucketNotification on "*").
    (usage.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    this.buckets = { exports, usage, auditArchive };

    this.lambdas = new LambdaFactory({ code: props.lambdaCode, environment: { STAGE: props.stage }, serviceName: 'ctv-billing' });
    if (props.auth.kind === 'cognito') {
      const tokenClaims = this.lambdas.create(this, 'TokenClaims', {
        folder: 'token-claims',
        description: 'Cognito pre-token-generation trigger: groups to roles, advertiser attribute to advertiserId',
        timeout: Duration.seconds(5),
        memorySize: 256,
      });
      const directory = new UserDirectory(this, 'Users', {
        stage: props.stage,
        callbackUrls: props.auth.callbackUrls,
        domainPrefix: props.auth.domainPrefix,
        tokenClaims,
      });
      this.jwt = directory.jwt;
    }
    exportStateful(this, statefulExportNames(props.stage), this.table, this.buckets, this.jwt);
  }

  private dataBucket(id: string, logicalId: string, extra: Partial<s3.BucketProps>): s3.Bucket {
    const bucket = new s3.Bucket(this, id, {
      ...privateBucketDefaults,
      encryption: s3.BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: `${logicalId}/`,
      ...extra,
    });
    fixLogicalId(bucket, logicalId);
    return bucket;
  }
}

/**
 * Archive objects are written once: a PutObject must carry `If-None-Match: *` (S3 then refuses
 * it when the key exists), so no principal can add a newer version over an entry, a digest or
 * an image. The verifier reads the oldest version anyway; this keeps the newest honest too.
 */
export const ARCHIVE_WRITE_ONCE_SIDS = ['DenyArchivePutWithoutIfNoneMatch', 'DenyArchivePutUnlessIfNoneMatchStar'] as const;

function denyArchiveOverwrites(bucket: s3.Bucket): void {
  const common = { effect: iam.Effect.DENY, principals: [new iam.AnyPrincipal()], actions: ['s3:PutObject'], resources: [bucket.arnForObjects('*')] };
  bucket.addToResourcePolicy(new iam.PolicyStatement({ ...common, sid: ARCHIVE_WRITE_ONCE_SIDS[0], conditions: { Null: { 's3:if-none-match': 'true' } } }));
  bucket.addToResourcePolicy(new iam.PolicyStatement({ ...common, sid: ARCHIVE_WRITE_ONCE_SIDS[1], conditions: { StringNotEquals: { 's3:if-none-match': '*' } } }));
}

const privateBucketDefaults = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  versioned: true,
  removalPolicy: RemovalPolicy.RETAIN,
} satisfies Partial<s3.BucketProps>;

function fixLogicalId(resource: Construct, logicalId: string): void {
  const cfn = resource.node.defaultChild;
  if (!cfn || !('overrideLogicalId' in cfn) || typeof cfn.overrideLogicalId !== 'function') {
    throw new Error(`${resource.node.path} has no CloudFormation resource to pin`);
  }
  cfn.overrideLogicalId(logicalId);
}
