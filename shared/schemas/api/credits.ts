/**
 * Credits (make-goods) of a contract: created by operations PENDING_APPROVAL, approved or
 * rejected by an approver or finance who is not the author (maker-checker, as for versions).
 * Approved credits are rated with `recordedAt` = the approval instant.
 */
import '../zod-openapi';
import * as z from 'zod';
import { CREDIT_REASONS } from '../../domain/credits/model';
import { Id, MoneyString } from '../terms';
import { IdParams, ListQuery, page } from './common';
import { FunctionGroup, operation, Role, type Operations } from './operation';

const { ADVERTISER, APPROVER, FINANCE, OPS } = Role;

const CreditPeriod = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a period YYYY-MM').openapi({ example: '2027-03' });
const CreditStatusSchema = z.enum(['PENDING_APPROVAL', 'APPROVED', 'REJECTED']);

export const CreateCreditBody = z.strictObject({
  period: CreditPeriod.openapi({ description: 'The billing period whose invoice carries the credit; a month of the contract term.' }),
  amount: MoneyString.openapi({ description: "Positive, with at most the contract currency's minor-unit digits.", example: '500.00' }),
  reason: z.enum(CREDIT_REASONS),
  note: z.string().trim().min(1).max(2000).optional(),
});
export const ApproveCreditBody = z.strictObject({ comment: z.string().max(2000).optional() });
export const RejectCreditBody = z.strictObject({ reason: z.string().trim().min(1).max(2000) });
export const CreditParams = z.object({ id: Id, creditId: Id });

export const CreditSchema = z
  .object({
    id: z.string(),
    contractId: z.string(),
    period: z.string(),
    amount: z.string(),
    reason: z.enum(CREDIT_REASONS),
    status: CreditStatusSchema,
    recordedAt: z.string().nullable().openapi({ description: 'The approval instant: billing runs with an earlier asOf do not rate the credit.' }),
    note: z.string().nullable().optional(),
    requirement: z
      .object({ approvals: z.number().int(), financeRequired: z.boolean(), committedValue: z.string(), threshold: z.string().nullable() })
      .optional(),
    approvals: z.array(z.object({ approverId: z.string(), roles: z.array(z.string()), comment: z.string().nullable(), at: z.string() })).optional(),
    rejection: z.object({ by: z.string(), reason: z.string(), at: z.string() }).nullable().optional(),
    createdBy: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .openapi('Credit', { description: 'An advertiser token sees approved credits only, without note, approvals or workflow fields.' });

export const CreditListQuery = ListQuery.extend({ status: CreditStatusSchema.optional() });

export const CREDIT_OPERATIONS = {
  'POST /v1/contracts/{id}/credits': operation({
    group: FunctionGroup.CONTRACTS,
    roles: [OPS],
    summary: 'Create a credit (make-good) pending approval',
    params: IdParams,
    body: CreateCreditBody,
    responses: { 201: CreditSchema },
    errors: [404],
    description: 'Creates a credit PENDING_APPROVAL. 400 when the period is outside the contract term or the amount is not positive money of the currency.',
  }),
  'GET /v1/contracts/{id}/credits': operation({
    group: FunctionGroup.CONTRACTS,
    roles: [OPS, FINANCE, APPROVER, ADVERTISER],
    summary: "A contract's credits with their status",
    params: IdParams,
    query: CreditListQuery,
    responses: { 200: page(CreditSchema) },
    errors: [404],
  }),
  'POST /v1/contracts/{id}/credits/{creditId}/approve': operation({
    group: FunctionGroup.APPROVALS,
    roles: [APPROVER, FINANCE],
    summary: 'Approve a credit',
    params: CreditParams,
    body: ApproveCreditBody,
    responses: { 200: CreditSchema },
    errors: [404, 409],
    ifMatch: 'optional',
    description:
      'Records an approval; the credit becomes APPROVED (recordedAt = now) once the approval policy is met: one approval, or at or above the currency threshold two by different people, one of them finance. The author answers 403 `author_cannot_approve`; a credit no longer pending 409 `illegal_transition`; a second approval by the same person 409 `already_approved`.',
  }),
  'POST /v1/contracts/{id}/credits/{creditId}/reject': operation({
    group: FunctionGroup.APPROVALS,
    roles: [APPROVER, FINANCE],
    summary: 'Reject a credit',
    params: CreditParams,
    body: RejectCreditBody,
    responses: { 200: CreditSchema },
    errors: [404, 409],
    ifMatch: 'optional',
    description: 'Rejects a pending credit; it is never rated. The author answers 403.',
  }),
} as const satisfies Operations;
