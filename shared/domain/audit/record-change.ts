/**
 * Records one change: describe it, append it to its aggregate's chain (exactly once per stream
 * record), then archive the entry. A redelivered record appends nothing but is archived again,
 * so an archive write that failed after the append is completed by the retry.
 */
import type { Clock } from '../kernel/clock';
import { describeChange, type AuditChange } from './entry';
import type { AppendResult, AuditArchive, AuditChainWriter } from './ports';

export interface RecordChangeDeps {
  writer: AuditChainWriter;
  archive: AuditArchive;
  clock: Clock;
}

export async function recordChange(change: AuditChange, deps: RecordChangeDeps): Promise<AppendResult> {
  const result = await deps.writer.appendEntry(describeChange(change, deps.clock));
  await deps.archive.putEntry(result.entry);
  return result;
}
