/**
 * cdk-nag findings this app accepts, each with the reason it is acceptable. They are
 * acknowledged on the one policy they concern, never on a whole stack, and a wildcard
 * finding names the exact resource ARN it is about (rendered the way cdk-nag renders it),
 * so an acknowledgement cannot silently cover another resource.
 * infra tests check separately that any `Resource: "*"` statement holds only the actions below.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { Construct, IConstruct } from 'constructs';

/** Actions AWS authorizes only with `Resource: "*"` (no resource-level permissions). */
export const RESOURCE_STAR_ACTIONS = [
  // Lambda and Step Functions active tracing.
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  // Vended-log delivery that Step Functions logging sets up on the role's behalf.
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
] as const;

export const RESOURCE_STAR_ACK = {
  id: 'AwsSolutions-IAM5[Resource::*]',
  reason:
    'xray:PutTraceSegments and xray:PutTelemetryRecords (Lambda active tracing) support no resource-level ' +
    'permissions; AWS documents Resource "*" for them. No other action may use it (tested).',
};

/** The IAM5 finding id cdk-nag reports for a wildcard inside `resourceArn`. */
export function wildcardFindingId(scope: IConstruct, resourceArn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resourceArn))}]`;
}

/** The role's default policy, where grants land. */
export function defaultPolicyOf(fn: lambda.IFunction): IConstruct | undefined {
  return fn.role?.node.tryFindChild('DefaultPolicy');
}

export function acknowledgeTableIndexes(policy: IConstruct, table: dynamodb.ITableV2): void {
  Validations.of(policy).acknowledge({
    id: wildcardFindingId(policy, `${table.tableArn}/index/*`),
    reason: 'Query on the table\'s own GSIs (gsi1, gsi2): "<table arn>/index/*" matches no other table.',
  });
}

export function acknowledgeBucketObjects(policy: IConstruct, bucket: s3.IBucket): void {
  Validations.of(policy).acknowledge({
    id: wildcardFindingId(policy, bucket.arnForObjects('*')),
    reason: 'Object keys are per period/contract/chain and not known at deploy time; the wildcard stays inside this one bucket.',
  });
}

export function acknowledgeFunctionVersions(policy: IConstruct, fn: lambda.IFunction): void {
  Validations.of(policy).acknowledge({
    id: wildcardFindingId(policy, `${fn.functionArn}:*`),
    reason: 'lambda:InvokeFunction on one function and its versions/aliases (":*"), nothing else.',
  });
}

/** Any other wildcard inside one resource ARN, with the reason it is the narrowest ARN possible. */
export function acknowledgeWildcardResource(policy: IConstruct, resourceArn: string, reason: string): void {
  Validations.of(policy).acknowledge({ id: wildcardFindingId(policy, resourceArn), reason });
}

/**
 * A dead-letter queue: SQS-managed encryption, TLS only, 14 days to replay from. cdk-nag asks
 * every queue for a dead-letter queue of its own (SQS3); this one is the end of the line, and
 * `reason` says how its messages are handled.
 */
export function deadLetterQueue(scope: Construct, id: string, reason: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason });
  return queue;
}
