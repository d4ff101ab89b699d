/**
 * The approval inbox, the impact preview of a version and spend to date: request and response
 * schemas (groups `approvals` and `contracts`). Everything here is read-only: nothing is stored.
 */
import '../zod-openapi';
import * as z from 'zod';
import { isPeriod } from '../../domain/kernel/calendar';
import { IdParams, ListQuery, page } from './common';
import { VersionParams } from './contracts';
import { FunctionGroup, operation, Role, type Operations } from './operation';

const { ADVERTISER, APPROVER, FINANCE, OPS } = Role;

const Money = z.string().openapi({ description: "Decimal string with exactly the currency's minor-unit digits; negative for a credit.", example: '-1250.00' });
const Period = z.string().refine(isPeriod, 'must be a period YYYY-MM').openapi({ example: '2027-03' });

export const ApprovalImpactSchema = z
  .object({
    asOf: z.string().openapi({ description: 'When the invoiced periods were re-rated (the version taken as approved at that instant).' }),
    currency: z.string(),
    absolute: Money.openapi({ description: "Sum of each period's absolute total change: what the approval policy weighs against the threshold." }),
    total: Money.openapi({ description: 'Net total change over the invoiced periods the version touches.' }),
    periods: z.array(z.object({ period: z.string(), total: Money })),
  })
  .openapi('ApprovalImpact');

const RatedLineSchema = z
  .object({
    type: z.string(),
    adjusts: z.string().optional(),
    chargeId: z.string().optional(),
    version: z.number().int().optional(),
    quantity: z.string(),
    amount: Money,
    explanation: z.unknown(),
  })
  .openapi('RatedLine');

const PartnerChange = z.object({ partnerId: z.string(), chargeId: z.string(), amount: Money });

export const ImpactSchema = z
  .object({
    contractId: z.string(),
    version: z.number().int(),
    currency: z.string(),
    asOf: z.string(),
    periods: z.array(
      z.object({
        period: z.string(),
        lines: z.array(RatedLineSchema).openapi({ description: 'The ADJUSTMENT lines the re-run after approval would invoice.' }),
        subtotal: Money,
        total: Money,
        partnerPayouts: z.array(PartnerChange).openapi({ description: 'Changes of partner payouts the re-run would report, per partner and charge.' }),
      }),
    ),
    total: Money,
    absolute: Money,
    currentPeriod: z
      .object({ period: z.string(), before: Money, after: Money, change: Money })
      .openapi({ description: 'The current (not yet invoiced) period rated to date without and with the version.' }),
    requirement: z
      .object({ approvals: z.number().int(), financeRequired: z.boolean(), committedValue: z.string(), threshold: z.string().nullable() })
      .nullable()
      .openapi({ description: 'The approval policy for this impact (null for a draft: fixed at submission).' }),
  })
  .openapi('VersionImpact');

export const InboxItemSchema = z
  .object({
    contractId: z.string(),
    advertiserId: z.string(),
    kind: z.enum(['new', 'amendment', 'renewal', 'termination', 'credit']),
    version: z.number().int().optional(),
    creditId: z.string().optional(),
    author: z.string(),
    authors: z.array(z.string()),
    submittedAt: z.string(),
    currency: z.string(),
    committedValue: z.string(),
    impact: ApprovalImpactSchema.nullable(),
    approvals: z.array(z.object({ approverId: z.string(), roles: z.array(z.string()), at: z.string() })),
    required: z.object({
      approvals: z.number().int(),
      financeRequired: z.boolean(),
      approvalsStillNeeded: z.number().int(),
      financeStillNeeded: z.boolean(),
    }),
  })
  .openapi('ApprovalInboxItem');

export const SpendQuery = z.object({ period: Period });

export const SpendSchema = z
  .object({
    contractId: z.string(),
    period: z.string(),
    currency: z.string(),
    asOf: z.string(),
    charges: z.array(z.object({ chargeId: z.string(), quantity: z.string(), amount: Money })),
    days: z.array(z.object({ date: z.string(), quantity: z.string(), amount: Money })),
    total: Money.openapi({ description: 'Spend: the USAGE lines after a performance guarantee credit and the budget cap.' }),
    guaranteeCredit: Money.nullable().openapi({ description: "The GUARANTEE_CREDIT so far (part of total); null when the period's terms have no performance guarantee." }),
    credits: z.array(z.object({ id: z.string(), reason: z.string(), amount: Money })).openapi({ description: 'The approved credits of the period a billing run would invoice now (recorded by asOf).' }),
    creditTotal: Money.openapi({ description: 'Their CREDIT line (0 or negative). total + shortfall + creditTotal is the invoice subtotal of a closed period.' }),
    budgetCap: Money.nullable(),
    remaining: Money.nullable(),
    minimum: Money.nullable(),
    shortfall: Money.nullable(),
    projectedTotal: Money,
    capReachedOn: z.string().nullable(),
  })
  .openapi('Spend');

export const APPROVAL_INBOX_OPERATIONS = {
  'GET /v1/approvals': operation({
    group: FunctionGroup.APPROVALS,
    roles: [APPROVER, FINANCE],
    summary: 'The approval inbox',
    query: ListQuery,
    responses: { 200: page(InboxItemSchema) },
    description: "Everything awaiting approval that the caller may still decide (never the caller's own work nor what they approved already), oldest submission first, with each version's impact on invoiced periods and what the policy still requires.",
  }),
  'GET /v1/contracts/{id}/versions/{n}/impact': operation({
    group: FunctionGroup.APPROVALS,
    roles: [OPS, APPROVER, FINANCE],
    summary: "A version's impact on invoiced periods",
    params: VersionParams,
    responses: { 200: ImpactSchema },
    errors: [404, 409],
    description: 'A draft or pending version re-rated into every invoiced period it touches, as the re-run after its approval would (nothing stored); 409 `version_not_open` for other versions.',
  }),
} as const satisfies Operations;

export const SPEND_OPERATIONS = {
  'GET /v1/contracts/{id}/spend': operation({
    group: FunctionGroup.CONTRACTS,
    roles: [OPS, FINANCE, ADVERTISER],
    summary: 'Spend to date and pacing for a period',
    params: IdParams,
    query: SpendQuery,
    responses: { 200: SpendSchema },
    errors: [404],
    description: 'The period rated so far from stored usage (nothing stored): per charge and per local day, the cap and minimum, and pacing.',
  }),
} as const satisfies Operations;

