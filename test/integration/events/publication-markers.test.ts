/**
 * Publication markers on DynamoDB Local (shared/adapters/dynamodb/publication-markers.ts): a
 * record is unmarked until marked, marking twice keeps the first marker (a concurrent delivery
 * is not an error), and the marker expires by TTL after the stream's retention.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoPublicationMarkers, MARKER_RETENTION_SECONDS } from '../../../shared/adapters/dynamodb/publication-markers';
import { keys } from '../../../shared/adapters/dynamodb/table';
import type { DomainEvent } from '../../../shared/domain/events/domain-events';
import { documentClient, freshTable } from '../../support/aws';

const docs = documentClient();
let table: string;
let markers: DynamoPublicationMarkers;
const event = (type: DomainEvent['detailType']): DomainEvent => ({ detailType: type, detail: { eventId: 'x', schemaVersion: 1, occurredAt: '2026-07-01T00:00:00.000Z', actor: 'a' } });

beforeAll(async () => {
  table = await freshTable();
  markers = new DynamoPublicationMarkers(docs, table);
});

describe('publication markers', () => {
  it('a record is unmarked until marked, then marked with when, what and its expiry', async () => {
    expect(await markers.isPublished('shard-1:0001')).toBe(false);
    const at = new Date('2026-07-01T08:00:00.000Z');
    await markers.markPublished('shard-1:0001', at, [event('InvoiceFinalized')]);
    expect(await markers.isPublished('shard-1:0001')).toBe(true);
    expect(await markers.isPublished('shard-1:0002')).toBe(false);
    const { Item } = await docs.send(new GetCommand({ TableName: table, Key: keys.eventPublication('shard-1:0001') }));
    expect(Item).toMatchObject({ pk: 'EVENTPUB#shard-1:0001', sk: 'EVENTPUB', publishedAt: at.toISOString(), detailTypes: ['InvoiceFinalized'], expiresAt: at.getTime() / 1000 + MARKER_RETENTION_SECONDS });
    // Longer than the stream keeps records (24 hours) plus the mapping's maximum record age (1 day).
    expect(MARKER_RETENTION_SECONDS).toBeGreaterThanOrEqual(2 * 24 * 3600);
  });

  it('marking again keeps the first marker and does not fail', async () => {
    await markers.markPublished('shard-1:0003', new Date('2026-07-01T08:00:00.000Z'), [event('PaymentRecorded')]);
    await expect(markers.markPublished('shard-1:0003', new Date('2026-07-02T08:00:00.000Z'), [event('InvoiceVoided')])).resolves.toBeUndefined();
    const { Item } = await docs.send(new GetCommand({ TableName: table, Key: keys.eventPublication('shard-1:0003') }));
    expect(Item).toMatchObject({ publishedAt: '2026-07-01T08:00:00.000Z', detailTypes: ['PaymentRecorded'] });
  });
});
