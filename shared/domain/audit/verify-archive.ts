/**
 * Compares the table's chains with the archive, entry by entry.
 *
 * The table's chains can be rewritten consistently (entries and head together) by anyone with
 * write access to them, and a whole chain can be deleted; a walk of the table alone sees
 * neither. The archive holds every entry as first written (its oldest object version, kept by
 * Object Lock), so for every aggregate found in either place and every seq found in either:
 *   - archived but not in the table               -> missing_from_table
 *   - archived aggregate with no chain at all      -> chain_deleted (seq = last archived)
 *   - in the table but never archived              -> not_archived
 *   - both, with different content                 -> archive_mismatch (edited, or reordered)
 *   - the archive object has several versions      -> archive_overwritten
 */
import { canonicalJson } from './canonical-json';
import { BreakReason, type ChainBreak } from './chain';
import type { AuditEntry } from './entry';
import type { AuditArchiveReader, AuditChainReader } from './ports';
import type { BrokenChain } from './verify-chains';

export interface ArchiveVerification {
  /** Aggregates compared (found in the table, the archive, or both). */
  chainsCompared: number;
  entriesCompared: number;
  broken: BrokenChain[];
  /** False where the archive cannot list object versions: the current object was read instead of the first. */
  versionsChecked: boolean;
}

export interface VerifyArchiveOptions {
  pageSize?: number;
  onBroken?: (chain: BrokenChain) => void;
}

const DEFAULT_PAGE_SIZE = 500;

async function collect<T>(list: (cursor: string | undefined) => Promise<{ items: T[]; cursor?: string }>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    all.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return all;
}

/** Canonical JSON of a value, or undefined when it has none (a tampered entry): never equal to anything. */
function canonicalOrUndefined(value: () => unknown): string | undefined {
  try {
    return canonicalJson(value());
  } catch {
    return undefined;
  }
}

async function compareChain(
  aggregate: string,
  reader: AuditChainReader,
  archive: AuditArchiveReader,
  pageSize: number,
  tally: { entries: number; versionsChecked: boolean },
): Promise<ChainBreak[]> {
  const tableEntries = new Map<number, AuditEntry>();
  for (const entry of await collect((cursor) => reader.listEntries(aggregate, { limit: Math.min(pageSize, 1000), cursor }))) {
    tableEntries.set(entry.seq, entry);
  }
  const archivedSeqs = await collect((cursor) => archive.listArchivedSeqs(aggregate, { limit: pageSize, cursor }));
  const head = await reader.readHead(aggregate);
  if (tableEntries.size === 0 && !head && archivedSeqs.length > 0) {
    return [{ seq: Math.max(...archivedSeqs), reason: BreakReason.CHAIN_DELETED }];
  }
  const breaks: ChainBreak[] = [];
  const seqs = [...new Set([...tableEntries.keys(), ...archivedSeqs])].sort((a, b) => a - b);
  for (const seq of seqs) {
    tally.entries += 1;
    const inTable = tableEntries.get(seq);
    const archived = await archive.readArchivedEntry(aggregate, seq);
    if (!archived) {
      if (inTable) breaks.push({ seq, reason: BreakReason.NOT_ARCHIVED });
      continue;
    }
    if (archived.versions === undefined) tally.versionsChecked = false;
    if (archived.versions !== undefined && archived.versions > 1) breaks.push({ seq, reason: BreakReason.ARCHIVE_OVERWRITTEN });
    if (!inTable) {
      breaks.push({ seq, reason: BreakReason.MISSING_FROM_TABLE });
      continue;
    }
    const archivedText = canonicalOrUndefined(() => JSON.parse(archived.text));
    if (archivedText === undefined || archivedText !== canonicalOrUndefined(() => inTable)) breaks.push({ seq, reason: BreakReason.ARCHIVE_MISMATCH });
  }
  return breaks;
}

export async function verifyAgainstArchive(
  reader: AuditChainReader,
  archive: AuditArchiveReader,
  options: VerifyArchiveOptions = {},
): Promise<ArchiveVerification> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const tableAggregates = await collect((cursor) => reader.listAggregates({ limit: Math.min(pageSize, 1000), cursor }));
  const archivedAggregates = await collect((cursor) => archive.listArchivedAggregates({ limit: pageSize, cursor }));
  const aggregates = [...new Set([...tableAggregates.map((h) => h.aggregate), ...archivedAggregates])].sort();
  const tally = { entries: 0, versionsChecked: true };
  const broken: BrokenChain[] = [];
  for (const aggregate of aggregates) {
    const breaks = await compareChain(aggregate, reader, archive, pageSize, tally);
    if (breaks.length > 0) {
      const chain = { aggregate, breaks };
      broken.push(chain);
      options.onBroken?.(chain);
    }
  }
  return { chainsCompared: aggregates.length, entriesCompared: tally.entries, broken, versionsChecked: tally.versionsChecked };
}
