/** Approvals: submit a draft, approve or reject a pending version (maker-checker policy in the domain). */
import { defineGroup, route } from '../http/group';
import { FunctionGroup } from '../http/routes';
import { expectedVersion } from '../http/etag';
import { CONTRACT_OPERATIONS as ops } from '../../shared/schemas/api/contracts';
import { submitVersion } from '../../shared/domain/contracts/submit-version';
import { approveVersion } from '../../shared/domain/contracts/approve-version';
import { rejectVersion } from '../../shared/domain/contracts/reject-version';
import { lifecycleDeps } from '../contracts/dependencies';
import { versionResponse } from '../contracts/present';
import { CREDIT_APPROVAL_ROUTES } from '../contracts/credit-routes';
import { approvalImpactOf, previewImpact } from '../../shared/domain/contracts/impact';
import { ratingDeps } from '../contracts/dependencies';
import { APPROVAL_INBOX_ROUTES } from './inbox-routes';

export const handler = defineGroup(FunctionGroup.APPROVALS, {
  ...CREDIT_APPROVAL_ROUTES,
  ...APPROVAL_INBOX_ROUTES,
  'POST /v1/contracts/{id}/versions/{n}/submit': route(ops['POST /v1/contracts/{id}/versions/{n}/submit'], async ({ identity, params, headers, clock }) => {
    const { contracts, thresholds } = lifecycleDeps();
    const aggregate = await submitVersion(
      { store: contracts, clock, thresholds },
      { contractId: params.id, number: params.n, expectedVersion: expectedVersion(headers, false) },
      identity.sub,
    );
    return versionResponse(aggregate, params.n);
  }),

  'POST /v1/contracts/{id}/versions/{n}/approve': route(ops['POST /v1/contracts/{id}/versions/{n}/approve'], async ({ identity, params, body, headers, clock }) => {
    const { aggregate } = await approveVersion(
      {
        store: lifecycleDeps().contracts,
        clock,
        // The approver decides on the version's impact on invoiced periods as it is now.
        impactOf: async (aggregate, version, now) => approvalImpactOf(await previewImpact(ratingDeps(), aggregate, version.number, now)),
      },
      { contractId: params.id, number: params.n, comment: body.comment ?? null, expectedVersion: expectedVersion(headers, false) },
      { sub: identity.sub, roles: identity.roles },
    );
    return versionResponse(aggregate, params.n);
  }),

  'POST /v1/contracts/{id}/versions/{n}/reject': route(ops['POST /v1/contracts/{id}/versions/{n}/reject'], async ({ identity, params, body, headers, clock }) => {
    const aggregate = await rejectVersion(
      { store: lifecycleDeps().contracts, clock },
      { contractId: params.id, number: params.n, reason: body.reason, expectedVersion: expectedVersion(headers, false) },
      identity.sub,
    );
    return versionResponse(aggregate, params.n);
  }),
});
