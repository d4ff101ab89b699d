/**
 * The contract lifecycle API (groups `contracts` and `approvals`): request bodies are strict,
 * so server-owned fields (`status`, `version`, `approvals`, `createdBy`, `recordedAt`, ...) in a
 * body are a 400, not silently taken.
 */
import '../zod-openapi';
import * as z from 'zod';
import { Day, Id, PercentString, VersionTermsSchema } from '../terms';
import { IdParams, ListQuery, page } from './common';
import { ALL_ROLES, FunctionGroup, operation, Role, type Operations } from './operation';

const { ADMIN, APPROVER, FINANCE, OPS } = Role;

const CONTRACT_STATUSES = ['DRAFT', 'PENDING_APPROVAL', 'ACTIVE', 'EXPIRED', 'TERMINATED'] as const;
const VERSION_STATUSES = ['DRAFT', 'PENDING_APPROVAL', 'APPROVED', 'REJECTED', 'SUPERSEDED'] as const;
const VERSION_KINDS = ['INITIAL', 'AMENDMENT', 'RENEWAL', 'TERMINATION'] as const;

export const AutoRenewSchema = z.union([
  z.literal(false),
  z.strictObject({ termMonths: z.number().int().min(1).max(120), noticeDays: z.number().int().min(0).max(365) }),
]);

/** The first version's terms: FORMAT.md's Version without `recordedAt` (set on approval). */
export const InitialTermsSchema = VersionTermsSchema.extend({ effectiveFrom: Day.optional() });

export const CreateContractBody = z.strictObject({
  advertiserId: Id,
  name: z.string().trim().min(1).max(200),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
  timezone: z.string().min(1).max(64),
  startDate: Day,
  endDate: Day,
  rounding: z.enum(['HALF_EVEN', 'HALF_UP']).default('HALF_EVEN'),
  autoRenew: AutoRenewSchema.default(false),
  /** The advertiser's purchase order / insertion order number. */
  poNumber: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9 ._:/#-]+$/, 'letters, digits, spaces and . _ : / # - only').optional(),
  terms: InitialTermsSchema,
});

export const UpdateVersionBody = z.strictObject({ terms: VersionTermsSchema, effectiveFrom: Day.optional() });
export const AmendmentBody = z.strictObject({ effectiveFrom: Day, terms: VersionTermsSchema });
export const RenewalBody = z.strictObject({ termMonths: z.number().int().min(1).max(120), rateUpliftPct: PercentString.optional() });
export const TerminationBody = z.strictObject({ effectiveDate: Day, reason: z.string().trim().min(1).max(2000) });
export const SubmitBody = z.strictObject({});
export const ApproveBody = z.strictObject({ comment: z.string().max(2000).optional() });
export const RejectBody = z.strictObject({ reason: z.string().trim().min(1).max(2000) });

export const VersionParams = z.object({ id: Id, n: z.coerce.number().int().min(1).max(9999) });
export const ContractListQuery = ListQuery.extend({
  advertiserId: Id.optional(),
  status: z.enum(CONTRACT_STATUSES).optional(),
  /** `true`: contracts with a version awaiting approval (ops, approver, finance). */
  pending: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

export const ApprovalSchema = z
  .object({
    approverId: z.string(),
    roles: z.array(z.string()),
    comment: z.string().nullable(),
    at: z.string(),
    impact: z
      .object({ asOf: z.string(), currency: z.string(), absolute: z.string(), total: z.string(), periods: z.array(z.object({ period: z.string(), total: z.string() })) })
      .nullable()
      .openapi({ description: 'The impact on invoiced periods the approver was shown (null on approvals recorded without one).' }),
  })
  .openapi('Approval');

const RequirementSchema = z.object({
  approvals: z.number().int(),
  financeRequired: z.boolean(),
  committedValue: z.string(),
  threshold: z.string().nullable(),
});

export const VersionResponse = z
  .object({
    contractId: z.string(),
    number: z.number().int(),
    kind: z.enum(VERSION_KINDS),
    status: z.enum(VERSION_STATUSES),
    effectiveFrom: z.string(),
    terms: VersionTermsSchema,
    backdated: z.boolean(),
    recordedAt: z.string().nullable(),
    renewal: z
      .object({ termMonths: z.number().int(), rateUpliftPct: z.string().nullable(), previousEndDate: z.string(), newEndDate: z.string() })
      .nullable(),
    termination: z.object({ effectiveDate: z.string(), reason: z.string() }).nullable(),
    requirement: RequirementSchema.nullable(),
    rejection: z.object({ by: z.string(), reason: z.string(), at: z.string() }).nullable(),
    supersededBy: z.number().int().nullable(),
    authors: z.array(z.string()),
    createdBy: z.string(),
    createdAt: z.string(),
    submittedAt: z.string().nullable(),
    updatedAt: z.string(),
    version: z.number().int(),
    approvals: z.array(ApprovalSchema).optional(),
  })
  .openapi('ContractVersion');

const ContractFields = {
  id: z.string(),
  advertiserId: z.string(),
  name: z.string(),
  currency: z.string(),
  timezone: z.string(),
  startDate: z.string(),
  endDate: z.string(),
  rounding: z.enum(['HALF_EVEN', 'HALF_UP']),
  autoRenew: AutoRenewSchema,
  status: z.enum(CONTRACT_STATUSES),
  poNumber: z.string().nullable(),
  terminatedOn: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
};

export const ContractSummary = z.object(ContractFields).openapi('ContractSummary');

export const ContractResponse = z
  .object({
    ...ContractFields,
    versions: z.array(VersionResponse),
    inEffect: z.object({ day: z.string(), number: z.number().int().nullable() }),
  })
  .openapi('Contract');

/** An image too big for its entry, kept in the audit archive: `before`/`after` is then null. */
const AuditImageRef = z
  .object({
    key: z.string().describe('object key in the audit archive bucket'),
    sha256: z.string().describe('sha256 (hex) of the object, which is the image as canonical JSON'),
    bytes: z.number().int(),
  })
  .openapi('AuditImageRef');

export const AuditEntrySchema = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    beforeImage: AuditImageRef.optional(),
    afterImage: AuditImageRef.optional(),
    hash: z.string(),
    prevHash: z.string().nullable(),
  })
  .openapi('AuditEntry');

export const CONTRACT_OPERATIONS = {
  'POST /v1/contracts': operation({
    group: FunctionGroup.CONTRACTS,
    roles: [OPS],
    summary: 'Create a contract with its first draft version',
    body: CreateContractBody,
    responses: { 201: ContractResponse },
  }),
  'GET /v1/contracts': operation({
    group: FunctionGroup.CONTRACTS,
    roles: [...ALL_ROLES],
    summary: 'List contracts',
    query: ContractListQuery,
    responses: { 200: page(ContractSummary) },
    description: '`pending=true` (ops, approver, finance; others 403): contracts with a version awaiting approval, oldest submission first.',
  }),
  'GET /v1/contracts/{id}': operation({
    group: FunctionGroup.CONTRACTS,
    roles: [...ALL_ROLES],
    summary: 'Read a contract, its versions and the version in effect today',
    params: IdParams,
    responses: { 200: ContractResponse },
    errors: [404],
  }),
  'GET /v1/contracts/{id}/versions/{n}': operation({
    group: FunctionGroup.CONTRACTS,
    roles: [...ALL_ROLES],
    summary: 'Read one version with its terms and approvals',
    params: VersionParams,
    responses: { 200: VersionResponse },
    errors: [404],
  }),
  'PUT /v1/contracts/{id}/versions/{n}': operation({
    group: FunctionGroup.CONTRACTS,
    roles: [OPS],
    summary: "Replace a draft version's terms",
    params: VersionParams,
    body: UpdateVersionBody,
    responses: { 200: VersionResponse },
    errors: [404, 409],
    ifMatch: 'required',
  }),
  'POST /v1/contracts/{id}/amendments': operation({
    group: FunctionGroup.CONTRACTS,
    roles: [OPS],
    summary: 'Draft an amendment version',
    params: IdParams,
    body: AmendmentBody,
    responses: { 201: VersionResponse },
    errors: [404],
    ifMatch: 'optional',
  }),
  'POST /v1/contracts/{id}/renewals': operation({
    group: FunctionGroup.CONTRACTS,
    roles: [OPS],
    summary: 'Draft a renewal version',
    params: IdParams,
    body: RenewalBody,
    responses: { 201: VersionResponse },
    errors: [404],
    ifMatch: 'optional',
  }),
  'POST /v1/contracts/{id}/termination': operation({
    group: FunctionGroup.CONTRACTS,
    roles: [OPS],
    summary: 'Draft a termination',
    params: IdParams,
    body: TerminationBody,
    responses: { 201: VersionResponse },
    errors: [404],
    ifMatch: 'optional',
    description: 'Drafts a TERMINATION version; once approved the contract ends on effectiveDate.',
  }),
  'GET /v1/contracts/{id}/audit': operation({
    group: FunctionGroup.CONTRACTS,
    roles: [OPS, FINANCE, ADMIN],
    summary: "The contract's audit trail",
    params: IdParams,
    query: ListQuery,
    responses: { 200: page(AuditEntrySchema) },
    errors: [404],
  }),
  'POST /v1/contracts/{id}/versions/{n}/submit': operation({
    group: FunctionGroup.APPROVALS,
    roles: [OPS],
    summary: 'Submit a draft for approval',
    params: VersionParams,
    body: SubmitBody,
    responses: { 200: VersionResponse },
    errors: [404],
    ifMatch: 'optional',
  }),
  'POST /v1/contracts/{id}/versions/{n}/approve': operation({
    group: FunctionGroup.APPROVALS,
    roles: [APPROVER, FINANCE],
    summary: 'Approve a version',
    params: VersionParams,
    body: ApproveBody,
    responses: { 200: VersionResponse },
    errors: [404],
    ifMatch: 'optional',
    description: 'Records an approval; the version becomes APPROVED once the approval policy is met. Authors answer 403 `author_cannot_approve`, a second approval by the same person 409 `already_approved`.',
  }),
  'POST /v1/contracts/{id}/versions/{n}/reject': operation({
    group: FunctionGroup.APPROVALS,
    roles: [APPROVER, FINANCE],
    summary: 'Reject a version',
    params: VersionParams,
    body: RejectBody,
    responses: { 200: VersionResponse },
    errors: [404],
    ifMatch: 'optional',
  }),
} as const satisfies Operations;
