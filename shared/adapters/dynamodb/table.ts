/**
 * The one DynamoDB table: its key schema, indexes and every key, declared here and nowhere
 * else. The CDK stack, the local stack and the repositories all build from this module.
 * Each key builder is named after the access pattern it serves.
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB TTL deletes expired idempotency records. */
  ttlAttribute: 'expiresAt',
} as const;

export const INDEXES = {
  /** Children of an owner in order: contracts by advertiser and status, invoices by advertiser. */
  byOwner: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Collections across owners: contracts by status, invoices and billing runs by period. */
  byCollection: { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
} as const;

export const TABLE_DEFINITION = {
  attributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'],
  keySchema: { partitionKey: TABLE_KEYS.partitionKey, sortKey: TABLE_KEYS.sortKey },
  globalSecondaryIndexes: Object.values(INDEXES),
  stream: 'NEW_AND_OLD_IMAGES',
} as const;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Collections across owners (every invoice, every contract) are spread over this many gsi2
 * partitions, `INVOICES#0` … `INVOICES#7`: one index partition takes at most 1,000 write units a
 * second, which a billing run writing hundreds of invoices a second would exceed. Readers query
 * every shard and merge (sharded-index.ts).
 */
export const COLLECTION_SHARDS = 8;

/** A stable shard of an id (FNV-1a hash): an item always lands on the same one. */
export function shardOf(id: string, shards = COLLECTION_SHARDS): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}

/** Every gsi2 partition value of a sharded collection. */
export const shardPartitions = (collection: string): string[] => Array.from({ length: COLLECTION_SHARDS }, (_, i) => `${collection}#${i}`);

/** A name as the directory lists sort and filter it: case-insensitive (a name prefix is a key prefix). */
export const directoryName = (name: string) => name.toLowerCase();

// ---------------------------------------------------------------------------------------
// Invoices, credit notes, partner payouts and document numbers
//
// An invoice (credit notes too) is ONE item with its lines inside: its status change is one
// conditional write and GET /v1/invoices/{id} one read. Its gsi keys carry period and status so
// the lists filter by key prefix: gsi1 by advertiser, gsi2 across advertisers (newest first).
// Each run of a contract and period leaves a run record under the contract's `INVOICERUNS#`
// partition (the marker that makes writing the run's invoice idempotent, and the compact lines
// the engine reads back as prior runs: one Query per contract) and one payout record per
// partner and charge (a partner's statement: one Query on gsi1).

export const invoiceKeys = {
  invoice: (id: string) => ({ pk: `INVOICE#${id}`, sk: 'INVOICE' }),
  /** An advertiser's invoices: gsi1 `ADV#advertiserId` / `INVOICE#period#status#createdAt#id`. */
  invoiceByAdvertiser: (advertiserId: string, period: string, status: string, createdAt: string, id: string) => ({
    gsi1pk: `ADV#${advertiserId}`,
    gsi1sk: `INVOICE#${period}#${status}#${createdAt}#${id}`,
  }),
  invoicesOfAdvertiser: (advertiserId: string) => ({ gsi1pk: `ADV#${advertiserId}`, gsi1skPrefix: 'INVOICE#' }),
  /** Every invoice: gsi2 `INVOICES#<shard of id>` / `period#status#createdAt#id`. */
  invoiceByPeriod: (period: string, status: string, createdAt: string, id: string) => ({
    gsi2pk: `INVOICES#${shardOf(id)}`,
    gsi2sk: `${period}#${status}#${createdAt}#${id}`,
  }),
  /** The partitions that together hold every invoice. */
  allInvoicePartitions: shardPartitions('INVOICES'),
  /** What one run invoiced for a contract and period: `INVOICERUNS#contractId` / `RUN#period#runSeq`. */
  contractRun: (contractId: string, period: string, runSeq: number) => ({ pk: `INVOICERUNS#${contractId}`, sk: `RUN#${period}#${pad(runSeq, 6)}` }),
  contractRunsPk: (contractId: string) => `INVOICERUNS#${contractId}`,
  /** The run record of a draft reissued after a void, beside the records of its period's runs. */
  reissueRun: (contractId: string, period: string, runSeq: number, invoiceId: string) => ({
    pk: `INVOICERUNS#${contractId}`,
    sk: `RUN#${period}#${pad(runSeq, 6)}#REISSUE#${invoiceId}`,
  }),
  contractRunPrefix: 'RUN#',
  /** A partner's payout (or change) on one charge of one contract, by one run. */
  partnerPayout: (contractId: string, period: string, runSeq: number, partnerId: string, chargeId: string) => ({
    pk: `INVOICERUNS#${contractId}`,
    sk: `PAYOUT#${period}#${pad(runSeq, 6)}#${partnerId}#${chargeId}`,
  }),
  /** A partner's payouts by period: gsi1 `PARTNERPAYOUTS#partnerId` / `period#contractId#chargeId#runSeq`. */
  partnerPayoutByPartner: (partnerId: string, period: string, contractId: string, chargeId: string, runSeq: number) => ({
    gsi1pk: `PARTNERPAYOUTS#${partnerId}`,
    gsi1sk: `${period}#${contractId}#${chargeId}#${pad(runSeq, 6)}`,
  }),
  partnerPayoutsPk: (partnerId: string) => `PARTNERPAYOUTS#${partnerId}`,
  /** The gapless counter of one document sequence (`INV`, `CN`) and year. */
  documentCounter: (sequence: string, year: number) => ({ pk: `DOCNUMBER#${sequence}#${year}`, sk: 'COUNTER' }),
} as const;

/** Key builders, one per entity and access pattern. */
export const keys = {
  advertiser: (id: string) => ({ pk: `ADV#${id}`, sk: 'ADV' }),
  partner: (id: string) => ({ pk: `PARTNER#${id}`, sk: 'PARTNER' }),
  /** The directory by name: gsi2 `ADVERTISERS` / `PARTNERS` and the lower-cased name, then the id. */
  advertiserByName: (name: string, id: string) => ({ gsi2pk: 'ADVERTISERS', gsi2sk: `${directoryName(name)}#${id}` }),
  partnerByName: (name: string, id: string) => ({ gsi2pk: 'PARTNERS', gsi2sk: `${directoryName(name)}#${id}` }),

  contract: (id: string) => ({ pk: `CONTRACT#${id}`, sk: 'CONTRACT' }),
  /** Contracts of an advertiser, optionally by status: gsi1 `ADV#id` / `CONTRACT#status#created#id`. */
  contractByAdvertiser: (advertiserId: string, status: string, createdAt: string, id: string) => ({
    gsi1pk: `ADV#${advertiserId}`,
    gsi1sk: `CONTRACT#${status}#${createdAt}#${id}`,
  }),
  /** All contracts, optionally by status: gsi2 `CONTRACTS#<shard of id>` / `status#created#id`. */
  contractByStatus: (status: string, createdAt: string, id: string) => ({
    gsi2pk: `CONTRACTS#${shardOf(id)}`,
    gsi2sk: `${status}#${createdAt}#${id}`,
  }),
  /** The partitions that together hold every contract. */
  allContractPartitions: shardPartitions('CONTRACTS'),
  version: (contractId: string, number: number) => ({ pk: `CONTRACT#${contractId}`, sk: `VERSION#${pad(number, 4)}` }),
  versionPrefix: 'VERSION#',
  /**
   * The approval inbox, a sparse part of gsi2: only an item awaiting approval carries these keys
   * (a version while PENDING_APPROVAL; a credit while pending uses the same partition with
   * `CREDIT#contractId#creditId`), so the inbox is one Query in submission order and an item
   * leaves it when it is approved or rejected (its next write has no such keys).
   */
  pendingApproval: (submittedAt: string, ref: string) => ({ gsi2pk: 'APPROVALS', gsi2sk: `${submittedAt}#${ref}` }),
  pendingVersionRef: (contractId: string, number: number) => `VERSION#${contractId}#${pad(number, 4)}`,
  pendingCreditRef: (contractId: string, creditId: string) => `CREDIT#${contractId}#${creditId}`,
  /** One item per approver of a version: a second approval by the same person fails its condition. */
  approval: (contractId: string, number: number, approverId: string) => ({
    pk: `CONTRACT#${contractId}`,
    sk: `VERSION#${pad(number, 4)}#APPROVAL#${approverId}`,
  }),

  /** A credit (make-goods) of a contract, in the contract's partition so it joins its audit chain. */
  credit: (contractId: string, creditId: string) => ({ pk: `CONTRACT#${contractId}`, sk: `CREDIT#${creditId}` }),
  creditPrefix: 'CREDIT#',

  idempotency: (scope: string, key: string) => ({ pk: `IDEMPOTENCY#${scope}#${key}`, sk: 'IDEMPOTENCY' }),

  /** Audit entries of one aggregate in sequence order, and the chain head. */
  auditEntry: (aggregate: string, seq: number) => ({ pk: `AUDIT#${aggregate}`, sk: `SEQ#${pad(seq, 12)}` }),
  auditHead: (aggregate: string) => ({ pk: `AUDIT#${aggregate}`, sk: 'HEAD' }),
  auditEntryPrefix: 'SEQ#',
  /** Marks a stream record as turned into an entry, so a redelivered record writes nothing. */
  auditEvent: (eventId: string) => ({ pk: `AUDITEVENT#${eventId}`, sk: 'AUDITEVENT' }),
  /**
   * Marks a stream record whose domain events went to the event bus, so a redelivered record
   * publishes nothing again (shared/domain/events/publish-change.ts). Expires after two days:
   * the stream keeps records for 24 hours, so no redelivery can come later.
   */
  eventPublication: (eventId: string) => ({ pk: `EVENTPUB#${eventId}`, sk: 'EVENTPUB' }),
  /** Every audited aggregate, so a verifier can walk all chains without a Scan. */
  auditChainIndex: (aggregate: string) => ({ gsi2pk: 'AUDITCHAINS', gsi2sk: aggregate }),

  // --- Billing runs -----------------------------------------------------------------------
  /** A billing run by id. */
  billingRun: (id: string) => ({ pk: `BILLINGRUN#${id}`, sk: 'BILLINGRUN' }),
  /** Runs of a period in run order: gsi2 `BILLINGRUNS#period` / `RUN#seq#id`. */
  billingRunByPeriod: (period: string, runSeq: number, id: string) => ({
    gsi2pk: `BILLINGRUNS#${period}`,
    gsi2sk: `RUN#${pad(runSeq, 6)}#${id}`,
  }),
  billingRunsOfPeriod: (period: string) => ({ gsi2pk: `BILLINGRUNS#${period}` }),
  /** One item per contract a run has rated: makes "contract done" idempotent and lists the run's invoices. */
  billingRunContract: (runId: string, contractId: string) => ({ pk: `BILLINGRUN#${runId}`, sk: `CONTRACT#${contractId}` }),
  billingRunContractPrefix: 'CONTRACT#',
  /** The last failure of a contract's step in a run (deleted when the contract is done): names the culprit of a failed run. */
  billingRunContractFailure: (runId: string, contractId: string) => ({ pk: `BILLINGRUN#${runId}`, sk: `FAILURE#${contractId}` }),
  billingRunContractFailurePrefix: 'FAILURE#',
  /**
   * One of the run's progress counters: contracts done are counted across several items
   * (progressCountersOf), so no single item takes a write per contract (a hot item at thousands
   * of contracts/s).
   */
  billingRunProgress: (runId: string, shard: number) => ({ pk: `BILLINGRUN#${runId}`, sk: `PROGRESS#${pad(shard, 2)}` }),
  billingRunProgressPrefix: 'PROGRESS#',
  /** Where the finalization of the run's drafts stands (POST /v1/billing-runs/{id}/finalize). */
  billingRunFinalization: (runId: string) => ({ pk: `BILLINGRUN#${runId}`, sk: 'FINALIZATION' }),
  /** One item per period: its last run number and the run currently holding the period. */
  billingPeriodLock: (period: string) => ({ pk: `BILLINGPERIOD#${period}`, sk: 'LOCK' }),

  // --- Partner statements -----------------------------------------------------------------
  /** A partner's statement of a period once issued (status, issued totals, payments); an OPEN statement has no item. */
  partnerStatement: (partnerId: string, period: string) => ({ pk: `PARTNERSTMT#${partnerId}`, sk: `PERIOD#${period}` }),
  /** Issued statements of a period across partners (the period's export): gsi2 `PARTNERSTMTS#period` / partnerId. */
  partnerStatementByPeriod: (period: string, partnerId: string) => ({ gsi2pk: `PARTNERSTMTS#${period}`, gsi2sk: partnerId }),
} as const;

/**
 * Every partition-key prefix the key builders above and below produce: one per item family.
 * IAM keeps each role's writes to the families it owns through `dynamodb:LeadingKeys`
 * (infra/constructs/table-access.ts); a test checks every builder's pk against this list, so
 * a new family must be declared here and given its writers there.
 */
export const PK_PREFIXES = {
  advertiser: 'ADV#',
  partner: 'PARTNER#',
  contract: 'CONTRACT#',
  invoice: 'INVOICE#',
  invoiceRuns: 'INVOICERUNS#',
  documentNumber: 'DOCNUMBER#',
  idempotency: 'IDEMPOTENCY#',
  auditChain: 'AUDIT#',
  auditEvent: 'AUDITEVENT#',
  billingRun: 'BILLINGRUN#',
  billingPeriod: 'BILLINGPERIOD#',
  usage: 'USAGE#',
  usageConversion: 'USAGECONV#',
  partnerStatement: 'PARTNERSTMT#',
  eventPublication: 'EVENTPUB#',
} as const;
export type PkPrefix = (typeof PK_PREFIXES)[keyof typeof PK_PREFIXES];

/** Item key prefixes that the audit consumer never turns into entries (its own writes, bookkeeping). */
export const UNAUDITED_PREFIXES = ['AUDIT#', 'AUDITEVENT#', 'IDEMPOTENCY#', 'USAGECONV#', 'EVENTPUB#'] as const;

// ---------------------------------------------------------------------------------------
// Usage (impression day-aggregates and conversions)
//
// The billing run reads ALL usage of one contract for one period, so usage items live in
// partitions keyed by contract and period: one paged Query per partition, never a Scan.
// A hot contract can send more than one partition's write rate (1,000 WCU/s), so each
// contract-period is spread over USAGE_SHARDS partitions by a stable hash of the record's
// identity (a re-send lands on the same item) and read back with one Query per shard, in
// parallel. 8 shards allow ~8,000 item writes/s per contract-period (conversions cost 2 in a
// transaction) while keeping the read at 8 small Queries. The count is part of every key:
// changing it would strand stored items, so it is a constant, not configuration.

export const USAGE_SHARDS = 8;

/** FNV-1a, 32 bit: stable across processes and releases (unlike any runtime hash). */
export function usageShard(identity: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < identity.length; i++) {
    hash ^= identity.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % USAGE_SHARDS;
}

export const usageKeys = {
  /** One shard of a contract's usage for a period: `USAGE#<contractId>#<YYYY-MM>#<shard>`. */
  periodShard: (contractId: string, period: string, shard: number) => `USAGE#${contractId}#${period}#${shard}`,
  /** An impression day-aggregate; its identity (day, charge, source, partner) is the sort key. */
  impression: (contractId: string, period: string, identity: { date: string; chargeId: string; source: string; partnerId?: string | null }) => {
    const sk = `IMP#${identity.date}#${identity.chargeId}#${identity.source}#${identity.partnerId ?? ''}`;
    return { pk: usageKeys.periodShard(contractId, period, usageShard(`${contractId}#${sk}`)), sk };
  },
  impressionPrefix: 'IMP#',
  /** A conversion touch (one per id and partner) in its period, sharded by its identity. */
  conversion: (contractId: string, period: string, conversionId: string, partnerId: string | null) => {
    const sk = `CNV#${conversionId}#${partnerId ?? ''}`;
    return { pk: usageKeys.periodShard(contractId, period, usageShard(`${contractId}#${sk}`)), sk };
  },
  conversionPrefix: 'CNV#',
  /**
   * A conversion id of a contract, whatever its period: the conditional put that makes a
   * re-sent id a duplicate, and the pointer a reversal follows to the conversion's item.
   */
  conversionId: (contractId: string, conversionId: string) => ({ pk: `USAGECONV#${contractId}#${conversionId}`, sk: 'USAGECONV' }),
  /**
   * One partner's touch of a conversion id, beside the id's marker: its conditional put makes
   * a re-sent (id, partner) a duplicate; the id's touches are one Query (a reversal's targets).
   */
  conversionTouch: (contractId: string, conversionId: string, partnerId: string | null) => ({
    pk: `USAGECONV#${contractId}#${conversionId}`,
    sk: `TOUCH#${partnerId ?? ''}`,
  }),
  conversionTouchPrefix: 'TOUCH#',
} as const;
