/**
 * AWS SDK clients, built once per Lambda container from the validated configuration. In Lambda
 * with tracing on, each client records its calls as X-Ray subsegments (observability.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { config } from './config';
import { traced } from './observability';

let documentClient: DynamoDBDocumentClient | undefined;
let s3Client: S3Client | undefined;
let eventBridgeClient: EventBridgeClient | undefined;

/** Local engines accept any credentials but the SDK still needs some; AWS uses the role's. */
function localCredentials(accessKeyId: string) {
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

export function s3(): S3Client {
  if (!s3Client) {
    const { S3_ENDPOINT, AWS_REGION } = config();
    s3Client = traced(
      new S3Client(
        S3_ENDPOINT
          ? { region: AWS_REGION, endpoint: S3_ENDPOINT, forcePathStyle: true, credentials: localCredentials('S3RVER') }
          : { region: AWS_REGION },
      ),
    );
  }
  return s3Client;
}

/** Only deployed functions publish to EventBridge; locally events go to a file (scripts/lib/jsonl-event-sink.ts). */
export function eventBridge(): EventBridgeClient {
  if (!eventBridgeClient) {
    const { AWS_REGION } = config();
    eventBridgeClient = traced(new EventBridgeClient({ region: AWS_REGION }));
  }
  return eventBridgeClient;
}
