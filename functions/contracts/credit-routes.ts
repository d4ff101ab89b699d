/**
 * Credit routes (make-goods): POST and GET under the contracts group, approve and reject under
 * the approvals group. Thin: parse (the kit), authorize (roles in the route table, tenant here),
 * call the domain (shared/domain/credits), respond.
 */
import { route, type RouteSpec } from '../http/group';
import { tenantOf, assertTenant } from '../http/tenant';
import { etagOfVersion, expectedVersion } from '../http/etag';
import type { Identity } from '../http/identity';
import { CREDIT_OPERATIONS as ops } from '../../shared/schemas/api/credits';
import { NotFoundError } from '../../shared/domain/kernel/errors';
import { CreditStatus, type Credit } from '../../shared/domain/credits/model';
import { createCredit } from '../../shared/domain/credits/create-credit';
import { approveCredit, rejectCredit } from '../../shared/domain/credits/decide-credit';
import { lifecycleDeps, newId } from './dependencies';

/** An advertiser sees what it is credited, not the workflow behind it. */
export function presentCredit(credit: Credit, identity: Identity) {
  const { actor: _actor, ...rest } = credit;
  if (tenantOf(identity) === null) return rest;
  const { id, contractId, period, amount, reason, status, recordedAt, createdAt, updatedAt, version } = credit;
  return { id, contractId, period, amount, reason, status, recordedAt, createdAt, updatedAt, version };
}

async function assertVisibleContract(identity: Identity, contractId: string): Promise<void> {
  const aggregate = await lifecycleDeps().contracts.get(contractId);
  if (!aggregate) throw new NotFoundError('contract', contractId);
  assertTenant(identity, aggregate.contract.advertiserId, 'contract', contractId);
}

export const CREDIT_CONTRACT_ROUTES: Record<string, RouteSpec> = {
  'POST /v1/contracts/{id}/credits': route(ops['POST /v1/contracts/{id}/credits'], async ({ identity, params, body, clock }) => {
    const { contracts, credits, thresholds } = lifecycleDeps();
    const credit = await createCredit(
      { contracts, credits, clock, thresholds, newId: newId('crd') },
      { contractId: params.id, period: body.period, amount: body.amount, reason: body.reason, note: body.note ?? null },
      identity.sub,
    );
    return {
      status: 201,
      body: presentCredit(credit, identity),
      etag: etagOfVersion(credit.version),
      headers: { location: `/v1/contracts/${params.id}/credits/${credit.id}` },
    };
  }),

  'GET /v1/contracts/{id}/credits': route(ops['GET /v1/contracts/{id}/credits'], async ({ identity, params, query }) => {
    await assertVisibleContract(identity, params.id);
    const advertiser = tenantOf(identity) !== null;
    // An advertiser sees approved credits only, whatever status it asks for.
    if (advertiser && query.status !== undefined && query.status !== CreditStatus.APPROVED) return { status: 200, body: { items: [], nextCursor: null } };
    const page = await lifecycleDeps().credits.listPage(params.id, {
      limit: query.limit,
      cursor: query.cursor,
      status: advertiser ? CreditStatus.APPROVED : query.status,
    });
    return { status: 200, body: { items: page.items.map((c) => presentCredit(c, identity)), nextCursor: page.nextCursor } };
  }),
};

export const CREDIT_APPROVAL_ROUTES: Record<string, RouteSpec> = {
  'POST /v1/contracts/{id}/credits/{creditId}/approve': route(
    ops['POST /v1/contracts/{id}/credits/{creditId}/approve'],
    async ({ identity, params, body, headers, clock }) => {
      await assertVisibleContract(identity, params.id);
      const { credit } = await approveCredit(
        { credits: lifecycleDeps().credits, clock },
        { contractId: params.id, creditId: params.creditId, comment: body.comment ?? null, expectedVersion: expectedVersion(headers, false) },
        { sub: identity.sub, roles: identity.roles },
      );
      return { status: 200, body: presentCredit(credit, identity), etag: etagOfVersion(credit.version) };
    },
  ),

  'POST /v1/contracts/{id}/credits/{creditId}/reject': route(
    ops['POST /v1/contracts/{id}/credits/{creditId}/reject'],
    async ({ identity, params, body, headers, clock }) => {
      await assertVisibleContract(identity, params.id);
      const credit = await rejectCredit(
        { credits: lifecycleDeps().credits, clock },
        { contractId: params.id, creditId: params.creditId, reason: body.reason, expectedVersion: expectedVersion(headers, false) },
        identity.sub,
      );
      return { status: 200, body: presentCredit(credit, identity), etag: etagOfVersion(credit.version) };
    },
  ),
};
