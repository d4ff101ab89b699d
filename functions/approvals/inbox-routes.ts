/**
 * The approval inbox and the impact preview (approvals group). Thin: the kit parses and checks
 * roles, the domain decides what a caller may decide (approval-inbox.ts) and re-rates
 * (impact.ts); nothing here is stored.
 */
import { route, type RouteSpec } from '../http/group';
import type { Identity } from '../http/identity';
import { APPROVAL_INBOX_OPERATIONS as ops } from '../../shared/schemas/api/daily-work';
import { NotFoundError } from '../../shared/domain/kernel/errors';
import { findVersion } from '../../shared/domain/contracts/aggregate';
import { requirementWithImpact } from '../../shared/domain/contracts/approval-policy';
import { approvalImpactOf, previewImpact } from '../../shared/domain/contracts/impact';
import { inboxItem, mayDecide, creditInboxItem, mayDecideCredit, type InboxItem } from '../../shared/domain/contracts/approval-inbox';
import type { PendingRef } from '../../shared/adapters/dynamodb/contract-repository';
import { lifecycleDeps, ratingDeps } from '../contracts/dependencies';

/** Items re-rated at once: each reads its prior runs and the usage of the periods it touches. */
const CONCURRENCY = 8;
/** Queries one inbox page may take while skipping what the caller may not decide. */
const MAX_QUERIES = 5;

async function itemOf(ref: PendingRef, identity: Identity, now: Date): Promise<InboxItem | null> {
  const { contracts, credits } = lifecycleDeps();
  const aggregate = await contracts.get(ref.contractId);
  if (!aggregate) return null;
  if (ref.kind === 'credit') {
    const credit = await credits.getCredit(ref.contractId, ref.creditId);
    return credit && mayDecideCredit(credit, identity.sub) ? creditInboxItem(aggregate, credit) : null;
  }
  const version = aggregate.versions.find((v) => v.number === ref.number);
  // The index is eventually consistent: a version decided a moment ago may still be listed.
  if (!version || !mayDecide(aggregate, version, identity.sub)) return null;
  return inboxItem(aggregate, version, approvalImpactOf(await previewImpact(ratingDeps(), aggregate, version.number, now)));
}

export const APPROVAL_INBOX_ROUTES: Record<string, RouteSpec> = {
  'GET /v1/approvals': route(ops['GET /v1/approvals'], async ({ identity, query, clock }) => {
    const now = clock.now();
    const items: InboxItem[] = [];
    let cursor = query.cursor;
    let queries = 0;
    do {
      const page = await lifecycleDeps().contracts.pendingApprovals({ limit: query.limit - items.length, cursor });
      for (let i = 0; i < page.items.length; i += CONCURRENCY) {
        const found = await Promise.all(page.items.slice(i, i + CONCURRENCY).map((ref) => itemOf(ref, identity, now)));
        for (const item of found) if (item) items.push(item);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor && items.length < query.limit && ++queries < MAX_QUERIES);
    return { status: 200, body: { items, nextCursor: cursor ?? null } };
  }),

  'GET /v1/contracts/{id}/versions/{n}/impact': route(ops['GET /v1/contracts/{id}/versions/{n}/impact'], async ({ params, clock }) => {
    const aggregate = await lifecycleDeps().contracts.get(params.id);
    if (!aggregate) throw new NotFoundError('contract', params.id);
    const version = findVersion(aggregate, params.n);
    const impact = await previewImpact(ratingDeps(), aggregate, params.n, clock.now());
    const requirement = version.requirement ? requirementWithImpact(version.requirement, impact) : null;
    return { status: 200, body: { ...impact, requirement } };
  }),
};
