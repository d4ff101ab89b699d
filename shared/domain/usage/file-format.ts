/**
 * Bulk usage files: where they are put, how their rows read, and what their report says.
 *
 *   usage/<contractId>/<impressions|conversions>/<name>.<csv|ndjson|jsonl>[.gz]
 *
 * The key names the contract and the kind, so a file needs no envelope and every row is just
 * a record. CSV: a header line of field names (those of the Impression or Conversion record,
 * any order), then one record per line; fields may be quoted ("a,b", "say ""hi"""), but a
 * record never spans lines. An empty cell is an absent optional field. NDJSON/JSON Lines: one
 * record object per line. Blank lines are skipped everywhere. Pure: no I/O here.
 */
import type { FieldError, UsageKind } from './types';
import { UsageKind as Kinds } from './types';

export const USAGE_FILE_PREFIX = 'usage/';
/** Reports go beside the inputs but outside `usage/`, so writing one never triggers ingestion. */
export const USAGE_REPORT_PREFIX = 'reports/';
export const reportKeyOf = (key: string) => `${USAGE_REPORT_PREFIX}${key}.report.json`;

export const FileFormat = { CSV: 'csv', NDJSON: 'ndjson' } as const;
export type FileFormat = (typeof FileFormat)[keyof typeof FileFormat];

export interface UsageFileKey {
  contractId: string;
  kind: UsageKind;
  format: FileFormat;
  gzip: boolean;
}

const KEY = /^usage\/([A-Za-z0-9._:-]{1,128})\/(impressions|conversions)\/(.+)\.(csv|ndjson|jsonl)(\.gz)?$/;

/** The contract, kind and format a key names, or why it names none. */
export function parseUsageFileKey(key: string): UsageFileKey | { error: string } {
  const m = KEY.exec(key);
  if (!m) {
    return { error: `"${key}" is not usage/<contractId>/<impressions|conversions>/<name>.<csv|ndjson|jsonl>[.gz]` };
  }
  return {
    contractId: m[1]!,
    kind: m[2] as UsageKind,
    format: m[4] === 'csv' ? FileFormat.CSV : FileFormat.NDJSON,
    gzip: m[5] !== undefined,
  };
}

export const usageFileKey = (contractId: string, kind: UsageKind, name: string) => `${USAGE_FILE_PREFIX}${contractId}/${kind}/${name}`;

/** CSV columns per kind: the record's fields, with how a cell becomes a JSON value. */
type Cell = 'string' | 'integer' | 'boolean';
const COLUMNS: Record<UsageKind, Readonly<Record<string, { cell: Cell; required: boolean }>>> = {
  [Kinds.IMPRESSIONS]: {
    date: { cell: 'string', required: true },
    chargeId: { cell: 'string', required: true },
    count: { cell: 'integer', required: true },
    source: { cell: 'string', required: true },
    partnerId: { cell: 'string', required: false },
    receivedAt: { cell: 'string', required: false },
    completedViews: { cell: 'integer', required: false },
  },
  [Kinds.CONVERSIONS]: {
    id: { cell: 'string', required: true },
    event: { cell: 'string', required: true },
    occurredAt: { cell: 'string', required: true },
    exposureAt: { cell: 'string', required: true },
    value: { cell: 'string', required: true },
    geo: { cell: 'string', required: true },
    newCustomer: { cell: 'boolean', required: true },
    partnerId: { cell: 'string', required: false },
    reversedAt: { cell: 'string', required: false },
    receivedAt: { cell: 'string', required: false },
  },
};

/**
 * Splits one CSV line (RFC 4180 quoting, no line breaks inside a field). Returns null when a
 * quote is left open, which the caller reports as a bad row.
 */
export function splitCsvLine(line: string): string[] | null {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') {
      quoted = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else {
      cell += ch;
    }
    i++;
  }
  if (quoted) return null;
  cells.push(cell);
  return cells;
}

export interface CsvHeader {
  columns: string[];
  kind: UsageKind;
}

/** Checks a CSV header against the kind's fields: every required one present, no unknown or repeated one. */
export function parseCsvHeader(line: string, kind: UsageKind): CsvHeader | { error: string } {
  const columns = splitCsvLine(line.replace(/^\uFEFF/, ''))?.map((c) => c.trim());
  if (!columns) return { error: 'the header line has an unclosed quote' };
  const known = COLUMNS[kind];
  const unknown = columns.filter((c) => !Object.hasOwn(known, c));
  const repeated = columns.filter((c, i) => columns.indexOf(c) !== i);
  const missing = Object.entries(known).filter(([name, spec]) => spec.required && !columns.includes(name)).map(([name]) => name);
  const problems = [
    unknown.length > 0 ? `unknown column(s) ${unknown.map((c) => `"${c}"`).join(', ')}` : '',
    repeated.length > 0 ? `repeated column(s) ${repeated.join(', ')}` : '',
    missing.length > 0 ? `missing column(s) ${missing.join(', ')}` : '',
  ].filter(Boolean);
  if (problems.length > 0) return { error: `${kind} CSV header: ${problems.join('; ')} (expected ${Object.keys(known).join(',')})` };
  return { columns, kind };
}

/**
 * A CSV row as the record object the API would receive. Cells that do not read as their type
 * are passed on as text, so the shared shape check names the field and the problem.
 */
export function csvRowToRecord(line: string, header: CsvHeader): { record: Record<string, unknown> } | { errors: FieldError[] } {
  const cells = splitCsvLine(line);
  if (!cells) return { errors: [{ path: '', message: 'unclosed quote in the row' }] };
  if (cells.length !== header.columns.length) {
    return { errors: [{ path: '', message: `the row has ${cells.length} cells, the header ${header.columns.length}` }] };
  }
  const specs = COLUMNS[header.kind];
  const record: Record<string, unknown> = {};
  header.columns.forEach((column, i) => {
    const text = cells[i]!;
    if (text === '') return;
    const cell = specs[column]!.cell;
    if (cell === 'integer' && /^-?\d+$/.test(text)) record[column] = Number(text);
    else if (cell === 'boolean' && /^(true|false)$/i.test(text)) record[column] = text.toLowerCase() === 'true';
    else record[column] = text;
  });
  return { record };
}

export function ndjsonRowToRecord(line: string): { record: unknown } | { errors: FieldError[] } {
  try {
    return { record: JSON.parse(line) as unknown };
  } catch {
    return { errors: [{ path: '', message: 'the line is not valid JSON' }] };
  }
}

/**
 * Limits on what a file may make the ingester hold. A line longer than MAX_LINE_BYTES (a record
 * is a few hundred bytes) is not read into memory: it is skipped to its newline and reported as
 * a rejected row. A file whose bytes after decompression pass MAX_FILE_BYTES (a gzip bomb, or a
 * feed that should have been split) stops there with a FAILED report (`file_too_large`); the
 * rows before it stay stored and counted.
 */
export const MAX_LINE_BYTES = 64 * 1024;
export const MAX_FILE_BYTES = 1024 * 1024 * 1024;

/** A line over the line limit, in place of its text. */
export const OVERSIZE_LINE: unique symbol = Symbol('oversize line');
export type FileLine = string | typeof OVERSIZE_LINE;

/** Thrown by the file reader when the decompressed bytes pass the file limit. */
export class UsageFileTooLarge extends Error {
  override readonly name = 'UsageFileTooLarge';
  constructor(readonly limitBytes: number) {
    super(`the file holds more than ${limitBytes} bytes once decompressed; split it into smaller files`);
  }
}

/** Row problems kept in a report; beyond this they are counted, not listed. */
export const MAX_REPORTED_ROWS = 10_000;

export const FileStatus = { COMPLETED: 'COMPLETED', FAILED: 'FAILED' } as const;
export type FileStatus = (typeof FileStatus)[keyof typeof FileStatus];

/** Written to `reports/<key>.report.json`: what became of every row of the file. */
export interface UsageFileReport {
  source: { bucket: string; key: string; eTag: string | null };
  contractId: string | null;
  kind: UsageKind | null;
  format: FileFormat | null;
  /** COMPLETED: every row was stored or reported here. FAILED: see `failure`; rows after it were not read. */
  status: FileStatus;
  failure: { code: string; message: string } | null;
  startedAt: string;
  finishedAt: string;
  /** Data rows read (blank lines and the CSV header excluded). rows = accepted + duplicates + rejected. */
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Rejected rows by 1-based line number of the file, with every problem of each. */
  errors: Array<{ line: number; errors: FieldError[] }>;
  /** True when more than MAX_REPORTED_ROWS rows were rejected: `rejected` still counts them all. */
  errorsTruncated: boolean;
}
