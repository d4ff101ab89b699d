/**
 * The daily job: for every ACTIVE contract, on its own local day (or the day given),
 * - an approved termination whose date has passed ends it as TERMINATED;
 * - with autoRenew, once the notice deadline (endDate - noticeDays) is reached without a
 *   termination, the contract renews: endDate moves by termMonths (repeatedly, if the job was
 *   not run for a long time), the terms in force simply continue;
 * - without autoRenew, a contract past its endDate becomes EXPIRED.
 * Each contract is one conditional write; running the job twice on a day changes nothing more.
 */
import type { Clock } from '../kernel/clock';
import { addDays, addMonths } from '../kernel/calendar';
import { ConflictError } from '../kernel/errors';
import { loadAggregate, touchContract, withOptimisticRetry } from './aggregate';
import type { Contract } from './model';
import { contractToday } from './terms';
import { ContractStatus } from './status';
import type { ContractStore } from './store';
import { ContractAction, nextContractStatus } from './transitions';

export const LIFECYCLE_ACTOR = 'system:lifecycle';
const MAX_RENEWALS_PER_RUN = 100;

export type LifecycleOutcome =
  | { kind: 'unchanged' }
  | { kind: 'renewed'; previousEndDate: string; endDate: string }
  | { kind: 'expired' }
  | { kind: 'terminated' };

/** Pure decision for one contract on one day. */
export function decideLifecycle(contract: Contract, today: string): { outcome: LifecycleOutcome; patch: Partial<Contract> } {
  if (contract.status !== ContractStatus.ACTIVE) return { outcome: { kind: 'unchanged' }, patch: {} };
  if (contract.terminatedOn !== null) {
    if (today <= contract.endDate) return { outcome: { kind: 'unchanged' }, patch: {} };
    return { outcome: { kind: 'terminated' }, patch: { status: nextContractStatus(contract.status, ContractAction.TERMINATE) } };
  }
  if (contract.autoRenew) {
    const { termMonths, noticeDays } = contract.autoRenew;
    let endDate = contract.endDate;
    for (let i = 0; i < MAX_RENEWALS_PER_RUN && today >= addDays(endDate, -noticeDays); i++) endDate = addMonths(endDate, termMonths);
    if (endDate === contract.endDate) return { outcome: { kind: 'unchanged' }, patch: {} };
    return { outcome: { kind: 'renewed', previousEndDate: contract.endDate, endDate }, patch: { endDate } };
  }
  if (today > contract.endDate) {
    return { outcome: { kind: 'expired' }, patch: { status: nextContractStatus(contract.status, ContractAction.EXPIRE) } };
  }
  return { outcome: { kind: 'unchanged' }, patch: {} };
}

export interface LifecycleReport {
  day: string | null;
  examined: number;
  renewed: string[];
  expired: string[];
  terminated: string[];
  failed: { contractId: string; error: string }[];
}

export interface LifecycleDeps {
  store: ContractStore;
  /** Ids of the contracts that are ACTIVE now (the adapter pages through an index). */
  activeContractIds: () => AsyncIterable<string>;
  clock: Clock;
}

/** `day` (YYYY-MM-DD) replaces every contract's local today, e.g. to catch up a missed day. */
export async function runDailyLifecycle(deps: LifecycleDeps, options: { day?: string } = {}): Promise<LifecycleReport> {
  const report: LifecycleReport = { day: options.day ?? null, examined: 0, renewed: [], expired: [], terminated: [], failed: [] };
  for await (const contractId of deps.activeContractIds()) {
    report.examined++;
    try {
      const outcome = await withOptimisticRetry(async () => {
        const { contract } = await loadAggregate(deps.store, contractId);
        const now = deps.clock.now();
        const decision = decideLifecycle(contract, options.day ?? contractToday(contract, now));
        if (decision.outcome.kind === 'unchanged') return decision.outcome;
        await deps.store.commit({
          contract: { next: touchContract(contract, decision.patch, LIFECYCLE_ACTOR, now), expectedVersion: contract.version },
          versions: [],
          approvals: [],
        });
        return decision.outcome;
      });
      if (outcome.kind === 'renewed') report.renewed.push(contractId);
      if (outcome.kind === 'expired') report.expired.push(contractId);
      if (outcome.kind === 'terminated') report.terminated.push(contractId);
    } catch (error) {
      // One bad contract must not stop the others; the report (and the logs) name it.
      report.failed.push({ contractId, error: error instanceof ConflictError || error instanceof Error ? error.message : String(error) });
    }
  }
  return report;
}
