/** Contracts: create, read, list, edit drafts, draft amendments/renewals/terminations, audit trail. */
import { defineGroup, route } from '../http/group';
import { FunctionGroup } from '../http/routes';
import { tenantOf } from '../http/tenant';
import { etagOfVersion, expectedVersion } from '../http/etag';
import { CONTRACT_OPERATIONS as ops } from '../../shared/schemas/api/contracts';
import { createContract } from '../../shared/domain/contracts/create-contract';
import { updateDraftVersion } from '../../shared/domain/contracts/update-draft-version';
import { draftAmendment } from '../../shared/domain/contracts/draft-amendment';
import { draftRenewal } from '../../shared/domain/contracts/draft-renewal';
import { draftTermination } from '../../shared/domain/contracts/draft-termination';
import { findVersion } from '../../shared/domain/contracts/aggregate';
import { auditAggregate, toAuditTrailItem } from '../../shared/domain/audit/entry';
import { assertKnownPartners, termsPartnerReferences } from '../../shared/domain/directory/known-partners';
import { lifecycleDeps, newId } from './dependencies';
import { visibleContract } from './visible';
import { DAILY_CONTRACT_ROUTES, listPendingContracts } from './daily-routes';
import { contractVisibleToAdvertiser, presentContract, presentSummary, presentVersion, versionResponse } from './present';
import { CREDIT_CONTRACT_ROUTES } from './credit-routes';

export const handler = defineGroup(FunctionGroup.CONTRACTS, {
  ...CREDIT_CONTRACT_ROUTES,
  ...DAILY_CONTRACT_ROUTES,
  'POST /v1/contracts': route(ops['POST /v1/contracts'], async ({ identity, body, clock }) => {
    const { contracts, directory } = lifecycleDeps();
    await assertKnownPartners(directory, termsPartnerReferences(body.terms));
    const aggregate = await createContract({ store: contracts, advertisers: directory, clock, newId: newId('ctr') }, body, identity.sub);
    return {
      status: 201,
      body: presentContract(aggregate, clock.now()),
      etag: etagOfVersion(aggregate.contract.version),
      headers: { location: `/v1/contracts/${aggregate.contract.id}` },
    };
  }),

  'GET /v1/contracts': route(ops['GET /v1/contracts'], async ({ identity, query }) => {
    if (query.pending) return listPendingContracts(identity, query);
    const tenant = tenantOf(identity);
    // An advertiser lists its own contracts only; asking for another's yields nothing, not an error.
    if (tenant !== null && query.advertiserId !== undefined && query.advertiserId !== tenant) {
      return { status: 200, body: { items: [], nextCursor: null } };
    }
    const page = await lifecycleDeps().contracts.list({ ...query, advertiserId: tenant ?? query.advertiserId });
    // The advertiser view leaves out contracts without approved terms, so a page may hold fewer items than the limit.
    const items = tenant === null ? page.items : page.items.filter(contractVisibleToAdvertiser);
    return { status: 200, body: { items: items.map((c) => presentSummary(c, identity)), nextCursor: page.nextCursor } };
  }),

  'GET /v1/contracts/{id}': route(ops['GET /v1/contracts/{id}'], async ({ identity, params, clock }) => {
    const aggregate = await visibleContract(identity, params.id);
    return { status: 200, body: presentContract(aggregate, clock.now(), identity), etag: etagOfVersion(aggregate.contract.version) };
  }),

  'GET /v1/contracts/{id}/versions/{n}': route(ops['GET /v1/contracts/{id}/versions/{n}'], async ({ identity, params }) => {
    return versionResponse(await visibleContract(identity, params.id), params.n, identity);
  }),

  'PUT /v1/contracts/{id}/versions/{n}': route(ops['PUT /v1/contracts/{id}/versions/{n}'], async ({ identity, params, body, headers, clock }) => {
    const expected = expectedVersion(headers, true)!;
    await assertKnownPartners(lifecycleDeps().directory, termsPartnerReferences(body.terms));
    const aggregate = await updateDraftVersion(
      { store: lifecycleDeps().contracts, clock },
      { contractId: params.id, number: params.n, terms: body.terms, effectiveFrom: body.effectiveFrom, expectedVersion: expected },
      identity.sub,
    );
    const version = findVersion(aggregate, params.n);
    return { status: 200, body: presentVersion(version, []), etag: etagOfVersion(version.version) };
  }),

  'POST /v1/contracts/{id}/amendments': route(ops['POST /v1/contracts/{id}/amendments'], async ({ identity, params, body, headers, clock }) => {
    await assertKnownPartners(lifecycleDeps().directory, termsPartnerReferences(body.terms));
    const { version } = await draftAmendment(
      { store: lifecycleDeps().contracts, clock },
      { contractId: params.id, effectiveFrom: body.effectiveFrom, terms: body.terms, expectedVersion: expectedVersion(headers, false) },
      identity.sub,
    );
    return created(params.id, version);
  }),

  'POST /v1/contracts/{id}/renewals': route(ops['POST /v1/contracts/{id}/renewals'], async ({ identity, params, body, headers, clock }) => {
    const { version } = await draftRenewal(
      { store: lifecycleDeps().contracts, clock },
      { contractId: params.id, termMonths: body.termMonths, rateUpliftPct: body.rateUpliftPct ?? null, expectedVersion: expectedVersion(headers, false) },
      identity.sub,
    );
    return created(params.id, version);
  }),

  'POST /v1/contracts/{id}/termination': route(ops['POST /v1/contracts/{id}/termination'], async ({ identity, params, body, headers, clock }) => {
    const { version } = await draftTermination(
      { store: lifecycleDeps().contracts, clock },
      { contractId: params.id, effectiveDate: body.effectiveDate, reason: body.reason, expectedVersion: expectedVersion(headers, false) },
      identity.sub,
    );
    return created(params.id, version);
  }),

  'GET /v1/contracts/{id}/audit': route(ops['GET /v1/contracts/{id}/audit'], async ({ identity, params, query }) => {
    await visibleContract(identity, params.id);
    const page = await lifecycleDeps().audit.listEntries(auditAggregate.contract(params.id), { limit: query.limit, cursor: query.cursor });
    return {
      status: 200,
      body: {
        items: page.items.map(toAuditTrailItem),
        nextCursor: page.cursor ?? null,
      },
    };
  }),
});

function created(contractId: string, version: Parameters<typeof presentVersion>[0]) {
  return {
    status: 201,
    body: presentVersion(version, []),
    etag: etagOfVersion(version.version),
    headers: { location: `/v1/contracts/${contractId}/versions/${version.number}` },
  };
}
