/**
 * The ports the contract use cases need; shared/adapters/dynamodb implements them. The domain
 * never sees DynamoDB: conflicts come back as ConflictError (code `concurrent_update` or
 * `already_approved`), missing items as null.
 */
import type { AggregateChange, ContractAggregate } from './model';

export interface Advertiser {
  id: string;
  name: string;
  currency: string;
  timezone: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  actor: string;
  version: number;
}

export interface Partner {
  id: string;
  name: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  actor: string;
  version: number;
}

export interface ContractStore {
  get(contractId: string): Promise<ContractAggregate | null>;
  /** Writes the whole change or nothing; ConflictError when a lock or a uniqueness condition fails. */
  commit(change: AggregateChange): Promise<void>;
}

export interface AdvertiserLookup {
  getAdvertiser(id: string): Promise<Advertiser | null>;
}

/** Ids are minted outside the domain (random, not derived from the clock). */
export type IdGenerator = () => string;
