/**
 * Records the usage changes of one chain that one stream batch delivered as ONE entry
 * (usage-batch.ts), exactly once per stream record:
 *
 * - the chain head carries the stream sequence number of the last record its entries took in;
 *   records at or below it were recorded before (a redelivery, whatever the batch boundaries
 *   this time: bisection, partial retries) and are not appended again;
 * - the rest is appended as one entry, conditioned on the head read, so two deliveries racing
 *   for the same records cannot both append them: the loser re-reads the head and finds them in;
 * - the entry is archived after the append; a redelivered record archives again the entries
 *   that took it in, so an archive write that failed after the append is completed by the retry.
 *
 * This relies on stream sequence numbers growing along one partition's records, which is the
 * stream's ordering guarantee for the items of one partition key (one usage chain is exactly one
 * partition key), across shard splits too (a child shard is read after its parent). Were it ever
 * not so, records would be skipped, not lost silently: audit:verify names every usage item that no
 * entry names.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../kernel/clock';
import type { AuditChange, AuditEntry } from './entry';
import { externalizeLargeImages, type AuditImageStore } from './images';
import type { AuditArchive, SequencedChainWriter } from './ports';
import { compareSequence, describeUsageBatch, usageBatchContent } from './usage-batch';

export interface RecordUsageBatchDeps {
  writer: SequencedChainWriter;
  archive: AuditArchive;
  images?: AuditImageStore;
  clock: Clock;
}

export interface UsageBatchResult {
  /** The entry appended for the records not yet in the chain; absent when all of them were. */
  appended?: AuditEntry;
  /** Records found already recorded (a redelivery). */
  replayed: number;
}

/** Appends that lose the race for the head re-read it and try again, this many times in all. */
export const MAX_BATCH_APPEND_ATTEMPTS = 8;
/** How far back a redelivery looks for the entries that took its records in, to archive them again. */
const REARCHIVE_LOOKBACK = 50;

const NO_IMAGE_STORE: AuditImageStore = {
  putImage: () => Promise.reject(new Error('a usage batch entry is too big for its item and no image store is configured')),
};

export class UsageChainContentionError extends Error {
  override readonly name = 'UsageChainContentionError';
  readonly code = 'audit_chain_contention';
  constructor(readonly aggregate: string) {
    super(`audit chain ${aggregate} kept moving during ${MAX_BATCH_APPEND_ATTEMPTS} append attempts`);
  }
}

/** `changes`: usage changes of one aggregate, in stream order, each with its sequence number. */
export async function recordUsageBatch(changes: readonly AuditChange[], deps: RecordUsageBatchDeps): Promise<UsageBatchResult> {
  const first = changes[0];
  if (!first) return { replayed: 0 };
  const aggregate = first.aggregate;
  let rearchived = false;
  for (let attempt = 1; attempt <= MAX_BATCH_APPEND_ATTEMPTS; attempt += 1) {
    const { head, streamSequence } = await deps.writer.readSequencedHead(aggregate);
    const fresh = streamSequence === undefined ? [...changes] : changes.filter((c) => compareSequence(c.sequence ?? '0', streamSequence) > 0);
    const replayed = changes.length - fresh.length;
    if (replayed > 0 && !rearchived) {
      await rearchiveCovering(changes.slice(0, replayed), deps);
      rearchived = true;
    }
    if (fresh.length === 0) return { replayed };
    const draft = await externalizeLargeImages(describeUsageBatch(fresh, deps.clock), deps.images ?? NO_IMAGE_STORE);
    const entry = await deps.writer.appendAtHead(draft, head, fresh.at(-1)!.sequence!);
    if (entry) {
      await deps.archive.putEntry(entry);
      return { appended: entry, replayed };
    }
    // Racers that retry at once collide again; a short random pause spreads them out.
    await sleep(Math.floor(Math.random() * 20 * attempt));
  }
  throw new UsageChainContentionError(aggregate);
}

/** Archives again the recent entries whose sequence range holds any of the replayed records. */
async function rearchiveCovering(replayed: readonly AuditChange[], deps: RecordUsageBatchDeps): Promise<void> {
  const lowest = replayed[0]?.sequence ?? '0';
  const highest = replayed.at(-1)?.sequence ?? '0';
  for (const entry of await deps.writer.latestEntries(replayed[0]!.aggregate, REARCHIVE_LOOKBACK)) {
    const batch = usageBatchContent(entry);
    if (!batch) continue;
    if (compareSequence(batch.lastSequence, lowest) < 0) break;
    if (compareSequence(batch.firstSequence, highest) <= 0) await deps.archive.putEntry(entry);
  }
}
