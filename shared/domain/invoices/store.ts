/**
 * The port the invoice use cases need; shared/adapters/dynamodb/invoice-repository.ts
 * implements it on the table, test/unit/invoices/memory-store.ts in memory. The domain never
 * sees DynamoDB: every change is ONE `commit`, applied whole or not at all, and a condition that
 * no longer holds (the invoice moved, the counter moved, the run was already written) comes back
 * as ConflictError `concurrent_update`; missing items come back as undefined.
 */
import type { PartnerChargePayout } from '../billing/types';
import type { Invoice, LineFigures } from './invoice';
import type { NumberSequence } from './numbering';
import type { RunDocument } from './prior-runs';

/** What one run invoiced for one contract and period: the marker that makes the run's write idempotent. */
export interface RunRecord extends RunDocument {
  invoiceId: string;
  contractId: string;
  advertiserId: string;
  currency: string;
  runId: string;
  runSeq: number;
  total: string;
  lines: LineFigures[];
  partnerPayouts: PartnerChargePayout[];
  /** Its invoice was discarded: what it rated does not count as invoiced. */
  discarded?: boolean;
  /** Its invoice was voided and reissued: the reissue's record counts instead of this one. */
  replacedBy?: string;
  /** The record of a reissued draft: the voided invoice it corrects. */
  reissueOf?: string;
}

/** One partner's payout for one charge in one run, kept for partner statements. */
export interface PayoutRecord {
  partnerId: string;
  contractId: string;
  advertiserId: string;
  chargeId: string;
  period: string;
  runId: string;
  runSeq: number;
  invoiceId: string;
  currency: string;
  amount: string;
}

/** A document number taken from a year's counter: written only if the counter still holds `previous`. */
export interface NumberTaken {
  sequence: NumberSequence;
  year: number;
  /** The counter's value as read (0: the counter does not exist yet). */
  previous: number;
  number: string;
  documentId: string;
  actor: string;
  at: string;
}

/** Fields a status change may set; lines, totals, parties and the period are never among them. */
export const TRANSITION_FIELDS = ['status', 'version', 'updatedAt', 'actor', 'number', 'finalizedAt', 'creditNoteId', 'voidReason', 'voidedAt', 'discardedAt', 'discardReason'] as const;
/** Fields a DRAFT may still change besides its lock and stamp. */
export const ANNOTATION_FIELDS = ['memo', 'purchaseOrder'] as const;
export type AnnotationField = (typeof ANNOTATION_FIELDS)[number];

export type InvoiceChange =
  /** A run's result: its record, its DRAFT invoice and its payout records; none may exist yet. */
  | { kind: 'RUN_INVOICED'; run: RunRecord; invoice: Invoice; payouts: PayoutRecord[] }
  /**
   * A status change: `next` replaces `from` only while the stored invoice is still at `from`'s
   * status and version; the number is taken in the same commit; a credit note, when given, must
   * not exist yet. Only TRANSITION_FIELDS of `next` are written.
   */
  | { kind: 'TRANSITION'; from: Invoice; next: Invoice; numberTaken: NumberTaken; creditNote?: Invoice }
  /** A DRAFT's annotations: written only while the stored invoice is still a DRAFT at `from`'s version. */
  | { kind: 'ANNOTATION'; from: Invoice; next: Invoice; fields: AnnotationField[] }
  /**
   * A DRAFT discarded: the invoice DRAFT -> DISCARDED (still a DRAFT at `from`'s version), its run
   * record and payout records marked discarded; a discarded reissue gives the voided invoice's
   * record back its place (`replacedBy` removed).
   */
  | { kind: 'DISCARD'; from: Invoice; next: Invoice }
  /**
   * A corrected DRAFT after a void: the draft and its run record (neither may exist), the voided
   * invoice's record marked replaced (it must not be replaced yet), the voided invoice still VOID.
   */
  | { kind: 'REISSUE'; voided: Invoice; invoice: Invoice; run: RunRecord }
  /** A payment: `next`'s payments and amountPaid written while the invoice is still FINALIZED at `from`'s version. */
  | { kind: 'PAYMENT'; from: Invoice; next: Invoice };

export interface InvoiceStore {
  getInvoice(id: string): Promise<Invoice | undefined>;
  getRunRecord(contractId: string, period: string, runSeq: number): Promise<RunRecord | undefined>;
  /** The run record of an invoice (a reissued draft has one of its own). */
  getRunRecordOf(invoice: Pick<Invoice, 'id' | 'contractId' | 'period' | 'runSeq' | 'reissueOf'>): Promise<RunRecord | undefined>;
  /** The last number taken in a sequence and year (0 when none). */
  readCounter(sequence: NumberSequence, year: number): Promise<number>;
  /** Writes the whole change or nothing; ConflictError `concurrent_update` when a condition fails. */
  commit(change: InvoiceChange): Promise<void>;
}

/** The payout records of one partner and period, for statements. */
export interface PayoutLookup {
  listPartnerPayouts(partnerId: string, period: string): Promise<PayoutRecord[]>;
}
