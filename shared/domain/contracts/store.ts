/**
 * The ports the contract use cases need; shared/adapters/dynamodb implements them. The domain
 * never sees DynamoDB: conflicts come back as ConflictError (code `concurrent_update` or
 * `already_approved`), missing items as null.
 */
import type { AggregateChange, ContractAggregate } from './model';

/** Where and how an advertiser is invoiced (validated at the API boundary, stored as given). */
export interface BillingProfile {
  legalName: string;
  address: { line1: string; line2?: string; city: string; postalCode: string; region?: string; country: string };
  taxId?: string;
  tax: { kind: 'RATE'; ratePct: string; label: string } | { kind: 'REVERSE_CHARGE'; note: string } | { kind: 'EXEMPT' };
  paymentTermsDays: number;
  invoiceEmail: string;
}

export interface Advertiser {
  id: string;
  name: string;
  currency: string;
  timezone: string;
  /** Null until ops records one (advertisers created before profiles existed have none). */
  billingProfile?: BillingProfile | null;
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

export interface PartnerLookup {
  /** The ids among `ids` that name a partner in the directory. */
  existingPartnerIds(ids: readonly string[]): Promise<Set<string>>;
}

/** Ids are minted outside the domain (random, not derived from the clock). */
export type IdGenerator = () => string;
