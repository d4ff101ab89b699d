/**
 * What the audit use cases need from storage, as interfaces: the DynamoDB repository and the
 * S3 archive implement them, tests may too. Nothing here knows about AWS.
 */
import type { ChainHead } from './chain';
import type { AuditDraft, AuditEntry, AuditImage } from './entry';

/** Every list is paged; `cursor` is opaque to callers and absent on the last page. */
export interface Page<T> {
  items: T[];
  cursor?: string;
}

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

/** Entry pages may also start after a known seq (a verifier catching up with a live chain). */
export interface EntryPageRequest extends PageRequest {
  afterSeq?: number;
}

export const AppendOutcome = {
  APPENDED: 'appended',
  /** The change was already in the chain (a redelivered stream record): nothing was written. */
  DUPLICATE: 'duplicate',
} as const;
export type AppendOutcome = (typeof AppendOutcome)[keyof typeof AppendOutcome];

export interface AppendResult {
  outcome: AppendOutcome;
  /** The entry in the chain: the new one, or the one written when the change was first seen. */
  entry: AuditEntry;
}

export interface AuditChainReader {
  /** Heads of every chain, in aggregate order. */
  listAggregates(page?: PageRequest): Promise<Page<ChainHead>>;
  /** Entries of one chain in seq order. */
  listEntries(aggregate: string, page?: EntryPageRequest): Promise<Page<AuditEntry>>;
  /** The chain's current head, read consistently. */
  readHead(aggregate: string): Promise<ChainHead | undefined>;
  getEntry(aggregate: string, seq: number): Promise<AuditEntry | undefined>;
}

export interface AuditChainWriter {
  /** Appends the draft at the chain's next seq, exactly once per `draft.eventId`. Never deletes. */
  appendEntry(draft: AuditDraft): Promise<AppendResult>;
}

/** A chain head and the last stream sequence number its entries have taken in (batched chains only). */
export interface SequencedHead {
  head: ChainHead;
  streamSequence?: string;
}

/** What appending usage batches needs beyond AuditChainWriter (usage-batch.ts, record-usage-batch.ts). */
export interface SequencedChainWriter {
  /** The chain's head, read consistently, with its stream sequence number. */
  readSequencedHead(aggregate: string): Promise<SequencedHead>;
  /**
   * Appends the draft at `head.lastSeq + 1` and moves the head's stream sequence number to
   * `streamSequence`, only if the head is still `head`; undefined when another append moved it.
   */
  appendAtHead(draft: AuditDraft, head: ChainHead, streamSequence: string): Promise<AuditEntry | undefined>;
  /** The chain's last `limit` entries, newest first. */
  latestEntries(aggregate: string, limit: number): Promise<AuditEntry[]>;
}

/** The items of the table partition a usage chain audits, for audit:verify. */
export interface UsageItemsReader {
  /** Every item of the chain's partition (sort key and image), or undefined when the chain is not a usage chain. */
  itemsOf(aggregate: string): AsyncIterable<{ sk: string; image: AuditImage }> | undefined;
}

export interface ChainDigest {
  date: string;
  chainCount: number;
  chains: ChainHead[];
  /** sha256 hex of the canonical JSON of `chains`. */
  chainsHash: string;
}

export interface AuditArchive {
  /** Idempotent: the same entry always makes the same object. */
  putEntry(entry: AuditEntry): Promise<void>;
  putDigest(digest: ChainDigest): Promise<void>;
}

/** An entry object as the archive holds it: its text as first written, and its version count when known. */
export interface ArchivedEntry {
  text: string;
  /** How many object versions the key has (1 when never overwritten); undefined where the store cannot tell. */
  versions?: number;
}

/** The archive as the verifier reads it. */
export interface AuditArchiveReader {
  listArchivedAggregates(page?: PageRequest): Promise<Page<string>>;
  /** Seqs of one aggregate's archived entries, ascending. */
  listArchivedSeqs(aggregate: string, page?: PageRequest): Promise<Page<number>>;
  /** The entry as first archived (its oldest version), or undefined when there is none. */
  readArchivedEntry(aggregate: string, seq: number): Promise<ArchivedEntry | undefined>;
}
