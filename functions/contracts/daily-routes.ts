/**
 * Contracts awaiting approval (`GET /v1/contracts?pending=true`) and spend to date (contracts
 * group). Thin: the index read is the repository's, the rating the domain's (spend.ts); nothing
 * here is stored.
 */
import { route, type RouteSpec } from '../http/group';
import type { Identity } from '../http/identity';
import { tenantOf } from '../http/tenant';
import { SPEND_OPERATIONS as ops } from '../../shared/schemas/api/daily-work';
import { ConflictError, ForbiddenError } from '../../shared/domain/kernel/errors';
import type { Contract } from '../../shared/domain/contracts/model';
import { ContractStatus } from '../../shared/domain/contracts/status';
import { contractToday, termsVersions, toContractTerms } from '../../shared/domain/contracts/terms';
import { spendToDate } from '../../shared/domain/contracts/spend';
import { lifecycleDeps, ratingDeps } from './dependencies';
import { presentSummary } from './present';
import { visibleContract } from './visible';

/** Who may list contracts awaiting approval (API.md): an advertiser's token never, whatever else it holds. */
const PENDING_ROLES = new Set(['ops', 'approver', 'finance']);
const MAX_QUERIES = 5;

export async function listPendingContracts(
  identity: Identity,
  query: { limit: number; cursor?: string; advertiserId?: string; status?: Contract['status'] },
) {
  if (tenantOf(identity) !== null || !identity.roles.some((role) => PENDING_ROLES.has(role))) {
    throw new ForbiddenError('only ops, approvers and finance list contracts awaiting approval');
  }
  const { contracts } = lifecycleDeps();
  const items: (ReturnType<typeof presentSummary> & { pendingVersion: number })[] = [];
  let cursor = query.cursor;
  let queries = 0;
  do {
    const page = await contracts.pendingApprovals({ limit: query.limit - items.length, cursor });
    // One open version per contract at a time, so each pending version is a different contract.
    const ids = page.items.filter((ref) => ref.kind === 'version').map((ref) => ref.contractId);
    const aggregates = await Promise.all(ids.map((id) => contracts.get(id)));
    for (const aggregate of aggregates) {
      if (!aggregate) continue;
      const pending = aggregate.versions.find((v) => v.status === 'PENDING_APPROVAL');
      if (!pending) continue;
      if (query.advertiserId !== undefined && aggregate.contract.advertiserId !== query.advertiserId) continue;
      if (query.status !== undefined && aggregate.contract.status !== query.status) continue;
      items.push({ ...presentSummary(aggregate.contract, identity), pendingVersion: pending.number });
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < query.limit && ++queries < MAX_QUERIES);
  return { status: 200, body: { items, nextCursor: cursor ?? null } };
}

export const DAILY_CONTRACT_ROUTES: Record<string, RouteSpec> = {
  'GET /v1/contracts/{id}/spend': route(ops['GET /v1/contracts/{id}/spend'], async ({ identity, params, query, clock }) => {
    const { contract, versions, credits } = await visibleContract(identity, params.id);
    if (contract.status === ContractStatus.DRAFT || termsVersions(versions).length === 0) {
      throw new ConflictError(`contract ${contract.id} has no approved terms yet, so nothing is billed`, 'no_approved_terms');
    }
    const now = clock.now();
    const { usage, invoices } = ratingDeps();
    const [periodUsage, prior] = await Promise.all([usage.loadPeriodUsage(contract.id, query.period), invoices.loadPriorRuns(contract.id)]);
    const spend = spendToDate({
      contract: toContractTerms(contract, versions, credits),
      usage: periodUsage,
      period: query.period,
      asOf: now.toISOString(),
      today: contractToday(contract, now),
      prior,
    });
    return { status: 200, body: { contractId: contract.id, ...spend } };
  }),
};
