/**
 * Usage is audited per batch of stream records, not per record.
 *
 * Every write of a usage item (an impression day-aggregate put or re-sent, a conversion touch,
 * a reversal) reaches the table's stream like any other change. Instead of one entry per record,
 * the consumer takes the usage records of one chain (one usage partition) that a stream batch
 * delivers, in stream order, up to MAX_USAGE_BATCH_RECORDS, and appends ONE entry naming each
 * item written, by sort key, with the sha256 of its canonical new image:
 *
 *   action     usage.batch
 *   entityKey  { pk: the partition, sk: '' }
 *   after      { records, items: [[sk, sha256 | null], ...] (stream order; null = removed),
 *                origins: [...], firstSequence, lastSequence }
 *
 * The items keep their own `origin` (the API request or the bulk file), so the entry names the
 * ingest batches it covers. Nothing here decides what is audited: every usage record of the
 * stream lands in exactly one batch entry (the chain head keeps the stream sequence number it
 * has taken in up to, so a redelivered record is recognised whatever the batch boundaries).
 *
 * What an intact usage partition looks like (UsageLedger): for every item key, the LAST entry of
 * the chain naming it (a batch entry, or a per-record entry of an older chain) gives the item's
 * content; the table holds exactly that item with that content (or no item, when the last entry
 * recorded its removal), and no usage item that no entry names. A re-sent day or a reversal is a
 * later write, so it is a later stream record, so a later entry replaces the earlier content.
 */
import type { Clock } from '../kernel/clock';
import { canonicalJson, type JsonValue } from './canonical-json';
import { BreakReason, sha256Hex } from './chain';
import { ChangeKind, deriveAt, deriveActor, type AuditChange, type AuditDraft, type AuditEntry, type AuditImage } from './entry';

export const USAGE_BATCH_ACTION = 'usage.batch' as const;
export const USAGE_BATCH_ENTITY_TYPE = 'usageBatch' as const;
/** Records per entry: ~130 bytes each in the entry, so a full batch stays near 65 KB, far below an item's 400 KB. */
export const MAX_USAGE_BATCH_RECORDS = 500;

/** One named item of a batch entry: its sort key and the sha256 of its new image (null: removed). */
export type UsageBatchItem = [sk: string, sha256: string | null];

export interface UsageBatchContent {
  records: number;
  items: UsageBatchItem[];
  origins: string[];
  firstSequence: string;
  lastSequence: string;
}

/** sha256 hex of an item image's canonical JSON: what a batch entry names and audit:verify recomputes. */
export function usageItemDigest(image: AuditImage): string {
  return sha256Hex(canonicalJson(image as JsonValue));
}

/**
 * Orders stream sequence numbers (decimal digit strings of any length): negative when `a` comes
 * before `b`. Numeric, not textual: "9" comes before "10".
 */
export function compareSequence(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isSequence(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,64}$/.test(value);
}

/** Whether a change is a usage item's (the consumer batches those). */
export function isUsageChange(change: AuditChange): boolean {
  const image = change.after ?? change.before;
  return image?.entityType === 'usage' && change.aggregate.startsWith('usage#');
}

const textOf = (image: AuditImage | null, name: string): string | undefined => {
  const value = image?.[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

/**
 * The entry for usage changes of ONE chain, in stream order, each with its sequence number.
 * `at` is the latest of the records' times, `actor` the writers (sorted, comma-separated when
 * several), `eventId` the first record's.
 */
export function describeUsageBatch(changes: readonly AuditChange[], clock: Clock): AuditDraft {
  const first = changes[0];
  const last = changes.at(-1);
  if (!first || !last) throw new Error('a usage batch needs at least one change');
  const origins = new Set<string>();
  const actors = new Set<string>();
  let at = '';
  const items: UsageBatchItem[] = [];
  for (const change of changes) {
    if (change.aggregate !== first.aggregate) throw new Error(`a usage batch of ${first.aggregate} cannot take a change of ${change.aggregate}`);
    if (!isSequence(change.sequence)) throw new Error(`usage change ${change.eventId} has no stream sequence number`);
    const image = change.kind === ChangeKind.REMOVE ? null : change.after;
    items.push([change.entityKey.sk, image ? usageItemDigest(image) : null]);
    const origin = textOf(change.after, 'origin') ?? textOf(change.before, 'origin');
    if (origin) origins.add(origin);
    actors.add(deriveActor(change));
    const when = deriveAt(change, clock);
    if (when > at) at = when;
  }
  const content: UsageBatchContent = {
    records: changes.length,
    items,
    origins: [...origins].sort(),
    firstSequence: first.sequence!,
    lastSequence: last.sequence!,
  };
  return {
    aggregate: first.aggregate,
    at,
    actor: [...actors].sort().join(','),
    action: USAGE_BATCH_ACTION,
    entityType: USAGE_BATCH_ENTITY_TYPE,
    entityKey: { pk: first.entityKey.pk, sk: '' },
    before: null,
    after: content as unknown as AuditImage,
    eventId: first.eventId,
  };
}

export function isUsageBatchEntry(entry: Pick<AuditEntry, 'action' | 'entityType'>): boolean {
  return entry.action === USAGE_BATCH_ACTION && entry.entityType === USAGE_BATCH_ENTITY_TYPE;
}

/** The batch content of an entry, read leniently (a tampered entry fails its hash, not this). */
export function usageBatchContent(entry: AuditEntry): UsageBatchContent | undefined {
  if (!isUsageBatchEntry(entry)) return undefined;
  const after = entry.after as Partial<Record<keyof UsageBatchContent, unknown>> | null;
  if (!after || !Array.isArray(after.items)) return undefined;
  const items = after.items.filter(
    (item): item is UsageBatchItem => Array.isArray(item) && typeof item[0] === 'string' && (typeof item[1] === 'string' || item[1] === null),
  );
  return {
    records: typeof after.records === 'number' ? after.records : items.length,
    items,
    origins: Array.isArray(after.origins) ? after.origins.filter((o): o is string => typeof o === 'string') : [],
    firstSequence: isSequence(after.firstSequence) ? after.firstSequence : '0',
    lastSequence: isSequence(after.lastSequence) ? after.lastSequence : '0',
  };
}

export const UsageProblem = {
  /** A usage item that no entry of its partition's chain names (written around the audit, or not yet consumed). */
  UNNAMED: BreakReason.USAGE_ITEM_UNNAMED,
  /** The item's content is not what the last entry naming it recorded: edited after it was audited. */
  MISMATCH: BreakReason.USAGE_ITEM_MISMATCH,
  /** The last entry naming the item recorded it, but the table no longer has it: deleted around the audit. */
  MISSING: BreakReason.USAGE_ITEM_MISSING,
} as const;
export type UsageProblem = (typeof UsageProblem)[keyof typeof UsageProblem];

export interface UsageItemProblem {
  sk: string;
  reason: UsageProblem;
  /** The entry that last named the item (0 when none did). */
  seq: number;
}

/**
 * What a usage chain says its partition holds: fed the chain's entries in seq order, then
 * compared with the partition's items. Per-record entries (older chains, entity type `usage`)
 * count like batch entries, so a chain begun before batching verifies by the same rule.
 */
export class UsageLedger {
  private readonly named = new Map<string, { seq: number; sha256: string | null }>();

  push(entry: AuditEntry): void {
    const batch = usageBatchContent(entry);
    if (batch) {
      for (const [sk, sha256] of batch.items) this.named.set(sk, { seq: entry.seq, sha256 });
      return;
    }
    if (entry.entityType !== 'usage') return;
    const removed = entry.after === null && entry.afterImage === undefined;
    const sha256 = removed ? null : (entry.afterImage?.sha256 ?? usageItemDigest(entry.after!));
    this.named.set(entry.entityKey.sk, { seq: entry.seq, sha256 });
  }

  /** Keys the chain names, with what it says of each. */
  get size(): number {
    return this.named.size;
  }

  /** Compares the partition's items (every one of them, any order, read as they come) with the chain. */
  async check(items: AsyncIterable<{ sk: string; image: AuditImage }> | Iterable<{ sk: string; image: AuditImage }>): Promise<UsageItemProblem[]> {
    const problems: UsageItemProblem[] = [];
    const seen = new Set<string>();
    for await (const { sk, image } of items) {
      seen.add(sk);
      const named = this.named.get(sk);
      if (!named || named.sha256 === null) problems.push({ sk, reason: UsageProblem.UNNAMED, seq: named?.seq ?? 0 });
      else if (named.sha256 !== usageItemDigest(image)) problems.push({ sk, reason: UsageProblem.MISMATCH, seq: named.seq });
    }
    for (const [sk, named] of this.named) {
      if (named.sha256 !== null && !seen.has(sk)) problems.push({ sk, reason: UsageProblem.MISSING, seq: named.seq });
    }
    return problems.sort((a, b) => a.seq - b.seq || (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
  }
}
