/**
 * The EventBridge client, built once per Lambda container. Only deployed functions publish to
 * EventBridge; locally events go to a file (scripts/lib/jsonl-event-sink.ts).
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { config } from './config';
import { traced } from './observability';

let eventBridgeClient: EventBridgeClient | undefined;

export function eventBridge(): EventBridgeClient {
  if (!eventBridgeClient) {
    const { AWS_REGION } = config();
    eventBridgeClient = traced(new EventBridgeClient({ region: AWS_REGION }));
  }
  return eventBridgeClient;
}
