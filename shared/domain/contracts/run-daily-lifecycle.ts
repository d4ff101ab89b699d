/**
 * The daily job: for every ACTIVE contract, on its own local day (or the day given),
 * - an approved termination whose date has passed ends it as TERMINATED;
 * - with autoRenew, once the notice deadline (endDate - noticeDays) is reached without a
 *   termination, the job SUBMITS a RENEWAL version (endDate + termMonths, the terms in force on
 *   endDate unchanged) for approval. It goes through the same approval policy as any version:
 *   its committed value counts the renewal term (minimum x the added months, or the cap), so a
 *   one-month contract auto-renewing for 120 months needs what a 120-month commitment needs.
 *   The contract is extended only when the renewal is approved. While that renewal awaits
 *   approval the contract does not expire (nothing is billed past endDate meanwhile; the days
 *   after it are billed once the renewal is approved); a rejected auto-renewal is not submitted
 *   again for the same endDate, and the contract then expires after endDate;
 * - without autoRenew (or with its renewal rejected), a contract past its endDate becomes EXPIRED.
 * Each contract is one conditional write; running the job twice on a day changes nothing more.
 */
import type { Clock } from '../kernel/clock';
import { addDays, addMonths } from '../kernel/calendar';
import { ConflictError } from '../kernel/errors';
import { loadAggregate, nextVersionNumber, openVersion, touchContract, withOptimisticRetry } from './aggregate';
import { committedValue, requirementFor, type ApprovalThresholds } from './approval-policy';
import { newDraftVersion } from './draft-version';
import type { ContractAggregate, ContractVersion } from './model';
import { contractToday, versionInEffect } from './terms';
import { ContractStatus, VersionKind, VersionStatus } from './status';
import type { ContractStore } from './store';
import { termOf } from './submit-version';
import { ContractAction, nextContractStatus, nextVersionStatus, VersionAction } from './transitions';

export const LIFECYCLE_ACTOR = 'system:lifecycle';

export type LifecycleOutcome =
  | { kind: 'unchanged' }
  | { kind: 'renewal_submitted'; version: ContractVersion }
  | { kind: 'awaiting_renewal_approval'; version: number }
  | { kind: 'expired' }
  | { kind: 'terminated' };

/** A renewal of the contract's current endDate, by anyone, still awaiting a decision. */
function openRenewalOf(aggregate: ContractAggregate): ContractVersion | undefined {
  const open = openVersion(aggregate);
  return open?.kind === VersionKind.RENEWAL && open.renewal?.previousEndDate === aggregate.contract.endDate ? open : undefined;
}

/** The job's own renewal of this endDate was rejected: auto-renewal was declined for this term. */
function autoRenewalDeclined(aggregate: ContractAggregate): boolean {
  return aggregate.versions.some(
    (v) =>
      v.kind === VersionKind.RENEWAL &&
      v.status === VersionStatus.REJECTED &&
      v.createdBy === LIFECYCLE_ACTOR &&
      v.renewal?.previousEndDate === aggregate.contract.endDate,
  );
}

/**
 * The RENEWAL version auto-renewal submits: drafted and submitted at once by the job (so every
 * human may approve it), with its approval requirement fixed from its own term like any
 * submitted version. null when there are no approved terms on endDate to continue.
 */
export function autoRenewalVersion(aggregate: ContractAggregate, thresholds: ApprovalThresholds, now: Date): ContractVersion | null {
  const { contract } = aggregate;
  if (!contract.autoRenew) return null;
  const base = versionInEffect(contract, aggregate.versions, contract.endDate);
  if (!base) return null;
  const draft = newDraftVersion(
    contract,
    nextVersionNumber(aggregate),
    {
      kind: VersionKind.RENEWAL,
      effectiveFrom: addDays(contract.endDate, 1),
      terms: structuredClone(base.terms),
      renewal: {
        termMonths: contract.autoRenew.termMonths,
        rateUpliftPct: null,
        previousEndDate: contract.endDate,
        newEndDate: addMonths(contract.endDate, contract.autoRenew.termMonths),
      },
      termination: null,
    },
    LIFECYCLE_ACTOR,
    now,
  );
  const { from, to } = termOf(contract, draft);
  return {
    ...draft,
    status: nextVersionStatus(draft.status, VersionAction.SUBMIT),
    requirement: requirementFor(committedValue(draft.terms, from, to), contract.currency, thresholds),
    submittedAt: now.toISOString(),
  };
}

/** Pure decision for one contract on one day. */
export function decideLifecycle(aggregate: ContractAggregate, today: string, thresholds: ApprovalThresholds, now: Date): LifecycleOutcome {
  const { contract } = aggregate;
  if (contract.status !== ContractStatus.ACTIVE) return { kind: 'unchanged' };
  if (contract.terminatedOn !== null) return today > contract.endDate ? { kind: 'terminated' } : { kind: 'unchanged' };
  if (contract.autoRenew) {
    const pending = openRenewalOf(aggregate);
    // A renewal awaiting approval holds the contract: it neither expires nor gets a second renewal.
    if (pending) return { kind: 'awaiting_renewal_approval', version: pending.number };
    const due = today >= addDays(contract.endDate, -contract.autoRenew.noticeDays);
    // Another open version (an amendment in the works) blocks drafting: one open version at a time.
    if (due && !autoRenewalDeclined(aggregate) && !openVersion(aggregate)) {
      const version = autoRenewalVersion(aggregate, thresholds, now);
      if (version) return { kind: 'renewal_submitted', version };
    }
  }
  return today > contract.endDate ? { kind: 'expired' } : { kind: 'unchanged' };
}

export interface LifecycleReport {
  day: string | null;
  examined: number;
  /** Contracts whose auto-renewal was submitted for approval today. */
  renewalsSubmitted: { contractId: string; version: number; committedValue: string; approvals: number }[];
  /** Contracts past their notice deadline whose renewal still awaits approval. */
  awaitingRenewalApproval: string[];
  expired: string[];
  terminated: string[];
  failed: { contractId: string; error: string }[];
}

export interface LifecycleDeps {
  store: ContractStore;
  /** Ids of the contracts that are ACTIVE now (the adapter pages through an index). */
  activeContractIds: () => AsyncIterable<string>;
  clock: Clock;
  /** The approval policy's thresholds, the same the approvals Lambda uses. */
  thresholds: ApprovalThresholds;
}

/** `day` (YYYY-MM-DD) replaces every contract's local today, e.g. to catch up a missed day. */
export async function runDailyLifecycle(deps: LifecycleDeps, options: { day?: string } = {}): Promise<LifecycleReport> {
  const report: LifecycleReport = {
    day: options.day ?? null, examined: 0, renewalsSubmitted: [], awaitingRenewalApproval: [], expired: [], terminated: [], failed: [],
  };
  for await (const contractId of deps.activeContractIds()) {
    report.examined++;
    try {
      const outcome = await withOptimisticRetry(async () => {
        const aggregate = await loadAggregate(deps.store, contractId);
        const { contract } = aggregate;
        const now = deps.clock.now();
        const decision = decideLifecycle(aggregate, options.day ?? contractToday(contract, now), deps.thresholds, now);
        if (decision.kind === 'unchanged' || decision.kind === 'awaiting_renewal_approval') return decision;
        const patch =
          decision.kind === 'expired'
            ? { status: nextContractStatus(contract.status, ContractAction.EXPIRE) }
            : decision.kind === 'terminated'
              ? { status: nextContractStatus(contract.status, ContractAction.TERMINATE) }
              : {};
        // The contract's lock moves with the new version, so a concurrent draft cannot open a second one.
        await deps.store.commit({
          contract: { next: touchContract(contract, patch, LIFECYCLE_ACTOR, now), expectedVersion: contract.version },
          versions: decision.kind === 'renewal_submitted' ? [{ next: decision.version, expectedVersion: null }] : [],
          approvals: [],
        });
        return decision;
      });
      if (outcome.kind === 'renewal_submitted') {
        const { number, requirement } = outcome.version;
        report.renewalsSubmitted.push({ contractId, version: number, committedValue: requirement!.committedValue, approvals: requirement!.approvals });
      }
      if (outcome.kind === 'awaiting_renewal_approval') report.awaitingRenewalApproval.push(contractId);
      if (outcome.kind === 'expired') report.expired.push(contractId);
      if (outcome.kind === 'terminated') report.terminated.push(contractId);
    } catch (error) {
      // One bad contract must not stop the others; the report (and the logs) name it.
      report.failed.push({ contractId, error: error instanceof ConflictError || error instanceof Error ? error.message : String(error) });
    }
  }
  return report;
}
