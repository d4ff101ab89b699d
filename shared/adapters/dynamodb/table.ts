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

/** Key builders, one per entity and access pattern. */
export const keys = {
  advertiser: (id: string) => ({ pk: `ADV#${id}`, sk: 'ADV' }),
  partner: (id: string) => ({ pk: `PARTNER#${id}`, sk: 'PARTNER' }),

  contract: (id: string) => ({ pk: `CONTRACT#${id}`, sk: 'CONTRACT' }),
  /** Contracts of an advertiser, optionally by status: gsi1 `ADV#id` / `CONTRACT#status#created#id`. */
  contractByAdvertiser: (advertiserId: string, status: string, createdAt: string, id: string) => ({
    gsi1pk: `ADV#${advertiserId}`,
    gsi1sk: `CONTRACT#${status}#${createdAt}#${id}`,
  }),
  /** All contracts, optionally by status: gsi2 `CONTRACTS` / `status#created#id`. */
  contractByStatus: (status: string, createdAt: string, id: string) => ({
    gsi2pk: 'CONTRACTS',
    gsi2sk: `${status}#${createdAt}#${id}`,
  }),
  version: (contractId: string, number: number) => ({ pk: `CONTRACT#${contractId}`, sk: `VERSION#${pad(number, 4)}` }),
  versionPrefix: 'VERSION#',
  /** One item per approver of a version: a second approval by the same person fails its condition. */
  approval: (contractId: string, number: number, approverId: string) => ({
    pk: `CONTRACT#${contractId}`,
    sk: `VERSION#${pad(number, 4)}#APPROVAL#${approverId}`,
  }),

  idempotency: (scope: string, key: string) => ({ pk: `IDEMPOTENCY#${scope}#${key}`, sk: 'IDEMPOTENCY' }),

  /** Audit entries of one aggregate in sequence order, and the chain head. */
  auditEntry: (aggregate: string, seq: number) => ({ pk: `AUDIT#${aggregate}`, sk: `SEQ#${pad(seq, 12)}` }),
  auditHead: (aggregate: string) => ({ pk: `AUDIT#${aggregate}`, sk: 'HEAD' }),
  auditEntryPrefix: 'SEQ#',
  /** Marks a stream record as turned into an entry, so a redelivered record writes nothing. */
  auditEvent: (eventId: string) => ({ pk: `AUDITEVENT#${eventId}`, sk: 'AUDITEVENT' }),
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
  /** One item per period: its last run number and the run currently holding the period. */
  billingPeriodLock: (period: string) => ({ pk: `BILLINGPERIOD#${period}`, sk: 'LOCK' }),
} as const;

/** Item key prefixes that the audit consumer never turns into entries (its own writes, bookkeeping). */
export const UNAUDITED_PREFIXES = ['AUDIT#', 'AUDITEVENT#', 'IDEMPOTENCY#'] as const;
