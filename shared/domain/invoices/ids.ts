/** Deterministic document ids: the same contract, period and run always name the same invoice. */
import { createHash } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 24);

export function runInvoiceId(contractId: string, period: string, runSeq: number): string {
  return `inv_${digest(`${contractId}\n${period}\n${runSeq}`)}`;
}

/** One credit note per voided invoice, so a retried void can never issue a second one. */
export function creditNoteIdFor(invoiceId: string): string {
  return `cn_${digest(`credit-note\n${invoiceId}`)}`;
}

/** One reissued draft per voided invoice, so a repeated reissue can never issue a second one. */
export function reissueIdFor(invoiceId: string): string {
  return `inv_${digest(`reissue\n${invoiceId}`)}`;
}
