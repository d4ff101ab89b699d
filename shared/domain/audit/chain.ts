/**
 * The hash chain of one aggregate.
 *
 *   hash(n) = sha256_hex( prevHash(n) ‖ canonicalJson(entry(n) without `hash`) )
 *   prevHash(1) = 64 zeros (GENESIS_HASH), prevHash(n) = hash(n - 1), seq = 1, 2, 3, … without gaps
 *
 * `‖` is plain string concatenation of the 64 hex characters and the canonical JSON text,
 * hashed as UTF-8. The entry body includes its own `prevHash`, `seq` and `aggregate`, so an
 * entry cannot be moved to another place or another chain without its hash changing.
 *
 * sha256 comes from node:crypto: it is deterministic and does no I/O, so the domain stays pure
 * (no AWS, no clock, no environment) while using the platform's vetted implementation.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { AuditDraft, AuditEntry } from './entry';

export const GENESIS_HASH = '0'.repeat(64);

/** Where a chain stands: the seq and hash of its last entry (seq 0 and GENESIS_HASH when empty). */
export interface ChainHead {
  aggregate: string;
  lastSeq: number;
  lastHash: string;
}

export const BreakReason = {
  /** The entry's hash is not the hash of its content: the entry was edited. */
  HASH_MISMATCH: 'hash_mismatch',
  /** The entry does not point at the hash of the entry before it. */
  PREV_MISMATCH: 'prev_mismatch',
  /** One or more entries are missing before this seq (or after the last one, per the head). */
  GAP: 'gap',
  /** The entry's seq is not above the one before it: reordered or duplicated. */
  OUT_OF_ORDER: 'out_of_order',
  /** The head names a last seq or hash the entries do not end with. */
  HEAD_MISMATCH: 'head_mismatch',
  /** An archived digest named an entry (seq and hash) that the chain no longer has. */
  DIGEST_MISMATCH: 'digest_mismatch',
  /** The entry references an external image whose object is gone. */
  IMAGE_MISSING: 'image_missing',
  /** The entry references an external image whose object's sha256 (or size) is not the entry's. */
  IMAGE_MISMATCH: 'image_mismatch',
  /** The table's entry differs from the entry as first archived: edited, or moved to another seq. */
  ARCHIVE_MISMATCH: 'archive_mismatch',
  /** An archived entry is not in the table. */
  MISSING_FROM_TABLE: 'missing_from_table',
  /** A table entry has no archived object. */
  NOT_ARCHIVED: 'not_archived',
  /** The entry's archive object has more than one version: something wrote over it. */
  ARCHIVE_OVERWRITTEN: 'archive_overwritten',
  /** The archive holds entries of an aggregate the table has no chain for (seq = last archived). */
  CHAIN_DELETED: 'chain_deleted',
  /** A usage item of the chain's partition that no entry names (usage-batch.ts). */
  USAGE_ITEM_UNNAMED: 'usage_item_unnamed',
  /** A usage item whose content is not what the last entry naming it recorded. */
  USAGE_ITEM_MISMATCH: 'usage_item_mismatch',
  /** A usage item the last entry naming it recorded, gone from the table. */
  USAGE_ITEM_MISSING: 'usage_item_missing',
} as const;
export type BreakReason = (typeof BreakReason)[keyof typeof BreakReason];

export interface ChainBreak {
  seq: number;
  reason: BreakReason;
  /** The item concerned, for usage item breaks: its sort key in the chain's partition. */
  key?: string;
}

export interface ChainVerification {
  ok: boolean;
  breaks: ChainBreak[];
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export type EntryBody = Omit<AuditEntry, 'hash'>;

export function chainHash(prevHash: string, entryWithoutHash: EntryBody): string {
  return sha256Hex(prevHash + canonicalJson(entryWithoutHash));
}

export function emptyHead(aggregate: string): ChainHead {
  return { aggregate, lastSeq: 0, lastHash: GENESIS_HASH };
}

/** Gives a draft the next place in the chain whose head is `head`. */
export function sealEntry(draft: AuditDraft, head: ChainHead): AuditEntry {
  if (draft.aggregate !== head.aggregate) {
    throw new Error(`entry of ${draft.aggregate} cannot extend the chain of ${head.aggregate}`);
  }
  const body: EntryBody = { ...draft, seq: head.lastSeq + 1, prevHash: head.lastHash };
  return { ...body, hash: chainHash(body.prevHash, body) };
}

export function headAfter(entry: AuditEntry): ChainHead {
  return { aggregate: entry.aggregate, lastSeq: entry.seq, lastHash: entry.hash };
}

function bodyOf(entry: AuditEntry): EntryBody {
  const { hash: _hash, ...body } = entry;
  return body;
}

function recomputedHash(entry: AuditEntry): string | undefined {
  try {
    return chainHash(entry.prevHash, bodyOf(entry));
  } catch {
    // Content that cannot even be canonicalised was not written by the chain writer.
    return undefined;
  }
}

/**
 * Checks a chain entry by entry, in the order the entries were read (seq order), so a long
 * chain can be verified page by page in bounded memory. Each break is reported once where it
 * is first seen; after a broken entry the walk continues from that entry's stored hash, so one
 * edit yields one break instead of a cascade. `finish(head)` compares the end of the chain with
 * its head, which is the only way to see a truncated tail.
 */
export class ChainVerifier {
  readonly breaks: ChainBreak[] = [];
  private expectedSeq = 1;
  private expectedPrev = GENESIS_HASH;

  /** Seq of the last entry accepted in order (0 before any). */
  get lastSeq(): number {
    return this.expectedSeq - 1;
  }

  push(entry: AuditEntry): void {
    if (!Number.isSafeInteger(entry.seq) || entry.seq < this.expectedSeq) {
      this.breaks.push({ seq: entry.seq, reason: BreakReason.OUT_OF_ORDER });
      return;
    }
    if (entry.seq > this.expectedSeq) {
      // The entry legitimately points at a missing one, so its prevHash cannot be judged.
      this.breaks.push({ seq: this.expectedSeq, reason: BreakReason.GAP });
    } else if (entry.prevHash !== this.expectedPrev) {
      this.breaks.push({ seq: entry.seq, reason: BreakReason.PREV_MISMATCH });
    }
    if (recomputedHash(entry) !== entry.hash) {
      this.breaks.push({ seq: entry.seq, reason: BreakReason.HASH_MISMATCH });
    }
    this.expectedSeq = entry.seq + 1;
    this.expectedPrev = entry.hash;
  }

  finish(head?: ChainHead): ChainVerification {
    if (head) {
      const lastSeq = this.expectedSeq - 1;
      if (head.lastSeq > lastSeq) {
        this.breaks.push({ seq: this.expectedSeq, reason: BreakReason.GAP });
      } else if (head.lastSeq < lastSeq) {
        this.breaks.push({ seq: head.lastSeq + 1, reason: BreakReason.HEAD_MISMATCH });
      } else if (head.lastHash !== this.expectedPrev) {
        this.breaks.push({ seq: head.lastSeq, reason: BreakReason.HEAD_MISMATCH });
      }
    }
    return { ok: this.breaks.length === 0, breaks: [...this.breaks] };
  }
}

/** Verifies a whole chain held in memory; see ChainVerifier. */
export function verifyChain(entries: readonly AuditEntry[], options: { head?: ChainHead } = {}): ChainVerification {
  const verifier = new ChainVerifier();
  for (const entry of entries) verifier.push(entry);
  return verifier.finish(options.head);
}
