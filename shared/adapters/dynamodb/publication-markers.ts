/**
 * Publication markers in the one table: `EVENTPUB#<stream eventID>` / `EVENTPUB`, one per stream
 * record whose domain events were published (shared/domain/events/publish-change.ts). Read
 * strongly consistent, so a retry right after a publish sees its marker; written with a
 * condition, so the first marker stays; expired by TTL after two days (the stream keeps records
 * for one), which keeps the family small. The audit log leaves these items out (UNAUDITED_PREFIXES).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '../../domain/events/domain-events';
import type { PublicationMarkers } from '../../domain/events/publish-change';
import { keys, TABLE_KEYS } from './table';

/** How long a marker is kept: longer than the stream's 24-hour retention plus the mapping's record age. */
export const MARKER_RETENTION_SECONDS = 2 * 24 * 60 * 60;

export class DynamoPublicationMarkers implements PublicationMarkers {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async isPublished(streamEventId: string): Promise<boolean> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.eventPublication(streamEventId), ConsistentRead: true, ProjectionExpression: 'pk' }),
    );
    return Item !== undefined;
  }

  async markPublished(streamEventId: string, at: Date, events: readonly DomainEvent[]): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.eventPublication(streamEventId),
            entityType: 'eventPublication',
            publishedAt: at.toISOString(),
            detailTypes: events.map((e) => e.detailType),
            [TABLE_KEYS.ttlAttribute]: Math.floor(at.getTime() / 1000) + MARKER_RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      // Marked already (a concurrent delivery of the same record): the first marker stands.
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
  }
}
