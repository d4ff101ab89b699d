/**
 * After a void: a corrected DRAFT for the same contract and period, rated by the engine on the
 * contract's current terms and usage (as of now), linked to the voided invoice and its credit
 * note. The voided invoice's run no longer counts as invoiced; the reissue's run record counts
 * in its place (prior-runs.ts), so a later re-run of the period adjusts against the corrected
 * draft. Partner payouts are not re-rated: partners earn on delivery, and a reissue corrects
 * the advertiser's document; the reissue's record carries the voided run's payouts.
 *
 * One reissue per voided invoice (its id is derived from the voided one): a second request
 * answers 409 `already_reissued`. Discarding the reissued draft gives the voided run its place
 * back, so it can be reissued again.
 */
import type { PriorRuns } from '../billing/types';
import type { ContractAggregate } from '../contracts/model';
import { toContractTerms } from '../contracts/terms';
import { ratePeriod } from '../billing/rate';
import type { Usage } from '../terms/types';
import { ConflictError, NotFoundError } from '../kernel/errors';
import { buildRunInvoice, InvoiceStatus, isRatedLine, lineFigures, type Invoice } from './invoice';
import type { AdvertiserLookup } from '../contracts/store';
import { reissueIdFor } from './ids';
import { loadInvoice, type InvoiceDeps } from './deps';
import type { RunRecord } from './store';

export interface ReissuePorts {
  contracts: { get(contractId: string): Promise<ContractAggregate | null> };
  usage: { loadPeriodUsage(contractId: string, period: string): Promise<Usage> };
  /** Every run record of the contract as prior runs; `excludeInvoiceId`'s record left out. */
  priorRuns: { loadPriorRuns(contractId: string, options?: { excludeInvoiceId?: string }): Promise<PriorRuns> };
  /** The corrected draft is billed to, and taxed by, the advertiser's current billing profile. */
  advertisers: AdvertiserLookup;
}

export interface ReissueInput {
  id: string;
  actor: string;
}

export async function reissueInvoice(deps: Pick<InvoiceDeps, 'store' | 'clock'> & ReissuePorts, input: ReissueInput): Promise<Invoice> {
  const voided = await loadInvoice(deps.store, input.id);
  if (voided.status !== InvoiceStatus.VOID || !voided.creditNoteId) {
    throw new ConflictError(`invoice ${voided.id} is ${voided.status}; only a VOID invoice is reissued`, 'illegal_transition');
  }
  const id = reissueIdFor(voided.id);
  if (await deps.store.getInvoice(id)) throw new ConflictError(`invoice ${voided.id} was already reissued as ${id}`, 'already_reissued');
  const voidedRun = await deps.store.getRunRecordOf(voided);
  if (!voidedRun) throw new NotFoundError('run record of invoice', voided.id);
  if (voidedRun.replacedBy) throw new ConflictError(`invoice ${voided.id} was already reissued as ${voidedRun.replacedBy}`, 'already_reissued');

  const [aggregate, usage, prior] = await Promise.all([
    deps.contracts.get(voided.contractId),
    deps.usage.loadPeriodUsage(voided.contractId, voided.period),
    deps.priorRuns.loadPriorRuns(voided.contractId, { excludeInvoiceId: voided.id }),
  ]);
  if (!aggregate) throw new NotFoundError('contract', voided.contractId);
  const advertiser = await deps.advertisers.getAdvertiser(voided.advertiserId);
  const at = deps.clock.now().toISOString();
  const rated = ratePeriod({ contract: toContractTerms(aggregate.contract, aggregate.versions, aggregate.credits), termsCheckedOnWrite: true, usage, period: voided.period, asOf: at, prior });
  const built = buildRunInvoice({
    id,
    runId: voided.runId,
    runSeq: voided.runSeq,
    contract: { id: voided.contractId, advertiserId: voided.advertiserId, currency: voided.currency, rounding: aggregate.contract.rounding, poNumber: aggregate.contract.poNumber },
    // Partner payouts stay those of the voided run (see above).
    rated: { ...rated, partnerPayoutsByCharge: voidedRun.partnerPayouts },
    billTo: advertiser?.billingProfile ?? null,
    actor: input.actor,
    at,
  });
  const invoice: Invoice = { ...built, reissueOf: voided.id, reissueOfCreditNoteId: voided.creditNoteId };
  const run: RunRecord = {
    invoiceId: invoice.id,
    contractId: invoice.contractId,
    advertiserId: invoice.advertiserId,
    currency: invoice.currency,
    period: invoice.period,
    runId: invoice.runId,
    runSeq: invoice.runSeq,
    kind: invoice.kind,
    total: invoice.total,
    // What re-runs compare against: the rated lines, never the document's TAX line.
    lines: invoice.lines.filter(isRatedLine).map(lineFigures),
    partnerPayouts: invoice.partnerPayouts,
    reissueOf: voided.id,
  };
  try {
    await deps.store.commit({ kind: 'REISSUE', voided, invoice, run });
  } catch (error) {
    if (error instanceof ConflictError && error.code === 'concurrent_update') {
      throw new ConflictError(`invoice ${voided.id} was reissued concurrently`, 'already_reissued', { cause: error });
    }
    throw error;
  }
  return invoice;
}
