/**
 * Usage ingestion: the shapes that cross between the use cases (pure) and their ports (the
 * usage store, the contract lookup). Records are the FORMAT.md Impression and Conversion;
 * what ingestion adds is the billing period each record belongs to and when it was received.
 */
import type { Clock } from '../kernel/clock';
import type { Charge, Conversion, Impression } from '../terms/types';

export const UsageKind = { IMPRESSIONS: 'impressions', CONVERSIONS: 'conversions' } as const;
export type UsageKind = (typeof UsageKind)[keyof typeof UsageKind];

/** An API batch carries at most this many records (API.md); bulk files are cut into such batches. */
export const MAX_RECORDS_PER_BATCH = 1_000;

/** What ingestion needs to know about a contract: the zone and currency its records are read in, and its charges. */
export interface UsageContract {
  id: string;
  currency: string;
  timezone: string;
  startDate: string;
  endDate: string;
  /**
   * Versions that can still bill usage (rejected ones left out). `approved`: the version is one
   * a billing run rates with (approved, not a termination); open drafts are not.
   */
  versions: ReadonlyArray<{ effectiveFrom: string; approved: boolean; charges: readonly Pick<Charge, 'id' | 'kind'>[] }>;
}

/** A problem with one field of one record; `path` is relative to the record (`chargeId`). */
export interface FieldError {
  path: string;
  message: string;
}

/** A problem with a record of a batch, by its position in the batch. */
export interface RecordError extends FieldError {
  index: number;
}

/** A record as its shape check left it: either typed, or the reasons it is not. */
export type ParsedRecord<T> = { ok: true; record: T } | { ok: false; errors: FieldError[] };

/** A record ready to store: its own fields plus its period and a definite receivedAt. */
export type PlannedImpression = Impression & { period: string; receivedAt: string; partnerId: string | null };
/**
 * A conversion touch ready to store. `arrival` orders the touches of one id as they were
 * received (ingestion instant, then position in the batch): FORMAT.md's "order given", which
 * decides FIRST_RECORD and ties of exposureAt under LAST_TOUCH / FIRST_TOUCH.
 */
export type PlannedConversion = Conversion & { period: string; receivedAt: string; partnerId: string | null; reversedAt: string | null; arrival: string };

/**
 * A stored conversion touch, with the reversal details when it was reversed through the API.
 * `firstTouch`: it was the first record stored with its id (the one FIRST_RECORD bills).
 */
export type StoredConversion = PlannedConversion & { contractId: string; reversalReason: string | null; firstTouch: boolean };

/** Who wrote a record and through which door, carried on every item for the audit trail. */
export interface WriteMeta {
  /** The user (JWT `sub`) or the system principal that sent the records. */
  actor: string;
  /** `api`, or `file:<bucket>/<key>` for bulk files. */
  origin: string;
  /** Server time of the write (ISO instant). */
  ingestedAt: string;
}

export interface ConversionReversal {
  reversedAt: string;
  reason: string;
}

/** Where usage lives. Implementations must be idempotent per record identity. */
export interface UsageStore {
  /** Writes impression day-aggregates, each REPLACING any stored one with the same identity. */
  putImpressions(contractId: string, records: readonly PlannedImpression[], meta: WriteMeta): Promise<void>;
  /**
   * Stores conversion touches, each identified by (id, partnerId), unique within the call; the
   * first touch of an id in the call comes before its others. Returns the ids of the records
   * left untouched because that touch was already stored (`duplicateIds`), and of those stored
   * as a further touch of an id the contract already had (`touchIds`).
   */
  addConversions(contractId: string, records: readonly PlannedConversion[], meta: WriteMeta): Promise<{ duplicateIds: string[]; touchIds: string[] }>;
  /** Every stored touch of a conversion id, the first stored first; empty when none. */
  findTouches(contractId: string, conversionId: string): Promise<StoredConversion[]>;
  /**
   * Sets the reversal on every given touch at once; a ConflictError when one of them (or the
   * id) is by now already reversed, and then nothing changes.
   */
  reverseConversion(touches: readonly StoredConversion[], reversal: ConversionReversal, meta: WriteMeta): Promise<StoredConversion[]>;
}

/** Finds a contract for ingestion; null when there is none. */
export type UsageContractLookup = (contractId: string) => Promise<UsageContract | null>;

export const IngestMode = {
  /** The API: one bad record rejects the whole batch, nothing is stored. */
  ALL_OR_NOTHING: 'ALL_OR_NOTHING',
  /** Bulk files: bad records are reported and skipped, good ones stored. */
  SKIP_INVALID: 'SKIP_INVALID',
} as const;
export type IngestMode = (typeof IngestMode)[keyof typeof IngestMode];

export interface IngestOutcome {
  /** Records written: impression aggregates stored or replaced, conversions newly stored. */
  accepted: number;
  /** Records not written because another record says the same: see the use cases. */
  duplicates: number;
  /** Conversions: of the duplicates, those stored as another partner's touch of a known id. */
  touches?: number;
  /** Invalid records (always empty in ALL_OR_NOTHING mode, which throws instead). */
  rejected: RecordError[];
}

export interface IngestDeps {
  store: UsageStore;
  clock: Clock;
}

export interface IngestRequest<T> {
  contract: UsageContract;
  /** The batch as the shape check left it, in the order sent. */
  records: readonly ParsedRecord<T>[];
  actor: string;
  origin: string;
  mode: IngestMode;
}
