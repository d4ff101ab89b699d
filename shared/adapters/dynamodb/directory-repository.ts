/**
 * Advertisers and partners: one item each (`ADV#<id>`, `PARTNER#<id>`), created once with a
 * condition so an id is never overwritten. Each is its own audit aggregate.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../domain/kernel/errors';
import type { Advertiser, AdvertiserLookup, Partner } from '../../domain/contracts/store';
import { keys } from './table';

export const DirectoryEntity = { ADVERTISER: 'advertiser', PARTNER: 'partner' } as const;

const KEY_ATTRIBUTES = ['pk', 'sk', 'entityType', 'aggregate'] as const;
function strip<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...item };
  for (const name of KEY_ATTRIBUTES) delete out[name];
  return out as T;
}

export class DirectoryRepository implements AdvertiserLookup {
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

  async createAdvertiser(advertiser: Advertiser): Promise<void> {
    await this.create({ ...keys.advertiser(advertiser.id), entityType: DirectoryEntity.ADVERTISER, aggregate: `advertiser#${advertiser.id}`, ...advertiser }, `advertiser ${advertiser.id}`);
  }

  async getAdvertiser(id: string): Promise<Advertiser | null> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.advertiser(id) }));
    return Item && Item.entityType === DirectoryEntity.ADVERTISER ? strip<Advertiser>(Item) : null;
  }

  async createPartner(partner: Partner): Promise<void> {
    await this.create({ ...keys.partner(partner.id), entityType: DirectoryEntity.PARTNER, aggregate: `partner#${partner.id}`, ...partner }, `partner ${partner.id}`);
  }

  async getPartner(id: string): Promise<Partner | null> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.partner(id) }));
    return Item && Item.entityType === DirectoryEntity.PARTNER ? strip<Partner>(Item) : null;
  }
}
