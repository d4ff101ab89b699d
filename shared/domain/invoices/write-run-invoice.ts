/**
 * Persists one contract's result of a run: its DRAFT invoice (INVOICE, or ADJUSTMENT for a
 * re-run), the run record and the partner payout records, in ONE commit that requires none of
 * them to exist. Idempotent on (contract, period, runSeq): a second call writes nothing and
 * returns the same invoice id. A re-run with no change still records its (empty) ADJUSTMENT
 * invoice, so every run of a period leaves a trace.
 */
import { ConflictError } from '../kernel/errors';
import { buildRunInvoice, isRatedLine, lineFigures, type InvoiceKind, type RunInvoiceInput } from './invoice';
import { runInvoiceId } from './ids';
import type { InvoiceStore, PayoutRecord, RunRecord } from './store';

/** The invoice's id is derived (runInvoiceId), never given. */
export type WriteRunInvoiceInput = Omit<RunInvoiceInput, 'id'>;

export interface WriteRunInvoiceResult {
  invoiceId: string;
  /** False when the run's invoice already existed: nothing was written. */
  created: boolean;
  kind: InvoiceKind;
  currency: string;
  total: string;
}

/** Who writes a run's invoice: the contract's run `runSeq` of `period`, by billing run `runId`. */
export interface RunInvoiceWriter {
  runId: string;
  runSeq: number;
  period: string;
  contractId: string;
}

/**
 * The result of a run's invoice already recorded: the same as when it was written, if this
 * billing run wrote it; a conflict if another run took its sequence number.
 */
export function replayedRunInvoice(record: RunRecord, writer: RunInvoiceWriter): WriteRunInvoiceResult {
  if (record.runId !== writer.runId) {
    throw new ConflictError(
      `run ${writer.runSeq} of ${writer.period} for contract ${writer.contractId} was already invoiced by run ${record.runId}`,
      'run_already_invoiced',
    );
  }
  return { invoiceId: record.invoiceId, created: false, kind: record.kind, currency: record.currency, total: record.total };
}

const writerOf = (input: WriteRunInvoiceInput): RunInvoiceWriter => ({ runId: input.runId, runSeq: input.runSeq, period: input.rated.period, contractId: input.contract.id });

/**
 * `checked`: the caller read the run record already (absent, or the rating would not have been
 * done) together with the rating's inputs, so the write needs no read of its own first.
 */
export async function writeRunInvoice(deps: { store: InvoiceStore }, input: WriteRunInvoiceInput, options: { checked?: boolean } = {}): Promise<WriteRunInvoiceResult> {
  const { store } = deps;
  const period = input.rated.period;
  if (!options.checked) {
    const existing = await store.getRunRecord(input.contract.id, period, input.runSeq);
    if (existing) return replayedRunInvoice(existing, writerOf(input));
  }

  const invoice = buildRunInvoice({ ...input, id: runInvoiceId(input.contract.id, period, input.runSeq) });
  const run: RunRecord = {
    invoiceId: invoice.id,
    contractId: invoice.contractId,
    advertiserId: invoice.advertiserId,
    currency: invoice.currency,
    period,
    runId: input.runId,
    runSeq: input.runSeq,
    kind: invoice.kind,
    total: invoice.total,
    // What re-runs compare against: the rated lines, never the document's TAX line.
    lines: invoice.lines.filter(isRatedLine).map(lineFigures),
    partnerPayouts: invoice.partnerPayouts,
  };
  const payouts: PayoutRecord[] = invoice.partnerPayouts.map((p) => ({
    partnerId: p.partnerId,
    contractId: invoice.contractId,
    advertiserId: invoice.advertiserId,
    chargeId: p.chargeId,
    period,
    runId: input.runId,
    runSeq: input.runSeq,
    invoiceId: invoice.id,
    currency: invoice.currency,
    amount: p.amount,
  }));
  try {
    await store.commit({ kind: 'RUN_INVOICED', run, invoice, payouts });
  } catch (error) {
    if (!(error instanceof ConflictError) || error.code !== 'concurrent_update') throw error;
    // A concurrent execution of the same step won: its record is the result.
    const winner = await store.getRunRecord(input.contract.id, period, input.runSeq);
    if (!winner) throw new ConflictError(`the invoice of contract ${input.contract.id} ${period} run ${input.runSeq} is being written concurrently`, 'concurrent_write', { cause: error });
    return replayedRunInvoice(winner, writerOf(input));
  }
  return { invoiceId: invoice.id, created: true, kind: invoice.kind, currency: invoice.currency, total: invoice.total };
}
