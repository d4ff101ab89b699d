/**
 * The DynamoDB client, built once per Lambda container from the validated configuration. In
 * Lambda with tracing on, it records its calls as X-Ray subsegments (observability.ts). The S3
 * and EventBridge clients have modules of their own (s3-client.ts, event-bus-client.ts): a
 * function that imports them only on first use does not evaluate those SDK packages at init.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from './config';
import { traced } from './observability';

let documentClient: DynamoDBDocumentClient | undefined;

/** Local engines accept any credentials but the SDK still needs some; AWS uses the role's. */
export function localCredentials(accessKeyId: string) {
  return { accessKeyId, secretAccessKey: accessKeyId };
}

export function dynamo(): DynamoDBDocumentClient {
  if (!documentClient) {
    const { DYNAMODB_ENDPOINT, AWS_REGION } = config();
    const base = traced(
      new DynamoDBClient(
        DYNAMODB_ENDPOINT ? { region: AWS_REGION, endpoint: DYNAMODB_ENDPOINT, credentials: localCredentials('local') } : { region: AWS_REGION },
      ),
    );
    documentClient = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  }
  return documentClient;
}
