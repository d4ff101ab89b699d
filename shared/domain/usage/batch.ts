/**
 * What every usage batch goes through before anything is stored, whatever door it came in
 * by (the API or a bulk file): a size limit, the shape check's verdicts, the contract's rules.
 */
import { NotFoundError, TooLargeError, ValidationError, type ErrorDetail } from '../kernel/errors';
import { chargeIndex, type ChargeIndex } from './validate';
import { IngestMode, MAX_RECORDS_PER_BATCH, type FieldError, type ParsedRecord, type RecordError, type UsageContract, type UsageContractLookup } from './types';

/** 413 for a batch over the limit, before a single record is looked at. */
export function assertBatchSize(count: number): void {
  if (count > MAX_RECORDS_PER_BATCH) {
    throw new TooLargeError(`a usage batch carries at most ${MAX_RECORDS_PER_BATCH} records, got ${count}`);
  }
}

export async function requireUsageContract(lookup: UsageContractLookup, contractId: string): Promise<UsageContract> {
  const contract = await lookup(contractId);
  if (!contract) throw new NotFoundError('contract', contractId);
  return contract;
}

export interface Screened<T> {
  /** Valid records with their position in the batch, in batch order. */
  valid: Array<{ index: number; record: T }>;
  rejected: RecordError[];
}

/** Splits a batch into valid records and every problem of the invalid ones. */
export function screen<T>(
  parsed: readonly ParsedRecord<T>[],
  contract: UsageContract,
  rules: (record: T, contract: UsageContract, index: ChargeIndex) => FieldError[],
): Screened<T> {
  const index = chargeIndex(contract);
  const valid: Screened<T>['valid'] = [];
  const rejected: RecordError[] = [];
  parsed.forEach((entry, i) => {
    const errors = entry.ok ? rules(entry.record, contract, index) : entry.errors;
    if (errors.length > 0) rejected.push(...errors.map((e) => ({ index: i, path: e.path, message: e.message })));
    else if (entry.ok) valid.push({ index: i, record: entry.record });
  });
  return { valid, rejected };
}

/** `records.12.chargeId`: the path of a record's field in an API batch body. */
export function recordErrorDetails(errors: readonly RecordError[]): ErrorDetail[] {
  return errors.map((e) => ({ path: e.path ? `records.${e.index}.${e.path}` : `records.${e.index}`, message: e.message }));
}

/** In ALL_OR_NOTHING mode one bad record rejects the batch (400 listing every bad path). */
export function enforceMode(mode: IngestMode, rejected: readonly RecordError[]): void {
  if (mode === IngestMode.ALL_OR_NOTHING && rejected.length > 0) {
    const records = new Set(rejected.map((e) => e.index)).size;
    throw new ValidationError(`${records} usage record(s) are invalid; nothing was stored`, recordErrorDetails(rejected));
  }
}
