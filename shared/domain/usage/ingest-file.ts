/**
 * Ingests a bulk usage file row by row: each row becomes the record the API would receive, is
 * judged by the SAME shape check and contract rules, and is stored by the SAME use cases, in
 * batches of MAX_RECORDS_PER_BATCH. Unlike the API, a bad row never blocks the good ones: it is
 * reported with its line number. The report accounts for every row, so nothing is lost silently.
 * A row naming a partner the directory does not have is rejected like the API's batch would be
 * (nothing stored for it); the directory is asked once per distinct partner id of the file.
 */
import type { PartnerLookup } from '../contracts/store';
import { rawPartnerIdOf, rememberingPartnerLookup, unknownPartnerError } from '../directory/known-partners';
import { DomainError, ErrorKind } from '../kernel/errors';
import type { Conversion, Impression } from '../terms/types';
import { requireUsageContract } from './batch';
import {
  csvRowToRecord,
  FileFormat,
  FileStatus,
  MAX_LINE_BYTES,
  MAX_REPORTED_ROWS,
  OVERSIZE_LINE,
  UsageFileTooLarge,
  type FileLine,
  ndjsonRowToRecord,
  parseCsvHeader,
  parseUsageFileKey,
  type CsvHeader,
  type UsageFileReport,
} from './file-format';
import { ingestConversions } from './ingest-conversions';
import { ingestImpressions } from './ingest-impressions';
import {
  IngestMode,
  MAX_RECORDS_PER_BATCH,
  UsageKind,
  type FieldError,
  type IngestDeps,
  type IngestOutcome,
  type ParsedRecord,
  type UsageContract,
  type UsageContractLookup,
} from './types';

export interface IngestFileDeps extends IngestDeps {
  contracts: UsageContractLookup;
  /** The partner directory: usage may name only partners it has. */
  partners: PartnerLookup;
  /** The API's per-record shape checks (shared/schemas/usage.ts); passed in, the domain has no zod. */
  parse: { impression: (raw: unknown) => ParsedRecord<Impression>; conversion: (raw: unknown) => ParsedRecord<Conversion> };
}

export interface UsageFileInput {
  bucket: string;
  key: string;
  eTag: string | null;
  /** The object's lines, read lazily (the file may not fit in memory); OVERSIZE_LINE for one over the limit. */
  lines: AsyncIterable<FileLine>;
  actor: string;
  /** Called after each stored batch with the report so far. */
  onProgress?: (report: Readonly<UsageFileReport>) => void;
}

/** A file-level failure: the report says why and the rows after it were not read. */
class FileRejected extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export async function ingestUsageFile(deps: IngestFileDeps, input: UsageFileInput): Promise<UsageFileReport> {
  const report: UsageFileReport = {
    source: { bucket: input.bucket, key: input.key, eTag: input.eTag },
    contractId: null,
    kind: null,
    format: null,
    status: FileStatus.COMPLETED,
    failure: null,
    startedAt: deps.clock.now().toISOString(),
    finishedAt: '',
    rows: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    errors: [],
    errorsTruncated: false,
  };
  const finish = () => ({ ...report, finishedAt: deps.clock.now().toISOString() });
  let flushBeforeFailure: () => Promise<void> = async () => {};

  try {
    const target = parseUsageFileKey(input.key);
    if ('error' in target) throw new FileRejected('bad_key', target.error);
    Object.assign(report, { contractId: target.contractId, kind: target.kind, format: target.format });
    const contract = await requireUsageContract(deps.contracts, target.contractId).catch((error: unknown) => {
      if (error instanceof DomainError && error.kind === ErrorKind.NOT_FOUND) throw new FileRejected('contract_not_found', error.message);
      throw error;
    });
    const store = batchStore(deps, contract, target.kind, report, input);
    flushBeforeFailure = () => store.flush();

    let header: CsvHeader | null = null;
    let lineNumber = 0;
    for await (const raw of input.lines) {
      lineNumber += 1;
      if (raw === OVERSIZE_LINE) {
        if (target.format === FileFormat.CSV && header === null) throw new FileRejected('bad_header', `line ${lineNumber}: longer than ${MAX_LINE_BYTES} bytes`);
        report.rows += 1;
        await store.add(lineNumber, null, { ok: false, errors: [{ path: '', message: `the line is longer than ${MAX_LINE_BYTES} bytes` }] });
        continue;
      }
      const line = lineNumber === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (line.trim() === '') continue;
      if (target.format === FileFormat.CSV && header === null) {
        const parsed = parseCsvHeader(line, target.kind);
        if ('error' in parsed) throw new FileRejected('bad_header', `line ${lineNumber}: ${parsed.error}`);
        header = parsed;
        continue;
      }
      const row = target.format === FileFormat.CSV ? csvRowToRecord(line, header!) : ndjsonRowToRecord(line);
      const parsed: ParsedRecord<Impression | Conversion> =
        'errors' in row ? { ok: false, errors: row.errors } : target.kind === UsageKind.IMPRESSIONS ? deps.parse.impression(row.record) : deps.parse.conversion(row.record);
      report.rows += 1;
      await store.add(lineNumber, 'record' in row ? rawPartnerIdOf(row.record) : null, parsed);
    }
    await store.flush();
    return finish();
  } catch (error) {
    report.status = FileStatus.FAILED;
    if (error instanceof FileRejected || error instanceof UsageFileTooLarge) {
      // Rows stored before a size overrun stay stored; they are flushed so the report counts them.
      if (error instanceof UsageFileTooLarge) await flushBeforeFailure();
      report.failure = { code: error instanceof FileRejected ? error.code : 'file_too_large', message: error.message };
      return finish();
    }
    // An infrastructure failure: the report shows how far the file got, the caller rethrows so
    // the platform retries (impressions replace, conversions already stored count as duplicates).
    report.failure = { code: 'ingestion_failed', message: error instanceof Error ? error.message : String(error) };
    throw new UsageFileFailed(finish(), error);
  }
}

/** Carries the partial report of a file whose ingestion broke off. */
export class UsageFileFailed extends Error {
  override readonly name = 'UsageFileFailed';
  constructor(readonly report: UsageFileReport, cause: unknown) {
    super(`usage file ${report.source.key} failed after ${report.rows} rows: ${report.failure?.message}`, { cause });
  }
}

function batchStore(deps: IngestFileDeps, contract: UsageContract, kind: UsageKind, report: UsageFileReport, input: UsageFileInput) {
  let lines: number[] = [];
  let partnerIds: Array<string | null> = [];
  let records: ParsedRecord<Impression | Conversion>[] = [];
  const origin = `file:${input.bucket}/${input.key}`;
  const directory = rememberingPartnerLookup(deps.partners);

  /** Rows naming an unknown partner become rejected rows, with their other problems if any. */
  const rejectUnknownPartners = async () => {
    const unknown = await directory.unknownAmong(partnerIds.filter((id): id is string => id !== null));
    if (unknown.size === 0) return;
    partnerIds.forEach((partnerId, i) => {
      if (partnerId === null || !unknown.has(partnerId)) return;
      const parsed = records[i]!;
      records[i] = { ok: false, errors: [...(parsed.ok ? [] : parsed.errors), unknownPartnerError(partnerId)] };
    });
  };

  const flush = async () => {
    if (records.length === 0) return;
    await rejectUnknownPartners();
    const request = { contract, actor: input.actor, origin, mode: IngestMode.SKIP_INVALID };
    const outcome: IngestOutcome =
      kind === UsageKind.IMPRESSIONS
        ? await ingestImpressions(deps, { ...request, records: records as ParsedRecord<Impression>[] })
        : await ingestConversions(deps, { ...request, records: records as ParsedRecord<Conversion>[] });
    report.accepted += outcome.accepted;
    report.duplicates += outcome.duplicates;
    const byRow = new Map<number, FieldError[]>();
    for (const e of outcome.rejected) {
      const list = byRow.get(e.index) ?? [];
      list.push({ path: e.path, message: e.message });
      byRow.set(e.index, list);
    }
    report.rejected += byRow.size;
    for (const [index, errors] of byRow) {
      if (report.errors.length < MAX_REPORTED_ROWS) report.errors.push({ line: lines[index]!, errors });
      else report.errorsTruncated = true;
    }
    lines = [];
    partnerIds = [];
    records = [];
    input.onProgress?.(report);
  };

  return {
    /** `partnerId`: the partner the row names as sent (checked even when the row is otherwise bad). */
    async add(line: number, partnerId: string | null, parsed: ParsedRecord<Impression | Conversion>) {
      lines.push(line);
      partnerIds.push(partnerId);
      records.push(parsed);
      if (records.length >= MAX_RECORDS_PER_BATCH) await flush();
    },
    flush,
  };
}
