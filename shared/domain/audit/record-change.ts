/**
 * Records one change: describe it, move images too big for the entry's item to the image store
 * (before the append, so no entry ever names a missing object), append it to its aggregate's
 * chain (exactly once per stream record), then archive the entry. A redelivered record appends
 * nothing but is archived again, so an archive write that failed after the append is completed
 * by the retry.
 */
import type { Clock } from '../kernel/clock';
import { describeChange, type AuditChange } from './entry';
import { externalizeLargeImages, type AuditImageStore } from './images';
import type { AppendResult, AuditArchive, AuditChainWriter } from './ports';

export interface RecordChangeDeps {
  writer: AuditChainWriter;
  archive: AuditArchive;
  /** Where images too big for an entry go; a change that needs it fails without one. */
  images?: AuditImageStore;
  clock: Clock;
}

const NO_IMAGE_STORE: AuditImageStore = {
  putImage: () => Promise.reject(new Error('an audit image is too big for its entry and no image store is configured')),
};

export async function recordChange(change: AuditChange, deps: RecordChangeDeps): Promise<AppendResult> {
  const draft = await externalizeLargeImages(describeChange(change, deps.clock), deps.images ?? NO_IMAGE_STORE);
  const result = await deps.writer.appendEntry(draft);
  await deps.archive.putEntry(result.entry);
  return result;
}
