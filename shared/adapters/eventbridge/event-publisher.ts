/**
 * Publishes domain events to an EventBridge bus with PutEvents: source `ctv.billing`, the
 * event type as detail-type, the detail as JSON. PutEvents takes at most 10 entries per call
 * and may accept some and refuse others (FailedEntryCount); any refusal throws, so the stream
 * record is retried (its accepted events then go out again with the same `eventId`, which
 * consumers deduplicate on).
 */
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type DomainEvent } from '../../domain/events/domain-events';
import type { EventPublisher } from '../../domain/events/publish-change';

/** PutEvents' limit on entries per request. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
  readonly code = 'event_publish_failed';
}

export function toPutEventsEntry(event: DomainEvent, eventBusName: string): PutEventsRequestEntry {
  return {
    EventBusName: eventBusName,
    Source: EVENT_SOURCE,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
    Time: new Date(event.detail.occurredAt),
  };
}

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += PUT_EVENTS_MAX_ENTRIES) {
      const entries = events.slice(i, i + PUT_EVENTS_MAX_ENTRIES).map((e) => toPutEventsEntry(e, this.eventBusName));
      const result = await this.client.send(new PutEventsCommand({ Entries: entries }));
      if ((result.FailedEntryCount ?? 0) > 0) {
        const reasons = (result.Entries ?? []).filter((e) => e.ErrorCode).map((e) => `${e.ErrorCode}: ${e.ErrorMessage ?? ''}`);
        throw new EventPublishError(`EventBridge refused ${result.FailedEntryCount} of ${entries.length} event(s): ${reasons.join('; ')}`);
      }
    }
  }
}
