/**
 * The domain-events Lambda: consumes the table's stream (its own event source mapping, filtered
 * to the items that can raise an event) and publishes ContractApproved, BillingRunCompleted,
 * InvoiceFinalized, InvoiceVoided, PaymentRecorded and CreditApproved to the event bus, at most
 * once per stream record in the normal course and never lost (shared/domain/events/publish-change.ts
 * says why the marker comes after the publish). Request handlers never publish: every event is
 * derived from a change already committed to the table.
 *
 * Records are processed one by one in stream order with partial batch responses. Once a record
 * fails, the later records of the same item in the batch fail too without being tried, so the
 * retry publishes an item's events in the order its changes happened.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { recordPk, toAuditChange } from '../../shared/adapters/dynamodb/audit-stream';
import { DynamoPublicationMarkers } from '../../shared/adapters/dynamodb/publication-markers';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge/event-publisher';
import { publishChange, type EventPublisher, type PublicationMarkers } from '../../shared/domain/events/publish-change';
import { systemClock, type Clock } from '../../shared/domain/kernel/clock';
import { config } from '../runtime/config';
import { dynamo } from '../runtime/clients';
import { eventBridge } from '../runtime/event-bus-client';
import { logger as sharedLogger } from '../runtime/observability';

export interface EventsHandlerDeps {
  publisher: EventPublisher;
  markers: PublicationMarkers;
  clock: Clock;
  logger?: Logger;
}

export type EventsStreamHandler = (event: DynamoDBStreamEvent, context?: Context) => Promise<DynamoDBBatchResponse>;

export class ItemOrderHeldError extends Error {
  override readonly name = 'ItemOrderHeldError';
  readonly code = 'events_order_held';
  constructor(readonly pk: string) {
    super(`an earlier record of ${pk} failed in this batch; this one waits for the retry`);
  }
}

export function makeEventsHandler(deps: EventsHandlerDeps): EventsStreamHandler {
  const logger = deps.logger ?? sharedLogger;
  return async (event, context) => {
    // Per invocation: items with a failed record in this batch.
    const held = new Set<string>();

    const recordHandler = async (record: DynamoDBRecord) => {
      const pk = recordPk(record) ?? `unreadable:${record.eventID ?? ''}`;
      try {
        if (held.has(pk)) throw new ItemOrderHeldError(pk);
        // The stream adapter reads the images; items the audit log leaves out raise no event either.
        const change = toAuditChange(record);
        if (!change) return 'none';
        const { outcome, events } = await publishChange(change, deps);
        if (events.length > 0) {
          // Identifiers only: details hold amounts, which stay out of info logs.
          logger.info('domain events', { outcome, eventId: change.eventId, detailTypes: events.map((e) => e.detailType) });
        }
        return outcome;
      } catch (error) {
        held.add(pk);
        if (!(error instanceof ItemOrderHeldError)) logger.error('domain event record failed', { eventId: record.eventID, pk, error: error as Error });
        throw error;
      }
    };

    // A new processor per invocation: its state is per batch, and the local poller may overlap calls.
    const processor = new BatchProcessor(EventType.DynamoDBStreams, { logger });
    return processPartialResponse(event, recordHandler, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  };
}

/** The production dependencies with another publisher: the local stack's JSON Lines file. */
export function eventsHandlerPublishingTo(publisher: EventPublisher): EventsStreamHandler {
  const { TABLE_NAME } = config();
  return makeEventsHandler({ publisher, markers: new DynamoPublicationMarkers(dynamo(), TABLE_NAME), clock: systemClock });
}

let production: EventsStreamHandler | undefined;

/** The deployed handler, wired on first use so that importing this module reads no configuration. */
export const handler: EventsStreamHandler = (event, context) => {
  if (!production) {
    const { EVENT_BUS_NAME } = config();
    if (!EVENT_BUS_NAME) throw new Error('invalid Lambda configuration: EVENT_BUS_NAME is not set');
    production = eventsHandlerPublishingTo(new EventBridgePublisher(eventBridge(), EVENT_BUS_NAME));
  }
  return production(event, context);
};
