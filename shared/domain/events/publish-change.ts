/**
 * Publishing the events of one stream record, at most once per record in the normal course
 * and never lost:
 *
 *   1. map the record's images to events (pure); none -> nothing to do, nothing written;
 *   2. if the record's publication marker exists, the events went out on an earlier delivery:
 *      a redelivered record (Lambda retry, bisected batch, replay) publishes nothing again;
 *   3. publish; a failure throws, the record is retried, and nothing was marked;
 *   4. write the marker (conditional put keyed on the stream eventID; one already there is fine).
 *
 * Why the marker is written after publishing, not before: written first, a crash or a failed
 * PutEvents after it would leave the record marked but never published, and the retry would
 * skip it: an event lost for good. Written after, the only window left is a crash between a
 * successful publish and the marker (a timeout, a throttled marker write): the retry then
 * publishes the same events again, with the same `eventId` (the stream record's eventID), which
 * is why every detail carries it and consumers deduplicate on it. EventBridge has no
 * idempotency key for PutEvents, so no design can rule out a second delivery at the bus; this
 * one makes it rare (only that window) and always recognisable, so each change is applied
 * exactly once downstream.
 */
import type { Clock } from '../kernel/clock';
import { domainEventsOf, type DomainEvent, type ItemChange } from './domain-events';

/** Where events go: EventBridge in AWS, a JSON Lines file locally. Throws unless every event was accepted. */
export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
}

/** Which stream records have had their events published, by stream eventID. */
export interface PublicationMarkers {
  isPublished(streamEventId: string): Promise<boolean>;
  /** Idempotent: marking a record already marked is not an error. */
  markPublished(streamEventId: string, at: Date, events: readonly DomainEvent[]): Promise<void>;
}

export const PublishOutcome = {
  PUBLISHED: 'published',
  /** The record raises no event. */
  NONE: 'none',
  /** Its events were published on an earlier delivery. */
  ALREADY_PUBLISHED: 'alreadyPublished',
} as const;
export type PublishOutcome = (typeof PublishOutcome)[keyof typeof PublishOutcome];

export interface PublishDeps {
  publisher: EventPublisher;
  markers: PublicationMarkers;
  clock: Clock;
}

export async function publishChange(change: ItemChange, deps: PublishDeps): Promise<{ outcome: PublishOutcome; events: DomainEvent[] }> {
  const events = domainEventsOf(change);
  if (events.length === 0) return { outcome: PublishOutcome.NONE, events };
  if (await deps.markers.isPublished(change.eventId)) return { outcome: PublishOutcome.ALREADY_PUBLISHED, events };
  await deps.publisher.publish(events);
  await deps.markers.markPublished(change.eventId, deps.clock.now(), events);
  return { outcome: PublishOutcome.PUBLISHED, events };
}
