/** Billing run operations: start a run of a period, and watch it. */
import '../zod-openapi';
import * as z from 'zod';
import { isPeriod } from '../../domain/kernel/calendar';
import { Id } from '../terms';
import { FunctionGroup, operation, Role, type Operations } from './operation';

const { FINANCE } = Role;

export const Period = z.string().refine(isPeriod, 'must be a period YYYY-MM').openapi({ example: '2027-01' });

export const StartBillingRunBody = z
  .strictObject({
    period: Period,
    contractIds: z.array(Id).min(1).max(1000).optional().openapi({ description: 'Only these contracts; default every contract billed in the period.' }),
  })
  .openapi('StartBillingRun');

export const BillingRunStatusSchema = z.enum(['RUNNING', 'SUCCEEDED', 'FAILED']);

export const StartedBillingRunSchema = z.object({ id: z.string(), status: z.literal('RUNNING'), period: z.string(), runSeq: z.number().int() });

export const BillingRunSchema = z
  .object({
    id: z.string(),
    period: z.string(),
    runSeq: z.number().int().openapi({ description: '1 for the first run of the period; 2, 3, ... for re-runs (adjustment invoices).' }),
    status: BillingRunStatusSchema,
    progress: z.object({ done: z.number().int(), total: z.number().int() }),
    invoiceIds: z.array(z.string()),
    invoices: z.array(z.object({ contractId: z.string(), invoiceId: z.string(), currency: z.string(), total: z.string() })),
    totals: z.array(z.object({ currency: z.string(), total: z.string(), invoices: z.number().int() })),
    contractIds: z.array(z.string()).nullable(),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    failureReason: z.string().nullable(),
    startedBy: z.string(),
  })
  .openapi('BillingRun');

export const BILLING_RUN_OPERATIONS = {
  'POST /v1/billing-runs': operation({
    group: FunctionGroup.BILLING,
    roles: [FINANCE],
    summary: 'Start a billing run',
    body: StartBillingRunBody,
    responses: { 202: StartedBillingRunSchema },
    errors: [409],
    description: 'Starts the billing run of a period. One run per period at a time (409 while one is RUNNING). A later run of a period invoices only the differences (ADJUSTMENT lines).',
  }),
  'GET /v1/billing-runs/{id}': operation({
    group: FunctionGroup.BILLING,
    roles: [FINANCE],
    summary: 'Billing run status and progress',
    params: z.object({ id: Id }),
    responses: { 200: BillingRunSchema },
    errors: [404],
  }),
} as const satisfies Operations;

/** The payloads the workflow's tasks receive (validated at each task's entry). */
export const RunExecutionInputSchema = z.object({
  runId: z.string().min(1),
  period: Period,
  runSeq: z.number().int().min(1),
  asOf: z.string(),
  contractIds: z.array(z.string()).nullable(),
  actor: z.string().min(1),
});

export const RateContractInputSchema = z.object({
  runId: z.string().min(1),
  period: Period,
  runSeq: z.number().int().min(1),
  asOf: z.string(),
  actor: z.string().min(1),
  contractId: z.string().min(1),
});

export const MarkFailedInputSchema = z.object({
  runId: z.string().min(1),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).nullable().optional(),
});

export const ScheduledStartInputSchema = z.object({ scheduledTime: z.string(), job: z.string().optional() });
