/**
 * Advertisers and partners: one item each (`ADV#<id>`, `PARTNER#<id>`), created once with a
 * condition so an id is never overwritten, replaced only while its lock counter is the one read.
 * Each is its own audit aggregate. Lists read gsi2 (`ADVERTISERS` / `PARTNERS` by lower-cased
 * name), so a name prefix is a key condition, never a Scan.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../domain/kernel/errors';
import type { Advertiser, AdvertiserLookup, Partner, PartnerLookup } from '../../domain/contracts/store';
import { decodeCursor, encodeCursor } from './cursor';
import { directoryName, INDEXES, keys } from './table';

export const DirectoryEntity = { ADVERTISER: 'advertiser', PARTNER: 'partner' } as const;

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi2pk', 'gsi2sk', 'entityType', 'aggregate'] as const;
function strip<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...item };
  for (const name of KEY_ATTRIBUTES) delete out[name];
  return out as T;
}

/** Advertisers stored before billing profiles existed read as having none. */
const advertiserOf = (item: Record<string, unknown>): Advertiser => {
  const advertiser = strip<Advertiser>(item);
  return { ...advertiser, billingProfile: advertiser.billingProfile ?? null };
};

const advertiserItem = (advertiser: Advertiser) => ({
  ...keys.advertiser(advertiser.id),
  ...keys.advertiserByName(advertiser.name, advertiser.id),
  entityType: DirectoryEntity.ADVERTISER,
  aggregate: `advertiser#${advertiser.id}`,
  ...advertiser,
});

const partnerItem = (partner: Partner) => ({
  ...keys.partner(partner.id),
  ...keys.partnerByName(partner.name, partner.id),
  entityType: DirectoryEntity.PARTNER,
  aggregate: `partner#${partner.id}`,
  ...partner,
});

export interface DirectoryListQuery {
  /** Case-insensitive name prefix. */
  name?: string;
  limit: number;
  cursor?: string;
}

/** BatchGetItem takes at most 100 keys per call. */
const BATCH_GET_KEYS = 100;

export class DirectoryRepository implements AdvertiserLookup, PartnerLookup {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async create(item: Record<string, unknown>, what: string): Promise<void> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConflictError(`${what} already exists`, 'already_exists', { cause: error });
      throw error;
    }
  }

  /** Replaces an entry if its lock counter is still `expectedVersion`: 412 if it moved, 404 if it is gone. */
  private async replace(item: Record<string, unknown>, expectedVersion: number, entity: string, id: string): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expectedVersion },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (!error.Item) throw new NotFoundError(entity, id);
      throw new PreconditionFailedError();
    }
  }

  private async list<T>(pk: string, query: DirectoryListQuery, read: (item: Record<string, unknown>) => T): Promise<{ items: T[]; nextCursor: string | null }> {
    const prefix = query.name === undefined ? undefined : directoryName(query.name);
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEXES.byCollection.name,
        KeyConditionExpression: prefix === undefined ? 'gsi2pk = :pk' : 'gsi2pk = :pk AND begins_with(gsi2sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ...(prefix === undefined ? {} : { ':prefix': prefix }) },
        Limit: query.limit,
        ExclusiveStartKey: decodeCursor(query.cursor, { gsi2pk: pk }),
      }),
    );
    return { items: (page.Items ?? []).map(read), nextCursor: encodeCursor(page.LastEvaluatedKey) };
  }

  async createAdvertiser(advertiser: Advertiser): Promise<void> {
    await this.create(advertiserItem(advertiser), `advertiser ${advertiser.id}`);
  }

  async updateAdvertiser(next: Advertiser, expectedVersion: number): Promise<void> {
    await this.replace(advertiserItem(next), expectedVersion, 'advertiser', next.id);
  }

  async getAdvertiser(id: string): Promise<Advertiser | null> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.advertiser(id) }));
    return Item && Item.entityType === DirectoryEntity.ADVERTISER ? advertiserOf(Item) : null;
  }

  /** Advertisers by name; `currency` narrows the page after the key condition (pages may then be short). */
  async listAdvertisers(query: DirectoryListQuery & { currency?: string }): Promise<{ items: Advertiser[]; nextCursor: string | null }> {
    const page = await this.list(keys.advertiserByName('', '').gsi2pk, query, advertiserOf);
    return query.currency === undefined ? page : { ...page, items: page.items.filter((a) => a.currency === query.currency) };
  }

  async createPartner(partner: Partner): Promise<void> {
    await this.create(partnerItem(partner), `partner ${partner.id}`);
  }

  async updatePartner(next: Partner, expectedVersion: number): Promise<void> {
    await this.replace(partnerItem(next), expectedVersion, 'partner', next.id);
  }

  async getPartner(id: string): Promise<Partner | null> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.partner(id) }));
    return Item && Item.entityType === DirectoryEntity.PARTNER ? strip<Partner>(Item) : null;
  }

  async listPartners(query: DirectoryListQuery): Promise<{ items: Partner[]; nextCursor: string | null }> {
    return this.list(keys.partnerByName('', '').gsi2pk, query, (item) => strip<Partner>(item));
  }

  async existingPartnerIds(ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += BATCH_GET_KEYS) {
      let request: Record<string, { Keys: Record<string, unknown>[]; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> }> | undefined = {
        [this.tableName]: { Keys: ids.slice(i, i + BATCH_GET_KEYS).map((id) => keys.partner(id)), ProjectionExpression: 'id, entityType' },
      };
      // Unprocessed keys (throttling) are asked again until none are left.
      while (request && Object.keys(request).length > 0) {
        const result = await this.client.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of result.Responses?.[this.tableName] ?? []) if (item.entityType === DirectoryEntity.PARTNER) found.add(item.id as string);
        request = result.UnprocessedKeys as typeof request;
      }
    }
    return found;
  }
}
