/**
 * What was invoiced for a contract, rebuilt from its stored run documents, in the shape the
 * engine reads for re-runs (differences per period) and CONTRACT caps (earlier periods).
 *
 * Rule: every run's document counts — INVOICE and ADJUSTMENT kinds, whatever their status
 * (DRAFT, FINALIZED or VOID) — and CREDIT_NOTEs never count. FORMAT.md makes each run final
 * once computed ("it is what was invoiced"), and re-runs bill only the difference with the
 * runs before them. A void is a correction of the advertiser's document (wrong party, disputed
 * issue), not a statement that the usage was never rated: if voiding removed the lines from
 * what re-runs see, the next re-run of the period would silently bill the whole period again as
 * ADJUSTMENT lines, and a CONTRACT cap would forget consumption. Billing a voided period again
 * is therefore an explicit act, never a side effect of voiding: the reissue of the voided
 * invoice (reissue-invoice.ts), whose run record then counts in place of the voided one's.
 * Likewise a void does not change partner payouts (partners earn on delivery). A discarded
 * DRAFT was never issued: its run does not count, so the next run rates its period afresh.
 */
import type { InvoicedLine, InvoicedPayout, PartnerChargePayout, PriorRuns } from '../billing/types';
import { InvoiceKind, isRatedLine, lineFigures, type LineFigures } from './invoice';

export interface RunDocument {
  kind: InvoiceKind;
  /** A discarded draft's run, or a voided invoice's run replaced by its reissue: not counted. */
  discarded?: boolean;
  replacedBy?: string;
  period: string;
  lines: readonly LineFigures[];
  partnerPayouts: readonly PartnerChargePayout[];
}

export function countsAsInvoiced(doc: Pick<RunDocument, 'kind' | 'discarded' | 'replacedBy'>): boolean {
  if (doc.discarded === true || doc.replacedBy !== undefined) return false;
  return doc.kind === InvoiceKind.INVOICE || doc.kind === InvoiceKind.ADJUSTMENT;
}

export function toPriorRuns(documents: readonly RunDocument[]): PriorRuns {
  const lines: InvoicedLine[] = [];
  const payouts: InvoicedPayout[] = [];
  // A run document with no line still says its period was run: the next run adjusts.
  const periods = new Set<string>();
  for (const doc of documents.filter(countsAsInvoiced)) {
    periods.add(doc.period);
    // TAX lines are the document's, not the engine's: a re-run compares rated lines only.
    for (const l of doc.lines.filter(isRatedLine)) {
      lines.push({ period: doc.period, ...lineFigures(l) });
    }
    for (const p of doc.partnerPayouts) payouts.push({ period: doc.period, partnerId: p.partnerId, chargeId: p.chargeId, amount: p.amount });
  }
  return { lines, payouts, periods: [...periods] };
}
