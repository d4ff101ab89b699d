import { Duration, aws_dynamodb as dynamodb, aws_lambda as lambda, aws_sqs as sqs } from 'aws-cdk-lib';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';

/**
 * The table's stream as a source for a consumer that must miss nothing and keep order: from the
 * oldest record, one batch per shard at a time (an item's changes stay in order), failed records
 * retried by bisection, then sent to the dead-letter queue. `batchSize`: records per invocation
 * (100 unless the consumer gains from bigger batches, as the audit does from grouping usage).
 */
export function orderedStreamSource(
  table: dynamodb.ITable,
  deadLetterQueue: sqs.IQueue,
  filters: Array<{ [key: string]: unknown }>,
  batchSize = 100,
): DynamoEventSource {
  return new DynamoEventSource(table, {
    startingPosition: lambda.StartingPosition.TRIM_HORIZON,
    batchSize,
    maxBatchingWindow: Duration.seconds(1),
    parallelizationFactor: 1,
    retryAttempts: 5,
    bisectBatchOnError: true,
    reportBatchItemFailures: true,
    maxRecordAge: Duration.days(1),
    onFailure: new SqsDlq(deadLetterQueue),
    filters,
  });
}
